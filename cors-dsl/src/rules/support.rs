//! Helpers shared by the lint rules: walking a policy set, taking origins apart,
//! building list-entry deletions, and probing `~` regexes with crafted origins.
//!
//! They live here so each `cors1NN_*.rs` file holds only its rule's logic and docs.

use crate::model::{OriginPattern, Policy, PolicySet, Rule};
use crate::span::{SourceMap, Span, Spanned};
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Every rule of every policy, with its policy.
pub(crate) fn each_rule(set: &PolicySet) -> impl Iterator<Item = (&Policy, &Rule)> {
    set.policies.iter().flat_map(|p| p.rules.iter().map(move |r| (p, r)))
}

/// A serialised origin taken apart: `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<&'a str>,
}

/// Splits `scheme://host[:port]`; `None` for anything else (`null`, paths).
pub(crate) fn split_origin(origin: &str) -> Option<Origin<'_>> {
    let (scheme, authority) = origin.split_once("://")?;
    if scheme.is_empty() || authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, rest) = authority.split_at(close + 1);
        match rest.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if rest.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty()
        || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some(Origin { scheme, host, port })
}

/// Scheme and host of a pattern that names one (exact, subdomain, any-port).
pub(crate) fn scheme_host(p: &OriginPattern) -> Option<(&str, &str)> {
    match p {
        OriginPattern::Exact(o) => split_origin(o).map(|o| (o.scheme, o.host)),
        OriginPattern::Subdomain { scheme, suffix, .. } => Some((scheme, suffix)),
        OriginPattern::AnyPort { scheme, host } => Some((scheme, host)),
        OriginPattern::Any | OriginPattern::Null | OriginPattern::Regex(_) => None,
    }
}

/// Whether `host` is the local machine: `localhost` (and `*.localhost`, which
/// browsers resolve to loopback), `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a pattern only accepts plain-`http` origins off the local machine.
pub(crate) fn is_insecure(p: &OriginPattern) -> bool {
    match p {
        OriginPattern::Subdomain { scheme, suffix, .. } => {
            // `*.localhost` is all loopback.
            scheme == "http" && !is_loopback(&format!("x.{suffix}"))
        }
        _ => scheme_host(p).is_some_and(|(scheme, host)| scheme == "http" && !is_loopback(host)),
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

/// A `~` pattern compiled the way the rule table matches it: whole origin only.
pub(crate) fn anchored(regex: &str) -> Option<Regex> {
    Regex::new(&crate::origin::anchor(regex)).ok()
}

/// The most sample strings generated per regex (alternations and optional parts
/// multiply the count).
const MAX_SAMPLES: usize = 32;

/// Strings the regex accepts, built from its syntax tree: every branch of an
/// alternation, optional parts both absent and present, repetitions at their minimum
/// (at least once), and from each character class a representative character (a
/// lower-case letter when the class has one). Only the strings the compiled, anchored
/// regex really accepts are returned.
pub(crate) fn sample_matches(regex: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(regex) else {
        return Vec::new();
    };
    let Some(re) = anchored(regex) else { return Vec::new() };
    // A sample without a scheme (`.*example\.com` gives `example.com`) means a leading
    // wildcard can absorb one: try it with `https://` in front.
    let mut out: Vec<String> = samples(&hir)
        .into_iter()
        .flat_map(|s| if s.contains("://") { vec![s] } else { vec![format!("https://{s}"), s] })
        .filter(|s| re.is_match(s))
        .collect();
    out.dedup();
    out
}

fn samples(hir: &Hir) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(class) => representatives(class).into_iter().map(String::from).collect(),
        HirKind::Capture(cap) => samples(&cap.sub),
        HirKind::Repetition(rep) => {
            let one = samples(&rep.sub);
            let times = rep.min.clamp(1, 8) as usize;
            let mut out: Vec<String> = one.iter().map(|s| s.repeat(times)).collect();
            if rep.min == 0 {
                out.insert(0, String::new());
            }
            out.truncate(MAX_SAMPLES);
            out
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for part in parts {
                let next = samples(part);
                let mut combined = Vec::new();
                'outer: for a in &acc {
                    for b in &next {
                        if combined.len() >= MAX_SAMPLES {
                            break 'outer;
                        }
                        combined.push(format!("{a}{b}"));
                    }
                }
                acc = combined;
            }
            acc
        }
        HirKind::Alternation(branches) => {
            let mut out: Vec<String> = branches.iter().flat_map(samples).collect();
            out.truncate(MAX_SAMPLES);
            out
        }
    }
}

/// Characters to stand for a class: a lower-case letter (or digit, or the first
/// member) and, when the class also holds `.`, the dot too — an unescaped `.` in a
/// host usually stands for a literal dot, and the dot mutation needs it.
fn representatives(class: &Class) -> Vec<char> {
    let contains = |c: char| match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => {
            c.is_ascii() && b.ranges().iter().any(|r| r.start() <= c as u8 && c as u8 <= r.end())
        }
    };
    let first = match class {
        Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
        Class::Bytes(b) => b.ranges().first().map(|r| char::from(r.start())),
    };
    let mut out: Vec<char> =
        ['a', 'x', '0', '-'].into_iter().find(|&c| contains(c)).or(first).into_iter().collect();
    // The dot first: samples read like the host the author had in mind.
    if contains('.') && !out.contains(&'.') {
        out.insert(0, '.');
    }
    out
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
    fn split_origin_cases() {
        type Parts<'a> = Option<(&'a str, &'a str, Option<&'a str>)>;
        let cases: &[(&str, Parts)] = &[
            ("https://a.example", Some(("https", "a.example", None))),
            ("http://localhost:3000", Some(("http", "localhost", Some("3000")))),
            ("http://[::1]:8080", Some(("http", "[::1]", Some("8080")))),
            ("http://[::1]", Some(("http", "[::1]", None))),
            ("null", None),
            ("https://a.example/", None),
            ("https://a.example:", None),
        ];
        for (input, want) in cases {
            let got = split_origin(input).map(|o| (o.scheme, o.host, o.port));
            assert_eq!(got, *want, "split_origin({input:?})");
        }
    }

    #[test]
    fn loopback_cases() {
        for (host, want) in [
            ("localhost", true),
            ("app.localhost", true),
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("[::1]", true),
            ("128.0.0.1", false),
            ("localhost.evil.net", false),
            ("example.com", false),
        ] {
            assert_eq!(is_loopback(host), want, "is_loopback({host:?})");
        }
    }

    #[test]
    fn samples_are_accepted_by_the_regex() {
        for (regex, expected) in [
            (r"https://app\.example\.com", "https://app.example.com"),
            (r"https://(www\.)?example\.com", "https://www.example.com"),
            (r"https://pr-[0-9]+\.preview\.example\.dev", "https://pr-0.preview.example.dev"),
            (r"https://(app|admin)\.example\.com", "https://admin.example.com"),
            (r"https://app.example.com", "https://app.example.com"),
            (r"https://.*\.example\.com", "https://a.example.com"),
        ] {
            let samples = sample_matches(regex);
            assert!(samples.iter().any(|s| s == expected), "{regex}: {samples:?}");
        }
    }

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
