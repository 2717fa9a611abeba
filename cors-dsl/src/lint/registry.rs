//! The registry: every diagnostic code, in code order.
//!
//! One list holds every code with its name, severity and documentation; `corsc rules`,
//! the SARIF `rules[]` array and `docs/rules.md` are all generated from it. Codes are
//! stable and never reused: a removed lint stays as a tombstone.
//!
//! - `CORS0xx`: language errors ([`crate::codes`]). The parser, checker, loader and
//!   compiler report them; a policy with any of them is refused and they cannot be
//!   suppressed.
//! - `CORS1xx`: lints (`LINTS`). [`super::lint`] reports them on a valid policy; each
//!   can be suppressed with `# corsc: allow CORS1xx "reason"` on the line before. Each
//!   lives in its own `cors1NN_name.rs` file with its documentation.
//! - `CORS19x`: findings about suppressions themselves, reported by [`super::suppress`].
//! - `CORS2xx`: policy tests ([`crate::codes`]): an `expect` statement the compiled
//!   policy does not keep, reported by [`crate::expect`]. Refused like a language
//!   error; they cannot be suppressed.
//!
//! Looking a code up by its text ([`lookup`]) is only for text a user wrote.

// The lint modules, listed by path below.
use super::*;
use crate::codes::{self, Code, CodeKind};

/// Every lint, in code order. [`super::lint`] runs them in this order.
pub(crate) const LINTS: &[&dyn Lint] = &[
    &cors101_permissive_origin_regex::PermissiveOriginRegex,
    &cors102_look_alike_origin::LookAlikeOrigin,
    &cors103_null_origin::NullOrigin,
    &cors104_insecure_origin::InsecureOrigin,
    &cors105_subdomain_wildcard_with_credentials::SubdomainWildcardWithCredentials,
    &cors106_shared_hosting_origin::SharedHostingOrigin,
    &cors107_wildcard_with_credentials::WildcardWithCredentials,
    &cors108_wildcard_headers_without_authorization::WildcardHeadersWithoutAuthorization,
    &cors109_forbidden_request_header::ForbiddenRequestHeader,
    &cors110_unreadable_exposed_header::UnreadableExposedHeader,
    &cors111_response_header_in_allowed_headers::ResponseHeaderInAllowedHeaders,
    &cors112_lowercase_method::LowercaseMethod,
    &cors113_needless_safelisted_entry::NeedlessSafelistedEntry,
    &cors114_excessive_max_age::ExcessiveMaxAge,
    &cors115_private_network_insecure_origin::PrivateNetworkInsecureOrigin,
    &cors116_private_network_access::PrivateNetworkAccess,
    &cors117_duplicate_entry::DuplicateEntry,
    &cors118_wildcard_mixed_with_origins::WildcardMixedWithOrigins,
    &cors119_empty_origin_list::EmptyOriginList,
    &cors120_shadowed_rule::ShadowedRule,
    &cors130_public_suffix_wildcard::PublicSuffixWildcard,
    &cors131_unwritten_scheme_origin::UnwrittenSchemeOrigin,
    &cors132_origin_outside_domain::OriginOutsideDomain,
    &cors133_origin_too_complex::OriginTooComplex,
];

/// Codes reported by [`super::suppress`], not by a lint.
const SUPPRESSION_CODES: &[&Code] =
    &[cors190_suppression_without_reason::CODE, cors191_unused_suppression::CODE];

/// Every code, sorted by code: language errors, then lints, then suppression findings,
/// then policy tests.
pub fn all() -> impl Iterator<Item = &'static Code> {
    codes::LANGUAGE
        .iter()
        .copied()
        .chain(LINTS.iter().map(|l| l.code()))
        .chain(SUPPRESSION_CODES.iter().copied())
        .chain(codes::EXPECTATION.iter().copied())
}

/// The code a user wrote (`cors101` or `CORS101`), if it exists.
pub fn lookup(text: &str) -> Option<&'static Code> {
    all().find(|c| c.code.eq_ignore_ascii_case(text))
}

/// `docs/rules.md`: every code with its summary, default severity and docs, generated
/// from the registry (a test fails when the checked-in file differs).
pub fn markdown() -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         <!-- Generated from the rule registry (`cors_dsl::lint::registry::markdown()`); do not edit.\n     \
         Regenerate with `UPDATE_DOCS=1 cargo test -p cors-dsl --test lint_registry`. -->\n\n\
         `CORS0xx` are language errors: the policy is refused and they cannot be suppressed.\n\
         `CORS1xx` are lint findings on a valid policy; silence one with\n\
         `# corsc: allow CORS1NN \"reason\"` on the line before the finding. A suppression\n\
         needs a reason (`CORS190`) and must suppress something (`CORS191`).\n\
         `CORS2xx` are policy tests that fail: an `expect` statement the policy does not\n\
         keep. The policy is refused; they cannot be suppressed.\n\n\
         ## Severity\n\n\
         Every lint is graded by one principle:\n\n\
         - **error**: the policy widens access beyond what its author wrote (a regex that \
         accepts more than it seems to, `null` or plain `http` with credentials), or it \
         cannot work in a browser (`methods patch;`). `corsc check`, `corsc compile` and \
         `nginx -t` refuse it.\n\
         - **warning**: it probably widens access, or it will surprise: an entry that does \
         something other than the author expects or nothing they expect (`expose Set-Cookie`, \
         a rule no request reaches). `corsc lint --deny warnings` fails on it.\n\
         - **info**: hygiene that can neither widen access nor break a request: duplicates, \
         dead entries, needless listings, non-canonical spellings, an exact origin naming one \
         tenant's own site on shared hosting. Never fails a run.\n\n\
         Some lints raise their grade where the same text means more (most with \
         `credentials on`); the table shows the default. `corsc lint --warn CODE`, \
         `--deny CODE` and `--allow CODE` regrade or drop a code for one run.\n\n\
         | Code | Name | Default severity | Summary |\n|---|---|---|---|\n",
    );
    for m in all() {
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | `{name}` | {sev} | {summary} |",
            code = m.code,
            anchor = format!("{}-{}", m.code, m.name).to_ascii_lowercase(),
            name = m.name,
            sev = m.severity,
            summary = m.summary.replace('|', "\\|"),
        );
    }
    for m in all() {
        let _ = write!(
            out,
            "\n## {}-{}\n\n{}.\n\nDefault severity: **{}**.{}\n\n",
            m.code,
            m.name,
            capitalise(m.summary),
            m.severity,
            if m.kind == CodeKind::Lint { "" } else { " Cannot be suppressed." },
        );
        // The docs use `##` sections; one level deeper here, under the code's heading.
        for line in m.docs.trim_end().lines() {
            if let Some(rest) = line.strip_prefix("## ") {
                let _ = writeln!(out, "### {rest}");
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
