//! Helpers shared by the lints: walking a policy set, raising findings with
//! credentials, building list-entry deletions.
//!
//! They live here so each `cors1NN_*.rs` file holds only its lint's logic and docs, and
//! no lint imports another. What origin patterns accept has its own file,
//! [`super::origin_exposure`].

use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, Policy, PolicySet, Rule};
use crate::span::{SourceMap, Span, Spanned};

/// Every rule (`allow` block, or the policy's implicit one) of every policy, with its
/// policy.
pub(crate) fn each_rule(set: &PolicySet) -> impl Iterator<Item = (&Policy, &Rule)> {
    set.policies.iter().flat_map(|p| p.rules.iter().map(move |r| (p, r)))
}

/// Every origin of every rule, with its rule.
pub(crate) fn each_origin(
    set: &PolicySet,
) -> impl Iterator<Item = (&Rule, &Spanned<OriginPattern>)> {
    each_rule(set).flat_map(|(_, r)| r.origins.iter().map(move |o| (r, o)))
}

/// Every `~` origin: the origin (for its span) and its regex.
pub(crate) fn each_regex_origin(
    set: &PolicySet,
) -> impl Iterator<Item = (&Spanned<OriginPattern>, &str)> {
    each_origin(set).filter_map(|(_, o)| match &o.node {
        OriginPattern::Regex(pattern) => Some((o, pattern.as_str())),
        _ => None,
    })
}

/// `d` raised to an error when `rule` allows credentials, pointing at where it does:
/// for findings that expose users' data only with cookies.
pub(crate) fn worse_with_credentials(d: Diagnostic, rule: &Rule) -> Diagnostic {
    if !rule.credentials.node {
        return d;
    }
    d.severity(Severity::Error).secondary(rule.credentials.span, "and credentials are on")
}

/// The span to delete to remove `entries[idx]` from a space-separated list, taking
/// one neighbouring run of blanks with it; `None` when that cannot be done safely (the
/// only entry of its statement: deleting it would leave `headers ;`).
pub(crate) fn removal_span<T>(
    sources: &SourceMap,
    entries: &[Spanned<T>],
    idx: usize,
) -> Option<Span> {
    let this = entries.get(idx)?.span;
    let file = sources.get(this.file)?;
    let blank_between = |a: Span, b: Span| {
        a.file == b.file
            && a.end <= b.start
            && file
                .text
                .get(a.end as usize..b.start as usize)
                .is_some_and(|t| !t.is_empty() && t.chars().all(|c| c == ' ' || c == '\t'))
    };
    if let Some(prev) = idx.checked_sub(1).and_then(|i| entries.get(i)) {
        if blank_between(prev.span, this) {
            let (line, col) = file.line_col(prev.span.end as usize);
            return Some(Span { start: prev.span.end, line, col, ..this });
        }
    }
    if let Some(next) = entries.get(idx + 1) {
        if blank_between(this, next.span) {
            return Some(Span { end: next.span.start, ..this });
        }
    }
    None
}
