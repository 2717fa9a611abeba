//! Helpers shared by the lints: walking a policy set, taking origins apart, building
//! list-entry deletions, and asking the Public Suffix List about hosts.
//!
//! They live here so each `cors1NN_*.rs` file holds only its lint's logic and docs, and
//! no lint imports another. Probing `~` regexes has its own file, [`super::regex_probe`].

use crate::model::{OriginPattern, Policy, PolicySet, Rule};
use crate::span::{SourceMap, Span, Spanned};

/// Every rule (`allow` block, or the policy's implicit one) of every policy, with its
/// policy.
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
