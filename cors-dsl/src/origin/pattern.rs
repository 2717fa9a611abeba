//! The origins written in `origin` statements: their normalised form
//! ([`OriginPattern`]) and how text becomes one ([`parse_origin`]).
//!
//! A browser's `Origin` header is `scheme://host[:port]` serialised in one canonical
//! way (lower-case, punycode host, no default port, compressed IPv6 in brackets). The
//! table compares the raw header bytes with the allow-list, so every entry written by
//! a person must be turned into exactly that form here, and anything a browser could
//! never send (a path, a trailing slash, user info, a bad port) must be refused with a
//! reason instead of silently never matching.

use super::ipv4::{is_special_scheme, numeric_host, NumericHost};
use super::split::OriginText;
use std::net::Ipv6Addr;

/// A URL scheme as it appears in an origin, lower-cased (`https`, `chrome-extension`).
pub type Scheme = String;

/// The port of a `scheme://*.suffix` pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortPattern {
    /// No port written, or the scheme's default: origins without a port.
    Default,
    /// `:8443`: exactly that port (never the scheme's default, which is dropped).
    Number(u16),
    /// `:*`: any port a URL can carry (1 to 65535), or none.
    Any,
}

impl PortPattern {
    /// Whether an origin whose port is `port` (`None`: no port written) matches.
    pub fn admits(self, port: Option<u16>) -> bool {
        match self {
            PortPattern::Default => port.is_none(),
            PortPattern::Number(p) => port == Some(p),
            PortPattern::Any => true,
        }
    }

    /// Whether every port `other` admits, `self` admits too.
    pub fn covers(self, other: PortPattern) -> bool {
        self == PortPattern::Any || self == other
    }
}

/// One `origin` argument, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OriginPattern {
    /// `*`: every origin.
    Any,
    /// `null`, written out.
    Null,
    /// An exact serialised origin, compared byte for byte: `https://app.example.com`,
    /// `http://localhost:3000`, `http://[::1]:8080`, `chrome-extension://abc`,
    /// `capacitor://localhost`, or `file://` (no host: what file-based web views such
    /// as Cordova's send). Lower-case, default port dropped, punycode host.
    Exact(String),
    /// `scheme://*.suffix[:port]`, `scheme://*.suffix:*`: one or more DNS labels in
    /// front of `suffix` (never `suffix` itself), on the port(s) `port` admits.
    Subdomain {
        /// Lower-case scheme.
        scheme: Scheme,
        /// Lower-case punycode host suffix without the leading dot (`example.com`).
        suffix: String,
        /// No port, one non-default port, or any.
        port: PortPattern,
    },
    /// `scheme://host:*`: that host on any port (or no port).
    AnyPort {
        /// Lower-case scheme.
        scheme: Scheme,
        /// Lower-case punycode host (`[::1]` kept in brackets).
        host: String,
    },
    /// `~ "regex"`: matched against the whole origin, linear time.
    Regex(String),
}

impl std::fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OriginPattern::Any => f.write_str("*"),
            OriginPattern::Null => f.write_str("null"),
            OriginPattern::Exact(o) => f.write_str(o),
            OriginPattern::Subdomain { scheme, suffix, port } => {
                write!(f, "{scheme}://*.{suffix}")?;
                match port {
                    PortPattern::Default => Ok(()),
                    PortPattern::Number(p) => write!(f, ":{p}"),
                    PortPattern::Any => f.write_str(":*"),
                }
            }
            OriginPattern::AnyPort { scheme, host } => write!(f, "{scheme}://{host}:*"),
            OriginPattern::Regex(r) => write!(f, "~ {r:?}"),
        }
    }
}

impl OriginPattern {
    /// Scheme and host of a pattern that names one (exact, subdomain, any-port); for a
    /// subdomain pattern the host is its suffix.
    pub fn scheme_and_host(&self) -> Option<(&str, &str)> {
        match self {
            OriginPattern::Exact(o) => OriginText::parse(o).map(|o| (o.scheme, o.host)),
            OriginPattern::Subdomain { scheme, suffix, .. } => Some((scheme, suffix)),
            OriginPattern::AnyPort { scheme, host } => Some((scheme, host)),
            OriginPattern::Any | OriginPattern::Null | OriginPattern::Regex(_) => None,
        }
    }
}

/// Why an origin was refused, worded for a [`crate::Diagnostic`] (`CORS004`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginError {
    /// Lower-case, no trailing period.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// A corrected origin, when the fix is mechanical (e.g. the trailing slash removed).
    pub fix: Option<String>,
}

impl OriginError {
    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        OriginError { message: message.into(), help: help.into(), fix: None }
    }

    fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// The port a scheme uses when none is written; browsers omit it from `Origin`.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// RFC 3986 scheme: a letter, then letters, digits, `+`, `-`, `.`.
fn valid_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Parses one `origin` argument (not a `~` regex) into its normalised pattern.
///
/// Accepts `*`, `null`, `file://`, `scheme://host[:port]`, `scheme://*.suffix[:port]`,
/// `scheme://*.suffix:*` and `scheme://host:*`. Upper case is not an error: it is
/// normalised away.
pub fn parse_origin(input: &str) -> Result<OriginPattern, OriginError> {
    if input == "*" {
        return Ok(OriginPattern::Any);
    }
    if input.eq_ignore_ascii_case("null") {
        return Ok(OriginPattern::Null);
    }
    if input.is_empty() {
        return Err(OriginError::new(
            "empty origin",
            "write an origin such as `https://app.example.com`",
        ));
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let trimmed: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        return Err(OriginError::new(
            "origin contains whitespace",
            "an `Origin` header never contains spaces; remove them",
        )
        .with_fix(trimmed));
    }
    let Some((scheme, rest)) = input.split_once("://") else {
        let mut err = OriginError::new(
            format!("origin `{input}` has no scheme (missing `://`)"),
            "write the scheme too, e.g. `https://app.example.com`",
        );
        if !input.contains(':') && !input.contains('/') && !input.contains('*') {
            err = err.with_fix(format!("https://{input}"));
        }
        return Err(err);
    };
    if !valid_scheme(scheme) {
        return Err(OriginError::new(
            format!("invalid scheme `{scheme}`"),
            "a scheme is a letter followed by letters, digits, `+`, `-` or `.`",
        ));
    }
    let scheme = scheme.to_ascii_lowercase();

    // The authority ends at the first `/`, `?` or `#`; whatever follows is never part
    // of an origin.
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let without_tail = format!("{scheme}://{authority}");
    if let Some(first) = tail.chars().next() {
        return Err(match first {
            '/' if tail == "/" => OriginError::new(
                "origin has a trailing slash",
                "an `Origin` header never ends with `/`; remove it",
            )
            .with_fix(without_tail),
            '/' => OriginError::new(
                format!("origin has a path (`{tail}`)"),
                "an origin is only `scheme://host[:port]`; remove the path",
            )
            .with_fix(without_tail),
            '?' => OriginError::new(
                "origin has a query string",
                "an origin is only `scheme://host[:port]`; remove the query",
            )
            .with_fix(without_tail),
            _ => OriginError::new(
                "origin has a fragment",
                "an origin is only `scheme://host[:port]`; remove the fragment",
            )
            .with_fix(without_tail),
        });
    }
    if authority.contains('@') {
        return Err(OriginError::new(
            "origin has user info (`user@`)",
            "browsers never send credentials in `Origin`; remove everything up to the `@`",
        ));
    }

    if scheme == "file" {
        // A file URL has no origin of its own; file-based web views (Cordova on Android)
        // send `file://` itself, never with a host.
        return if authority.is_empty() {
            Ok(OriginPattern::Exact(without_tail))
        } else {
            Err(OriginError::new(
                format!("`file://` origins have no host (`{authority}`)"),
                "file-based web views send exactly `file://`",
            )
            .with_fix("file://"))
        };
    }

    let (host, port) = split_host_port(authority)?;
    let port = match port {
        None => PortPattern::Default,
        Some("*") => PortPattern::Any,
        Some(p) => match parse_port(p)? {
            p if default_port(&scheme) == Some(p) => PortPattern::Default,
            p => PortPattern::Number(p),
        },
    };

    if host == "*" {
        return Err(OriginError::new(
            format!("`{input}` is not a valid wildcard origin"),
            "use `*` to allow every origin",
        ));
    }
    if let Some(suffix) = host.strip_prefix("*.") {
        if suffix.contains('*') {
            return Err(star_misplaced());
        }
        let suffix = normalise_host(suffix)?;
        if is_special_scheme(&scheme) && numeric_host(&suffix).is_some() {
            return Err(OriginError::new(
                format!("`*.{suffix}` is a wildcard over an IP address"),
                format!(
                    "`*.` stands for DNS labels, but a host that ends in a number is an IPv4 \
                     address to browsers (or no host at all): list the addresses, e.g. \
                     `{scheme}://127.0.0.1`"
                ),
            ));
        }
        return Ok(OriginPattern::Subdomain { scheme, suffix, port });
    }
    if host.contains('*') {
        return Err(star_misplaced());
    }
    let host = normalise_host(host)?;
    let pattern = |host: String| match port {
        PortPattern::Any => OriginPattern::AnyPort { scheme: scheme.clone(), host },
        PortPattern::Default => OriginPattern::Exact(format!("{scheme}://{host}")),
        PortPattern::Number(p) => OriginPattern::Exact(format!("{scheme}://{host}:{p}")),
    };
    if is_special_scheme(&scheme) {
        match numeric_host(&host) {
            Some(NumericHost::Address(address)) if address != host => {
                return Err(OriginError::new(
                    format!("browsers send the address `{host}` as `{address}`"),
                    "write an IPv4 address as four decimal numbers, the one form `Origin` has",
                )
                .with_fix(pattern(address).to_string()));
            }
            Some(NumericHost::Invalid) => {
                return Err(OriginError::new(
                    format!("host `{host}` ends in a number but is not an IPv4 address"),
                    "browsers refuse such a URL, so no `Origin` is ever this: write a domain \
                     name, or the address as four decimal numbers",
                ));
            }
            Some(NumericHost::Address(_)) | None => {}
        }
    }
    Ok(pattern(host))
}

fn star_misplaced() -> OriginError {
    OriginError::new(
        "`*` is only allowed as the whole first label of the host",
        "write `scheme://*.example.com` (one or more labels), `*` alone, or use a `~` regex",
    )
}

/// Splits `host[:port]`, keeping IPv6 brackets with the host.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), OriginError> {
    if authority.starts_with('[') {
        let Some(close) = authority.find(']') else {
            return Err(OriginError::new(
                "unclosed `[` in IPv6 host",
                "write IPv6 hosts as `[::1]`",
            ));
        };
        let (host, after) = authority.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(OriginError::new(
                    format!("unexpected `{after}` after IPv6 host"),
                    "write `[address]:port`",
                )),
            },
        };
    }
    match authority.split_once(':') {
        None => Ok((authority, None)),
        Some((host, port)) if !port.contains(':') => Ok((host, Some(port))),
        Some(_) => Err(OriginError::new(
            "too many `:` in host",
            "write IPv6 hosts in brackets: `http://[::1]:8080`",
        )),
    }
}

fn parse_port(port: &str) -> Result<u16, OriginError> {
    let bad = |why: &str| {
        OriginError::new(
            format!("invalid port `{port}`: {why}"),
            "a port is a number from 1 to 65535",
        )
    };
    if port.is_empty() {
        return Err(bad("empty"));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not a number"));
    }
    match port.parse::<u32>() {
        Ok(0) => Err(bad("port 0 cannot be used")),
        Ok(p) => u16::try_from(p).map_err(|_| bad("greater than 65535")),
        Err(_) => Err(bad("greater than 65535")),
    }
}

/// Lower-cases a host, turns international names into punycode and canonicalises
/// IPv6 addresses the way browsers serialise them.
fn normalise_host(host: &str) -> Result<String, OriginError> {
    if host.is_empty() {
        return Err(OriginError::new("origin has an empty host", "write a host name after `://`"));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inner.parse::<Ipv6Addr>() {
            Ok(addr) => Ok(format!("[{addr}]")),
            Err(_) => Err(OriginError::new(
                format!("invalid IPv6 address `{inner}`"),
                "write IPv6 hosts as `[::1]`",
            )),
        };
    }
    let body = host.strip_suffix('.').unwrap_or(host);
    if body.is_empty() || body.split('.').any(str::is_empty) {
        return Err(OriginError::new(
            format!("host `{host}` has an empty label"),
            "remove the extra `.`",
        ));
    }
    if is_plain_ascii_host(host) {
        return Ok(host.to_string());
    }
    match idna::domain_to_ascii(host) {
        // `domain_to_ascii` lets some URL-special bytes such as `%` through; a host a
        // browser serialises holds only these.
        Ok(ascii)
            if !ascii.is_empty()
                && ascii.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            Ok(ascii)
        }
        _ => Err(OriginError::new(
            format!("invalid host `{host}`"),
            "a host is a domain name, an IPv4 address or an IPv6 address in brackets",
        )),
    }
}

/// A host `idna::domain_to_ascii` gives back unchanged: lower-case ASCII letters,
/// digits and inner hyphens in non-empty labels, none of them punycode (`xn--`, which
/// UTS 46 decodes to validate), no final dot. Checked without allocating, because a
/// tenants policy has a million such hosts; a test holds it to `domain_to_ascii`.
fn is_plain_ascii_host(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && !label.starts_with("xn--")
                && b.first() != Some(&b'-')
                && b.last() != Some(&b'-')
                && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hosts_are_what_idna_makes_of_them() {
        let hosts = [
            "app.example.com",
            "t1.customers.example.net",
            "a-b.c-d.example",
            "127.0.0.1",
            "1.2.3",
            "localhost",
            "ab--cd.example",
            "xn--bcher-kva.example",
            "xn--.example",
            "-a.example",
            "a-.example",
            "App.example.com",
            "a_b.example",
            "bücher.example",
            "a.example.",
            "a..example",
            "0x7f.1",
        ];
        for host in hosts {
            if is_plain_ascii_host(host) {
                assert_eq!(idna::domain_to_ascii(host).ok().as_deref(), Some(host), "{host}");
            }
        }
        assert!(is_plain_ascii_host("t1.customers.example.net"), "the common case is fast");
        assert!(!is_plain_ascii_host("xn--bcher-kva.example"), "punycode is validated");
    }

    fn sub(scheme: &str, suffix: &str, port: PortPattern) -> OriginPattern {
        OriginPattern::Subdomain { scheme: scheme.into(), suffix: suffix.into(), port }
    }
    use PortPattern::{Any, Default, Number};

    #[test]
    fn accepted_origins_are_normalised() {
        let exact = |s: &str| OriginPattern::Exact(s.into());
        let cases: &[(&str, OriginPattern)] = &[
            ("*", OriginPattern::Any),
            ("null", OriginPattern::Null),
            ("NULL", OriginPattern::Null),
            ("https://app.example.com", exact("https://app.example.com")),
            ("HTTPS://App.Example.COM", exact("https://app.example.com")),
            ("http://localhost:3000", exact("http://localhost:3000")),
            ("http://localhost:80", exact("http://localhost")),
            ("https://x.com:443", exact("https://x.com")),
            ("https://x.com:80", exact("https://x.com:80")),
            ("ws://x.com:80", exact("ws://x.com")),
            ("wss://x.com:443", exact("wss://x.com")),
            ("http://x.com:443", exact("http://x.com:443")),
            ("http://[::1]:8080", exact("http://[::1]:8080")),
            ("http://[::1]:80", exact("http://[::1]")),
            ("http://[0:0:0:0:0:0:0:1]", exact("http://[::1]")),
            ("http://[FE80::AB]", exact("http://[fe80::ab]")),
            ("http://127.0.0.1:5173", exact("http://127.0.0.1:5173")),
            // Only the special schemes read hosts as addresses.
            ("capacitor://127.1", exact("capacitor://127.1")),
            ("https://1.example", exact("https://1.example")),
            ("https://*.2.example", sub("https", "2.example", Default)),
            ("chrome-extension://abcdef", exact("chrome-extension://abcdef")),
            ("Chrome-Extension://ABCDEF", exact("chrome-extension://abcdef")),
            ("moz-extension://abc:1234", exact("moz-extension://abc:1234")),
            ("https://bücher.example", exact("https://xn--bcher-kva.example")),
            ("https://BÜCHER.example", exact("https://xn--bcher-kva.example")),
            ("https://example.com.", exact("https://example.com.")),
            ("capacitor://localhost", exact("capacitor://localhost")),
            ("tauri://localhost", exact("tauri://localhost")),
            ("ionic://localhost", exact("ionic://localhost")),
            ("safari-web-extension://abc", exact("safari-web-extension://abc")),
            ("file://", exact("file://")),
            ("FILE://", exact("file://")),
            ("https://*.example.com", sub("https", "example.com", Default)),
            ("https://*.Example.com:443", sub("https", "example.com", Default)),
            ("https://*.example.com:8443", sub("https", "example.com", Number(8443))),
            ("https://*.example.com:65535", sub("https", "example.com", Number(65535))),
            ("https://*.bücher.example", sub("https", "xn--bcher-kva.example", Default)),
            ("https://*.example.com:*", sub("https", "example.com", Any)),
            ("HTTP://*.Preview.Example.com:*", sub("http", "preview.example.com", Any)),
            (
                "https://api.example.com:*",
                OriginPattern::AnyPort { scheme: "https".into(), host: "api.example.com".into() },
            ),
            (
                "http://[::1]:*",
                OriginPattern::AnyPort { scheme: "http".into(), host: "[::1]".into() },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_origin(input).as_ref(), Ok(want), "input: {input:?}");
        }
    }

    #[test]
    fn malformed_origins_are_refused_with_a_reason() {
        // (input, a word the message must contain, the mechanical fix if any)
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("", "empty origin", None),
            ("https://app.example.com/", "trailing slash", Some("https://app.example.com")),
            ("https://app.example.com/api", "path", Some("https://app.example.com")),
            ("https://app.example.com?x=1", "query", Some("https://app.example.com")),
            ("https://app.example.com#top", "fragment", Some("https://app.example.com")),
            ("https://user:pw@app.example.com", "user info", None),
            ("https://app.example.com:0", "port 0", None),
            ("https://app.example.com:65536", "greater than 65535", None),
            ("https://app.example.com:99999999999", "greater than 65535", None),
            ("https://app.example.com:8o", "not a number", None),
            ("https://app.example.com:", "empty", None),
            ("https://", "empty host", None),
            ("https://:8080", "empty host", None),
            ("https://app .example.com", "whitespace", Some("https://app.example.com")),
            ("app.example.com", "missing `://`", Some("https://app.example.com")),
            ("localhost:3000", "missing `://`", None),
            ("https://*", "wildcard", None),
            ("https://*:443", "wildcard", None),
            ("https://a.*.example.com", "first label", None),
            ("https://*example.com", "first label", None),
            ("https://*.*.example.com", "first label", None),
            ("https://*.example.com:**", "not a number", None),
            ("https://*.example.com:65536", "greater than 65535", None),
            ("https://*.example.com:0", "port 0", None),
            ("https://*.example.com/:*", "path", Some("https://*.example.com")),
            ("https://*:*", "wildcard", None),
            ("*.example.com:*", "missing `://`", None),
            ("file://localhost", "no host", Some("file://")),
            ("file:///", "trailing slash", Some("file://")),
            ("file:///home/app/index.html", "path", Some("file://")),
            ("file:", "missing `://`", None),
            ("*.example.com", "missing `://`", None),
            ("1http://x.com", "invalid scheme", None),
            ("://x.com", "invalid scheme", None),
            ("http://[::1", "unclosed", None),
            ("http://[::g]", "invalid IPv6", None),
            ("http://[::1]x", "after IPv6", None),
            ("http://::1", "too many", None),
            ("https://a..com", "empty label", None),
            ("https://.a.com", "empty label", None),
            ("https://*.[::1]", "too many", None),
            ("https://exa%41mple.com", "invalid host", None),
            ("https://127.1", "as `127.0.0.1`", Some("https://127.0.0.1")),
            ("http://0x7F.1:8080", "as `127.0.0.1`", Some("http://127.0.0.1:8080")),
            ("http://127.0.0.1.:*", "as `127.0.0.1`", Some("http://127.0.0.1:*")),
            ("https://a.1.2.3.4", "not an IPv4 address", None),
            ("https://example.123", "not an IPv4 address", None),
            ("wss://1.2.3.4.5", "not an IPv4 address", None),
            ("https://*.1.2.3.4", "over an IP address", None),
            ("http://*.127.0.0.1:*", "over an IP address", None),
            ("https://*.0x7f.1", "over an IP address", None),
            ("https://*.example.09", "over an IP address", None),
        ];
        for (input, needle, fix) in cases {
            match parse_origin(input) {
                Ok(p) => panic!("input {input:?} was accepted as {p:?}"),
                Err(e) => {
                    assert!(
                        e.message.contains(needle) || e.help.contains(needle),
                        "input {input:?}: {e:?}"
                    );
                    assert_eq!(e.fix.as_deref(), *fix, "input {input:?}");
                    assert!(!e.help.is_empty(), "input {input:?}");
                }
            }
        }
    }

    #[test]
    fn wildcard_host_alone_suggests_star() {
        let e = parse_origin("https://*").unwrap_err();
        assert!(e.help.contains("use `*` to allow every origin"), "{e:?}");
    }

    #[test]
    fn normalised_output_parses_to_itself() {
        for input in [
            "HTTPS://A.COM:443",
            "http://[0::1]:81",
            "https://*.Bücher.example",
            "https://*.example.com:8443",
            "https://*.example.com:*",
            "ws://h:*",
            "file://",
        ] {
            let once = parse_origin(input).unwrap();
            let again = parse_origin(&once.to_string()).unwrap();
            assert_eq!(once, again, "input {input:?}");
        }
    }
}
