//! CORS120 `shadowed-rule`: a rule every origin of which an earlier rule takes first.

use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet, PortPattern};
use crate::origin::language::probe;
use crate::origin::{OriginSet, OriginText, TooComplex};
use crate::span::{SourceMap, Span, Spanned};
use rustc_hash::FxHashMap;
use std::collections::HashSet;

pub(crate) struct ShadowedRule;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS120",
    "shadowed-rule",
    Severity::Warning,
    "a rule that never applies because earlier rules match all its origins first",
    "## Why is this bad?\n\
Rules are tried in order and the first whose origins match wins. When an earlier rule \
matches every origin of a later one (`*`, a subdomain wildcard covering it, `host:*`, or a \
`~` regex whose language contains theirs, compared as automata), the later rule's methods, headers and credentials \
never apply: the policy grants something other than what it says.\n\n\
## Example\n```\npolicy api {\n    allow { origin https://*.example.com; }\n    allow { origin https://admin.example.com; credentials on; }\n}\n```\n\n\
## Use instead\n```\npolicy api {\n    allow { origin https://admin.example.com; credentials on; }\n    allow { origin https://*.example.com; }\n}\n```\n",
);

impl Lint for ShadowedRule {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for policy in &set.policies {
            let mut earlier = Earlier::default();
            for (j, later) in policy.rules.iter().enumerate() {
                if j > 0 && !later.origins.is_empty() {
                    // For each origin of the later rule, the earlier origin that takes it.
                    let takers: Option<Vec<&Spanned<OriginPattern>>> =
                        later.origins.iter().map(|o| earlier.taker(&o.node)).collect();
                    if let Some(takers) = takers {
                        out.push(finding(later.span, takers));
                    }
                }
                // The last rule shadows nothing: its origins are not indexed.
                if j + 1 < policy.rules.len() {
                    earlier.add(&later.origins);
                }
            }
        }
    }
}

/// The origins of the rules before the one being checked, so that finding which one
/// takes an origin first costs one hash lookup for exact origins (a tenants list holds a
/// million) plus a scan of the few other patterns, instead of a scan of them all.
#[derive(Default)]
struct Earlier<'a> {
    /// Exact origin → its first listing, with its position among all earlier origins.
    exact: FxHashMap<&'a str, (usize, &'a Spanned<OriginPattern>)>,
    /// Every other pattern, in order, with its position.
    others: Vec<(usize, &'a Spanned<OriginPattern>)>,
    /// Every origin, in order: a `~` regex can be covered by an exact origin too.
    all: Vec<&'a Spanned<OriginPattern>>,
}

impl<'a> Earlier<'a> {
    fn add(&mut self, origins: &'a [Spanned<OriginPattern>]) {
        for o in origins {
            let at = self.all.len();
            self.all.push(o);
            match &o.node {
                OriginPattern::Exact(e) => {
                    self.exact.entry(e.as_str()).or_insert((at, o));
                }
                _ => self.others.push((at, o)),
            }
        }
    }

    /// The first earlier origin that covers `pattern`: the same answer as trying every
    /// earlier origin in order with [`covers`] (an exact origin covers only itself).
    fn taker(&self, pattern: &OriginPattern) -> Option<&'a Spanned<OriginPattern>> {
        let exact = match pattern {
            OriginPattern::Exact(e) => self.exact.get(e.as_str()).copied(),
            // Compared by their languages, against every earlier origin.
            OriginPattern::Regex(_) => {
                return self.all.iter().find(|o| covers(&o.node, pattern)).copied()
            }
            _ => None,
        };
        let other = self.others.iter().find(|(_, o)| covers(&o.node, pattern)).copied();
        match (exact, other) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 { a.1 } else { b.1 }),
            (a, b) => a.or(b).map(|(_, o)| o),
        }
    }
}

/// The finding for a shadowed rule, naming each earlier origin that takes its origins.
fn finding(rule: Span, takers: Vec<&Spanned<OriginPattern>>) -> Diagnostic {
    let mut d = Diagnostic::new(
        CODE,
        rule,
        "this rule never applies: earlier rules match all its origins first",
    )
    .label("shadowed")
    .help("move the more specific rule first, or remove it");
    let mut seen = HashSet::new();
    for t in takers {
        if seen.insert(t.span) {
            d = d.secondary(t.span, format!("`{}` matches first", t.node));
        }
    }
    d
}

/// Whether every origin `b` accepts is accepted by `a`. Patterns with a regex are
/// compared by the languages they accept (among the origins a browser can send);
/// `false` when that is too complex to work out, so a finding is always real.
pub(crate) fn covers(a: &OriginPattern, b: &OriginPattern) -> bool {
    use OriginPattern as P;
    match (a, b) {
        (P::Any, _) => true,
        (P::Null, P::Null) => true,
        (P::Exact(x), P::Exact(y)) => x == y,
        (P::Subdomain { scheme, suffix, port }, P::Exact(o)) => {
            // The splitter passes only ports from 1 to 65535, so each parses.
            OriginText::parse(o).is_some_and(|o| {
                o.scheme == scheme
                    && under(o.host, suffix)
                    && port.admits(o.port.and_then(|p| p.parse().ok()))
            })
        }
        (
            P::Subdomain { scheme: s1, suffix: x, port: p1 },
            P::Subdomain { scheme: s2, suffix: y, port: p2 },
        ) => s1 == s2 && p1.covers(*p2) && (x == y || under(y, x)),
        (
            P::Subdomain { scheme: s1, suffix, port: PortPattern::Any },
            P::AnyPort { scheme: s2, host },
        ) => s1 == s2 && under(host, suffix),
        (P::AnyPort { scheme, host }, P::Exact(o)) => {
            OriginText::parse(o).is_some_and(|o| o.scheme == scheme && o.host == host)
        }
        (P::AnyPort { scheme: s1, host: h1 }, P::AnyPort { scheme: s2, host: h2 }) => {
            s1 == s2 && h1 == h2
        }
        (P::Regex(x), P::Regex(y)) if x == y => true,
        (P::Regex(_), _) | (_, P::Regex(_)) => language_covers(a, b).unwrap_or(false),
        _ => false,
    }
}

/// Whether the browser origins `b` accepts are all accepted by `a`, by their languages.
fn language_covers(a: &OriginPattern, b: &OriginPattern) -> Result<bool, TooComplex> {
    let browser = probe::browser_origins()?;
    let b = OriginSet::from_pattern(b)?.intersect(&browser)?;
    OriginSet::from_pattern(a)?.is_superset(&b)
}

/// `host` is a proper subdomain of `suffix`.
fn under(host: &str, suffix: &str) -> bool {
    host.strip_suffix(suffix).is_some_and(|rest| rest.len() > 1 && rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::covers;
    use crate::model::{OriginPattern as P, PortPattern};
    use PortPattern::{Any, Default, Number};

    fn exact(s: &str) -> P {
        P::Exact(s.into())
    }
    fn sub(scheme: &str, suffix: &str, port: PortPattern) -> P {
        P::Subdomain { scheme: scheme.into(), suffix: suffix.into(), port }
    }

    #[test]
    fn coverage_table() {
        let any_port = P::AnyPort { scheme: "http".into(), host: "localhost".into() };
        let cases = [
            (P::Any, exact("https://a.example"), true),
            (P::Any, P::Null, true),
            (exact("https://a.example"), exact("https://a.example"), true),
            (exact("https://a.example"), exact("https://b.example"), false),
            (sub("https", "example.com", Default), exact("https://a.example.com"), true),
            (sub("https", "example.com", Default), exact("https://a.b.example.com"), true),
            (sub("https", "example.com", Default), exact("https://example.com"), false),
            (sub("https", "example.com", Default), exact("http://a.example.com"), false),
            (sub("https", "example.com", Default), exact("https://a.example.com:8443"), false),
            (sub("https", "example.com", Number(8443)), exact("https://a.example.com:8443"), true),
            (sub("https", "example.com", Default), exact("https://aexample.com"), false),
            (sub("https", "example.com", Default), sub("https", "x.example.com", Default), true),
            (sub("https", "x.example.com", Default), sub("https", "example.com", Default), false),
            (sub("https", "example.com", Any), exact("https://a.example.com"), true),
            (sub("https", "example.com", Any), exact("https://a.b.example.com:8443"), true),
            (sub("https", "example.com", Any), exact("https://example.com:8443"), false),
            (sub("https", "example.com", Any), exact("http://a.example.com:8443"), false),
            (sub("https", "example.com", Any), sub("https", "x.example.com", Number(8443)), true),
            (sub("https", "example.com", Any), sub("https", "example.com", Default), true),
            (sub("https", "example.com", Default), sub("https", "example.com", Any), false),
            (sub("https", "example.com", Number(8443)), sub("https", "example.com", Any), false),
            (
                sub("https", "example.com", Any),
                P::AnyPort { scheme: "https".into(), host: "a.example.com".into() },
                true,
            ),
            (
                sub("https", "example.com", Default),
                P::AnyPort { scheme: "https".into(), host: "a.example.com".into() },
                false,
            ),
            (exact("file://"), exact("file://"), true),
            (sub("file", "example.com", Any), exact("file://"), false),
            (any_port.clone(), exact("http://localhost:3000"), true),
            (any_port.clone(), exact("http://localhost"), true),
            (any_port, exact("http://127.0.0.1:3000"), false),
            (
                P::Regex(r"https://[a-z]+\.example\.com".into()),
                exact("https://a.example.com"),
                true,
            ),
            (
                P::Regex(r"https://[a-z]+\.example\.com".into()),
                exact("https://1.example.com"),
                false,
            ),
            (P::Regex(".*".into()), sub("https", "example.com", Default), true),
            (
                P::Regex(r"https://[a-z0-9-]+\.example\.com".into()),
                sub("https", "example.com", Default),
                false,
            ),
            // The wildcard takes `_` in labels, as browsers send it: this regex does not.
            (
                P::Regex(r"https://([a-z0-9-]+\.)+example\.com".into()),
                sub("https", "example.com", Default),
                false,
            ),
            (
                P::Regex(r"https://([a-z0-9_-]+\.)+example\.com".into()),
                sub("https", "example.com", Default),
                true,
            ),
            (
                sub("https", "example.com", Any),
                P::Regex(r"https://a\.example\.com(:[0-9]+)?".into()),
                true,
            ),
            (
                sub("https", "example.com", Default),
                P::Regex(r"https://a\.example\.com(:[0-9]+)?".into()),
                false,
            ),
            (P::Regex("null|https://a".into()), P::Null, true),
            (P::Null, exact("https://a.example"), false),
        ];
        for (a, b, want) in cases {
            assert_eq!(covers(&a, &b), want, "covers({a}, {b})");
        }
    }
}
