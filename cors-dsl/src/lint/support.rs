//! Helpers shared by the lints: walking a policy set, judging origin patterns, building
//! list-entry deletions, and asking the Public Suffix List about hosts.
//!
//! They live here so each `cors1NN_*.rs` file holds only its lint's logic and docs, and
//! no lint imports another. Probing `~` regexes has its own file, [`super::regex_probe`].

use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, Policy, PolicySet, Rule};
use crate::origin::is_loopback;
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

/// Whether a pattern only accepts plain-`http` origins off the local machine.
pub(crate) fn is_insecure(p: &OriginPattern) -> bool {
    match p {
        OriginPattern::Subdomain { scheme, suffix, .. } => {
            // `*.localhost` is all loopback.
            scheme == "http" && !is_loopback(&format!("x.{suffix}"))
        }
        _ => {
            p.scheme_and_host().is_some_and(|(scheme, host)| scheme == "http" && !is_loopback(host))
        }
    }
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

/// The registrable domain (public suffix plus one label) of `host`, lower-case; the
/// host itself when it has none (an IP address, `localhost`).
pub(crate) fn registrable(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_string)
}

/// Whether `host` (no scheme, no port) is a public suffix on the Public Suffix List:
/// `com`, `co.uk`, `github.io`. Unlisted names do not count (the list's implicit `*`
/// rule would make every unknown TLD one).
pub(crate) fn is_public_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes())
        .is_some_and(|s| s.is_known() && s.as_bytes().eq_ignore_ascii_case(host.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_suffixes() {
        for (host, want) in [
            ("com", true),
            ("co.uk", true),
            ("github.io", true),
            ("example.com", false),
            ("app.github.io", false),
            ("notarealtld", false),
        ] {
            assert_eq!(is_public_suffix(host), want, "is_public_suffix({host:?})");
        }
    }
}
