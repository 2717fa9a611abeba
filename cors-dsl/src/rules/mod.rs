//! The registry of every diagnostic code: language errors and lint rules.
//!
//! One registry holds every code with its name, severity and documentation;
//! `corsc rules`, the SARIF `rules[]` array and `docs/rules.md` are all generated from
//! it. Codes are stable and never reused: a removed rule stays as a tombstone.
//!
//! - `CORS0xx`: language errors. The parser and validator report them; a policy with
//!   any of them is refused and cannot be suppressed.
//! - `CORS1xx`: lint rules. [`crate::lint`] reports them on a valid policy; each can be
//!   suppressed with `# corsc: allow CORS1xx "reason"` on the line before. Each lives in
//!   its own `cors1NN_name.rs` file with its documentation.
//! - `CORS19x`: findings about suppressions themselves.

use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) mod language;
pub(crate) mod support;

mod cors101_permissive_origin_regex;
mod cors102_weak_origin_regex;
mod cors103_null_origin;
mod cors104_insecure_origin;
mod cors105_subdomain_wildcard_with_credentials;
mod cors106_shared_hosting_origin;
mod cors107_wildcard_with_credentials;
mod cors108_wildcard_headers_without_authorization;
mod cors109_forbidden_request_header;
mod cors110_unreadable_exposed_header;
mod cors111_response_header_in_allowed_headers;
mod cors112_lowercase_method;
mod cors113_needless_safelisted_entry;
mod cors114_excessive_max_age;
mod cors115_private_network_insecure_origin;
mod cors116_private_network_access;
mod cors117_duplicate_entry;
mod cors118_wildcard_mixed_with_origins;
mod cors119_empty_origin_list;
mod cors120_shadowed_rule;
pub(crate) mod cors190_suppression_without_reason;
pub(crate) mod cors191_unused_suppression;

/// What kind of check a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// The policy is refused; cannot be suppressed.
    Language,
    /// A finding of the linter on a valid policy.
    Lint,
}

/// Everything known about one code, for docs and output formats.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleMeta {
    /// `CORS001`.
    pub code: &'static str,
    /// kebab-case name: `credentials-with-wildcard-origin`.
    pub name: &'static str,
    /// Default severity (some lint rules raise it when credentials are on).
    pub severity: Severity,
    /// Language error or lint.
    pub kind: RuleKind,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown: `## Why is this bad?`, `## Example`, `## Use instead`.
    pub docs: &'static str,
}

/// A lint rule: its metadata and the check that produces its findings.
pub(crate) trait Rule: Sync {
    /// The rule's code, name, severity and docs.
    fn meta(&self) -> &'static RuleMeta;
    /// Appends every finding about `set` to `out` (suppressions are applied later).
    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>);
}

/// Builds the metadata of a lint rule (used by every `cors1NN_*.rs`).
pub(crate) const fn lint_meta(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
    docs: &'static str,
) -> RuleMeta {
    RuleMeta { code, name, severity, kind: RuleKind::Lint, summary, docs }
}

/// Every lint rule, in code order. `lint()` runs them in this order.
pub(crate) const RULES: &[&dyn Rule] = &[
    &cors101_permissive_origin_regex::PermissiveOriginRegex,
    &cors102_weak_origin_regex::WeakOriginRegex,
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
];

/// Codes reported by the suppression machinery in [`crate::lint`], not by a rule.
const SUPPRESSION_METAS: &[&RuleMeta] =
    &[&cors190_suppression_without_reason::META, &cors191_unused_suppression::META];

/// Every code, sorted by code: language errors, then lint rules, then suppression
/// findings.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    language::LANGUAGE
        .iter()
        .chain(RULES.iter().map(|r| r.meta()))
        .chain(SUPPRESSION_METAS.iter().copied())
}

/// The metadata of `code`, if it exists.
pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code))
}

/// `docs/rules.md`: every code with its summary, default severity and docs, generated
/// from the registry (a test fails when the checked-in file differs).
pub fn markdown() -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         <!-- Generated from the rule registry (`cors_dsl::rules::markdown()`); do not edit.\n     \
         Regenerate with `UPDATE_DOCS=1 cargo test -p cors-dsl --test lint_registry`. -->\n\n\
         `CORS0xx` are language errors: the policy is refused and they cannot be suppressed.\n\
         `CORS1xx` are lint findings on a valid policy; silence one with\n\
         `# corsc: allow CORS1NN \"reason\"` on the line before the finding. A suppression\n\
         needs a reason (`CORS190`) and must suppress something (`CORS191`).\n\n\
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
            if m.kind == RuleKind::Language { " Cannot be suppressed." } else { "" },
        );
        // The docs use `##` sections; one level deeper here, under the rule's heading.
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
