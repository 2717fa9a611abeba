//! The one splitter of serialised origins: `scheme://host[:port]` taken apart strictly,
//! byte by byte, the way a browser serialises it (lower case, punycode, no default
//! port, IPv6 in brackets). Request-time matching and the linter both use it, so they
//! cannot disagree about what a scheme, a host or a port is.
//!
//! Anything else (paths, user info, upper case, empty labels, a bad port) is not an
//! origin a browser sends: it splits into nothing and so matches no pattern.

/// Byte classes for the strict split, one table load per byte.
const SCHEME: u8 = 1;
/// Host characters of a serialised domain label.
pub(super) const HOST: u8 = 2;
const IPV6: u8 = 4;
pub(super) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let lower_alnum = b.is_ascii_lowercase() || b.is_ascii_digit();
        if lower_alnum || matches!(b, b'+' | b'-' | b'.') {
            t[c] |= SCHEME;
        }
        if lower_alnum || matches!(b, b'-' | b'_') {
            t[c] |= HOST;
        }
        if b.is_ascii_digit() || matches!(b, b'a'..=b'f' | b':' | b'.') {
            t[c] |= IPV6;
        }
        c += 1;
    }
    t
};

/// The scheme (checked: lower-case scheme characters, a letter first) and what follows
/// its `://`.
pub(crate) fn split_scheme(origin: &[u8]) -> Option<(&[u8], &[u8])> {
    // Most origins: `https://` or `http://` compared as one word, where the scan below
    // spends a dozen instructions a byte on the scheme. The same answer either way.
    if let Some(b"https://") = origin.first_chunk::<8>() {
        return Some((origin.get(..5)?, origin.get(8..)?));
    }
    if let Some(b"http://") = origin.first_chunk::<7>() {
        return Some((origin.get(..4)?, origin.get(7..)?));
    }
    scan_scheme(origin)
}

/// [`split_scheme`] by its definition: a scan of the scheme's characters.
fn scan_scheme(origin: &[u8]) -> Option<(&[u8], &[u8])> {
    if !origin.first()?.is_ascii_lowercase() {
        return None;
    }
    let sep = origin.iter().position(|&c| CLASS[c as usize] & SCHEME == 0)?;
    let (scheme, rest) = origin.split_at_checked(sep)?;
    Some((scheme, rest.strip_prefix(b"://")?))
}

/// Whether `digits` is a port as a browser serialises it: 1 to 65535, no leading zero.
/// A URL cannot carry a larger one, and port 0 is a bad port no page is served from.
pub(super) fn is_port(digits: &[u8]) -> bool {
    (1..=5).contains(&digits.len())
        && digits.first() != Some(&b'0')
        && digits.iter().all(u8::is_ascii_digit)
        && digits.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= u32::from(u16::MAX)
}

/// A serialised origin taken apart: `scheme://host[:port]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginParts<'a> {
    /// Lower-case scheme.
    pub scheme: &'a [u8],
    /// Lower-case host: domain labels (a final `.` allowed) or `[IPv6]`.
    pub host: &'a [u8],
    /// The digits after `:` (a port from 1 to 65535, no leading zero), if a port is
    /// written.
    pub port: Option<&'a [u8]>,
}

impl<'a> OriginParts<'a> {
    /// Splits `origin` in one pass; `None` for anything a browser would not send.
    pub fn parse(origin: &'a [u8]) -> Option<Self> {
        let class = |c: u8| CLASS[c as usize];
        let (scheme, rest) = split_scheme(origin)?;
        let mut end = 0;
        if rest.first() == Some(&b'[') {
            end += 1;
            while rest.get(end).is_some_and(|&c| class(c) & IPV6 != 0) {
                end += 1;
            }
            if rest.get(end) != Some(&b']') || end == 1 {
                return None;
            }
            end += 1;
        } else {
            let mut label_len = 0;
            let mut labels = 0;
            while let Some(&c) = rest.get(end) {
                if c == b'.' {
                    if label_len == 0 {
                        return None;
                    }
                    labels += 1;
                    label_len = 0;
                } else if class(c) & HOST != 0 {
                    label_len += 1;
                } else {
                    break;
                }
                end += 1;
            }
            // A host ends with a label, or with one `.` after a label (a fully
            // qualified name, which browsers keep in the origin).
            if label_len == 0 && labels == 0 {
                return None;
            }
        }
        let (host, port) = rest.split_at_checked(end)?;
        let port = match port {
            [] => None,
            [b':', port @ ..] if is_port(port) => Some(port),
            _ => return None,
        };
        Some(OriginParts { scheme, host, port })
    }
}

/// [`OriginParts`] of text: the same split, the parts as string slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginText<'a> {
    /// Lower-case scheme.
    pub scheme: &'a str,
    /// Lower-case host.
    pub host: &'a str,
    /// The port's digits, if a port is written.
    pub port: Option<&'a str>,
}

impl<'a> OriginText<'a> {
    /// Splits `origin` like [`OriginParts::parse`].
    pub fn parse(origin: &'a str) -> Option<Self> {
        let parts = OriginParts::parse(origin.as_bytes())?;
        // Every accepted byte is ASCII, so each part is valid UTF-8 on its own.
        let text = |b: &'a [u8]| std::str::from_utf8(b).ok();
        let port = match parts.port {
            Some(p) => Some(text(p)?),
            None => None,
        };
        Some(OriginText { scheme: text(parts.scheme)?, host: text(parts.host)?, port })
    }
}

/// Whether `host` is the local machine: `localhost` (and `*.localhost`, which
/// browsers resolve to loopback), `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, scan_scheme, split_scheme, OriginText};

    fn split(origin: &str) -> Option<(&str, &str, Option<&str>)> {
        OriginText::parse(origin).map(|o| (o.scheme, o.host, o.port))
    }

    #[test]
    fn the_scheme_shortcut_answers_as_the_scan() {
        let heads = ["https://", "http://", "https:/", "http:/", "https:", "httpss://", "httpx://"];
        let more = ["HTTPS://", "Https://", "ws://", "http+x://", "h://", "https//", "://", ""];
        for head in heads.iter().chain(&more) {
            for tail in ["", "a", "a.example", "[::1]:8080", "/", "://x"] {
                let origin = format!("{head}{tail}");
                let b = origin.as_bytes();
                assert_eq!(split_scheme(b), scan_scheme(b), "{origin:?}");
            }
        }
        assert_eq!(split_scheme(b"https://a"), Some((&b"https"[..], &b"a"[..])));
    }

    #[test]
    fn splits_only_what_a_browser_sends() {
        type Split<'a> = (&'a str, &'a str, Option<&'a str>);
        let ok: &[(&str, Split)] = &[
            ("https://a.example.com", ("https", "a.example.com", None)),
            ("http://localhost:3000", ("http", "localhost", Some("3000"))),
            ("http://[::1]:8080", ("http", "[::1]", Some("8080"))),
            ("http://[::1]", ("http", "[::1]", None)),
            ("https://a.example", ("https", "a.example", None)),
            ("https://example.com.", ("https", "example.com.", None)),
            ("https://example.com.:8443", ("https", "example.com.", Some("8443"))),
            ("chrome-extension://abc", ("chrome-extension", "abc", None)),
            ("http://localhost:1", ("http", "localhost", Some("1"))),
            ("http://localhost:65535", ("http", "localhost", Some("65535"))),
            ("http://[::1]:65535", ("http", "[::1]", Some("65535"))),
        ];
        for (origin, want) in ok {
            assert_eq!(split(origin), Some(*want), "{origin:?}");
        }
        for origin in [
            "https://",
            "https://.",
            "https://a..b",
            "https://.a",
            "HTTPS://a",
            "https://A",
            "https://a/",
            "https://a:",
            "https://a:0",
            "https://a:080",
            "https://a:123456",
            "https://a:65536",
            "https://a:99999",
            "http://[::1]:65536",
            "https://a:-1",
            "https://a:+80",
            "https://a: 80",
            "file://",
            "https://u@a",
            "https://[]",
            "https://[::1",
            "null",
            "a",
            "https://a.example/",
            "https://a.example:",
        ] {
            assert_eq!(split(origin), None, "{origin:?}");
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
}
