//! Canonical probe languages: sets of origins that a question intersects with what a
//! pattern accepts. The fixed ones are built once per process.
//!
//! All are subsets of [`browser_origins`]: what a browser can put in `Origin`.

use super::grammar::{browser_origin, host, lit, loopback_host, opt_port, with_host, LABEL};
use super::{OriginSet, TooComplex};
use std::sync::OnceLock;

fn cached(
    cell: &'static OnceLock<Result<OriginSet, TooComplex>>,
    build: impl FnOnce() -> Result<OriginSet, TooComplex>,
) -> Result<OriginSet, TooComplex> {
    cell.get_or_init(build).clone()
}

/// The automaton of [`plain_http_off_loopback`], built once and never copied.
static PLAIN_HTTP_OFF_LOOPBACK: OnceLock<Result<OriginSet, TooComplex>> = OnceLock::new();

/// Every value a browser can send in `Origin`: `null`, or `scheme://host[:port]`
/// serialised (lower case, punycode, no default port).
pub fn browser_origins() -> Result<OriginSet, TooComplex> {
    static CELL: OnceLock<Result<OriginSet, TooComplex>> = OnceLock::new();
    cached(&CELL, || OriginSet::from_bytes_regex(&browser_origin()))
}

/// `null` alone.
pub fn null() -> Result<OriginSet, TooComplex> {
    static CELL: OnceLock<Result<OriginSet, TooComplex>> = OnceLock::new();
    cached(&CELL, || OriginSet::from_bytes_regex("null"))
}

/// Origins on the local machine (any scheme): `localhost`, `*.localhost`,
/// `127.0.0.0/8`, `[::1]`.
pub fn loopback() -> Result<OriginSet, TooComplex> {
    static CELL: OnceLock<Result<OriginSet, TooComplex>> = OnceLock::new();
    cached(&CELL, || OriginSet::from_bytes_regex(&with_host(&loopback_host())))
}

/// Every browser origin of one scheme.
pub fn scheme(scheme: &str) -> Result<OriginSet, TooComplex> {
    OriginSet::from_bytes_regex(&format!("{}://{}{}", lit(scheme), host(), opt_port()))
}

/// Plain-`http` origins off the local machine: what a network attacker can forge.
pub fn plain_http_off_loopback() -> Result<OriginSet, TooComplex> {
    cached(&PLAIN_HTTP_OFF_LOOPBACK, build_plain_http_off_loopback)
}

fn build_plain_http_off_loopback() -> Result<OriginSet, TooComplex> {
    scheme("http")?.difference(&loopback()?)
}

/// Whether `origin` is in [`plain_http_off_loopback`]: a membership test on the one
/// cached automaton, without copying it (asked of every exact origin of a policy, a
/// million of them for a multi-tenant platform).
pub fn is_plain_http_off_loopback(origin: &[u8]) -> bool {
    PLAIN_HTTP_OFF_LOOPBACK
        .get_or_init(build_plain_http_off_loopback)
        .as_ref()
        .is_ok_and(|p| p.contains(origin))
}

/// Web origins (`http`, `https`) off the local machine, the ones DNS names matter for.
pub fn web_off_loopback() -> Result<OriginSet, TooComplex> {
    static CELL: OnceLock<Result<OriginSet, TooComplex>> = OnceLock::new();
    cached(&CELL, || {
        OriginSet::from_bytes_regex(&format!("https?://{}{}", host(), opt_port()))?
            .difference(&loopback()?)
    })
}

/// Every byte string that starts with `scheme://` for one of `schemes`: cheap to
/// build, and enough to split a set already limited to browser origins by scheme.
pub fn with_scheme_prefix(schemes: &[&str]) -> Result<OriginSet, TooComplex> {
    let listed: Vec<String> = schemes.iter().map(|s| lit(s)).collect();
    OriginSet::from_bytes_regex(&format!("(?:{})://(?s:.)*", listed.join("|")))
}

/// Browser origins whose scheme is none of `schemes`.
pub fn scheme_other_than(schemes: &[&str]) -> Result<OriginSet, TooComplex> {
    browser_origins()?.difference(&with_scheme_prefix(schemes)?)?.difference(&null()?)
}

/// Browser origins whose host is one of `hosts` or under one of them, any scheme and
/// port.
pub fn in_or_under(hosts: &[&str]) -> Result<OriginSet, TooComplex> {
    if hosts.is_empty() {
        return Ok(OriginSet::empty());
    }
    let hosts: Vec<String> = hosts.iter().map(|h| lit(h)).collect();
    OriginSet::from_bytes_regex(&with_host(&format!(r"(?:{LABEL}\.)*(?:{})\.?", hosts.join("|"))))
}

/// Browser origins whose host is exactly `host`, any scheme and port.
pub fn exactly(host: &str) -> Result<OriginSet, TooComplex> {
    OriginSet::from_bytes_regex(&with_host(&format!(r"{}\.?", lit(host))))
}

/// Browser origins on a proper subdomain of `host` (one label or more in front),
/// any scheme and port.
pub fn subdomains_of(host: &str) -> Result<OriginSet, TooComplex> {
    OriginSet::from_bytes_regex(&with_host(&format!(r"(?:{LABEL}\.)+{}\.?", lit(host))))
}

/// Hosts that look like `host` to a reader but are not it nor under it, any scheme
/// and port, one family at a time (each family is a small automaton; their union is
/// not):
///
/// - `host` continued by more labels: `shop.acme.test.evil.net`;
/// - `host` glued to more text in front: `evilshop.acme.test`;
/// - `host` glued to more text behind: `shop.acme.testevil.net`;
/// - one of its dots replaced by another character: `shopxacme.test`.
pub fn lookalike_families(host: &str) -> Vec<Result<OriginSet, TooComplex>> {
    let h = lit(host);
    let hc = "[a-z0-9_-]";
    let mut hosts = vec![
        format!(r"(?:{LABEL}\.)*{h}(?:\.{LABEL})+\.?"),
        format!(r"(?:{LABEL}\.)*{hc}+{h}(?:\.{LABEL})*\.?"),
        format!(r"(?:{LABEL}\.)*{h}{hc}+(?:\.{LABEL})*\.?"),
    ];
    for (i, _) in host.match_indices('.') {
        let (before, after) = (host.get(..i).unwrap_or(""), host.get(i + 1..).unwrap_or(""));
        hosts.push(format!(r"(?:{LABEL}\.)*{}{hc}{}(?:\.{LABEL})*\.?", lit(before), lit(after)));
    }
    let written = in_or_under(&[host]);
    hosts
        .iter()
        .map(|family| {
            OriginSet::from_bytes_regex(&with_host(family))?
                .difference(written.as_ref().map_err(Clone::clone)?)
        })
        .collect()
}

/// Every look-alike of `host` ([`lookalike_families`] together). Large: prefer
/// asking family by family.
pub fn lookalikes_of(host: &str) -> Result<OriginSet, TooComplex> {
    lookalike_families(host).into_iter().try_fold(OriginSet::empty(), |acc, f| acc.union(&f?))
}

/// Concrete look-alikes of `host` an attacker would try first, in the order they read
/// best; used to pick a witness that explains itself.
pub fn lookalike_examples(host: &str) -> Vec<String> {
    let mut out = vec![format!("{host}.evil.net"), format!("evil{host}")];
    for (i, _) in host.match_indices('.') {
        let mut h = host.to_string();
        h.replace_range(i..=i, "x");
        out.push(h);
    }
    out.push(format!("{host}evil.net"));
    out
}

/// Schemes a witness is tried with first: the web's.
pub(crate) const USUAL_SCHEMES: &[&str] = &["https", "http"];

#[cfg(test)]
mod tests {
    use super::*;

    fn has(set: &Result<OriginSet, TooComplex>, origin: &str) -> bool {
        set.as_ref().unwrap().contains(origin.as_bytes())
    }

    #[test]
    fn probes_hold_what_they_say() {
        let b = browser_origins();
        for o in [
            "null",
            "https://a.example",
            "http://[::1]:8080",
            "chrome-extension://abc",
            "https://example.com.",
        ] {
            assert!(has(&b, o), "{o}");
        }
        for o in [
            "https://A.example",
            "https://a.example/",
            "https://a:0",
            "https://a:65536",
            "file://",
            "https://a..b",
        ] {
            assert!(!has(&b, o), "{o}");
        }
        let http = plain_http_off_loopback();
        assert!(has(&http, "http://app.example.com"));
        for o in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "http://a.localhost",
            "http://[::1]",
            "https://a.example",
        ] {
            assert!(!has(&http, o), "{o}");
        }
        let look = lookalikes_of("shop.acme.test");
        for o in [
            "https://shop.acme.test.evil.net",
            "https://evilshop.acme.test",
            "https://shopxacme.test",
            "http://shop.acme.testevil.net",
        ] {
            assert!(has(&look, o), "{o}");
        }
        for o in ["https://shop.acme.test", "https://a.shop.acme.test", "https://acme.test"] {
            assert!(!has(&look, o), "{o}");
        }
        let other = scheme_other_than(&["https", "http"]);
        assert!(
            has(&other, "ftp://a.example") && !has(&other, "https://a") && !has(&other, "null")
        );
        let sub = subdomains_of("acme.test");
        assert!(has(&sub, "https://a.b.acme.test") && !has(&sub, "https://acme.test"));
        assert!(!has(&sub, "https://evilacme.test"));
    }

    #[test]
    fn examples_are_lookalikes() {
        let look = lookalikes_of("shop.acme.test").unwrap();
        for e in lookalike_examples("shop.acme.test") {
            assert!(look.contains(format!("https://{e}").as_bytes()), "{e}");
        }
    }
}
