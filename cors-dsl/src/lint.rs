//! The linter: security and correctness findings on a valid policy.
//!
//! Every rule of [`crate::rules`]'s registry runs over the whole [`PolicySet`]; then
//! `# corsc: allow CODE "reason"` suppressions are applied, and suppressions that lack
//! a reason (`CORS190`) or silence nothing (`CORS191`) become findings themselves, so a
//! suppression can never quietly outlive its purpose.

use crate::diag::Diagnostic;
use crate::model::PolicySet;
use crate::rules::{self, RuleKind};
use crate::span::SourceMap;

/// Runs every lint rule over `set`, applies `# corsc: allow` suppressions and reports
/// suppressions that lack a reason or suppress nothing.
///
/// Findings come back sorted by file, position and code, each reported once even when
/// several rules inherit the same policy-level statement.
pub fn lint(set: &PolicySet, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for rule in rules::RULES {
        rule.check(set, sources, &mut findings);
    }
    sort_and_dedup(&mut findings);

    // Which suppressions silenced something.
    let mut used = vec![false; set.suppressions.len()];
    findings.retain(|d| {
        let mut keep = true;
        for (i, s) in set.suppressions.iter().enumerate() {
            if s.span.file == d.span.file
                && s.applies_to_line == d.span.line
                && s.code.eq_ignore_ascii_case(d.code)
            {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });

    for (s, used) in set.suppressions.iter().zip(used) {
        if s.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            findings.push(
                Diagnostic::new(
                    rules::cors190_suppression_without_reason::META.code,
                    s.span,
                    format!("suppression of `{}` without a reason", s.code),
                )
                .label("say why this finding is acceptable here")
                .help(format!("write `# corsc: allow {} \"why it is fine here\"`", s.code)),
            );
        }
        if !used {
            let code = rules::cors191_unused_suppression::META.code;
            let d = match rules::meta(&s.code) {
                None => Diagnostic::new(
                    code,
                    s.span,
                    format!("suppression of unknown code `{}`", s.code),
                )
                .label("no such code")
                .help("see `corsc rules` for the list of codes"),
                Some(m) if m.kind == RuleKind::Language => Diagnostic::new(
                    code,
                    s.span,
                    format!("`{}` is a language error and cannot be suppressed", m.code),
                )
                .label("has no effect")
                .help("fix the policy instead"),
                Some(m) => Diagnostic::new(
                    code,
                    s.span,
                    format!("suppression of `{}` ({}) suppresses nothing", m.code, m.name),
                )
                .label(format!("no `{}` finding on line {}", m.code, s.applies_to_line))
                .help("remove the comment"),
            };
            findings.push(d);
        }
    }
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
