//! The linter: security and correctness findings on a valid policy.
//!
//! Every lint of the [`registry`] runs over the whole [`PolicySet`]; then
//! [`suppress`] applies `# corsc: allow CODE "reason"` comments, and suppressions that
//! lack a reason (`CORS190`) or silence nothing (`CORS191`) become findings themselves,
//! so a suppression can never quietly outlive its purpose.
//!
//! The layout is ruff's: one file per lint, `cors1NN_name.rs`, holding its [`Code`]
//! (name, severity, docs) and its check; [`registry`] lists every code; what several
//! lints need lives in `support.rs` and `origin_exposure.rs` (what each origin pattern
//! accepts, from `origin::language`), so no lint imports another.
//! "Rule" keeps its one meaning, an `allow` block of the model ([`crate::model::Rule`]).

use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::PolicySet;
use crate::span::SourceMap;

pub mod registry;
pub mod suppress;

mod origin_exposure;
mod support;

mod cors101_permissive_origin_regex;
mod cors102_look_alike_origin;
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
mod cors121_public_suffix_wildcard;
mod cors122_unwritten_scheme_origin;
mod cors123_origin_outside_domain;
mod cors124_origin_too_complex;
mod cors130_needless_options_method;
mod cors131_non_canonical_origin;
mod cors132_loopback_origin_with_credentials;
mod cors133_public_policy;
mod cors190_suppression_without_reason;
mod cors191_unused_suppression;

/// A lint: its code and the check that produces its findings.
pub(crate) trait Lint: Sync {
    /// The lint's code, with its name, severity and docs.
    fn code(&self) -> &'static Code;
    /// Appends every finding about `set` to `out` (suppressions are applied later).
    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>);
}

/// Runs every lint over `set`, applies `# corsc: allow` suppressions and reports
/// suppressions that lack a reason or suppress nothing.
///
/// Findings come back sorted by file, position and code, each reported once even when
/// several rules inherit the same policy-level statement.
pub fn lint(set: &PolicySet, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    origin_exposure::with_answers(set, || {
        for lint in registry::LINTS {
            lint.check(set, sources, &mut findings);
        }
    });
    sort_and_dedup(&mut findings);
    suppress::apply(&set.suppressions, &mut findings);
    sort_and_dedup(&mut findings);
    findings
}

/// Source order, and one copy of a finding several rules share through inheritance
/// (policy-level `headers Cookie;` seen by every rule of the policy).
fn sort_and_dedup(findings: &mut Vec<Diagnostic>) {
    findings.sort_by(|a, b| {
        (a.span.file, a.span.start, a.span.end, a.code).cmp(&(
            b.span.file,
            b.span.start,
            b.span.end,
            b.code,
        ))
    });
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
}
