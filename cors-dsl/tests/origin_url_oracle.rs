//! Every origin a policy accepts is one a browser can send, byte for byte.
//!
//! The `url` crate implements the URL Standard's host parser (IDNA, hosts that end in
//! a number, IPv6); browsers serialise `Origin` with the same rules. For generated
//! hosts, `parse_origin` must agree with it: an accepted exact origin is what `url`
//! serialises; a host `url` refuses is refused; and a host `url` rewrites (`127.1` →
//! `127.0.0.1`) is refused with the rewritten origin as the fix, never silently kept
//! in a form no request carries.

use cors_dsl::origin::{parse_origin, OriginPattern};
use proptest::prelude::*;

/// What a browser makes of `scheme://host`: the serialised origin, or `None` when
/// the URL does not parse.
fn browser_origin(scheme: &str, host: &str) -> Option<String> {
    let url = url::Url::parse(&format!("{scheme}://{host}/")).ok()?;
    Some(url.origin().ascii_serialization())
}

fn deliberately_strict(authority: &str) -> bool {
    let (host, port) = authority.split_once(':').unwrap_or((authority, "1"));
    // Port 0 is a URL but no page: browsers refuse to load it.
    port.bytes().all(|b| b == b'0')
        || host.bytes().any(|b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        || host.strip_suffix('.').unwrap_or(host).split('.').any(str::is_empty)
}

fn agree(scheme: &str, host: &str) -> Result<(), TestCaseError> {
    let written = format!("{scheme}://{host}");
    let ours = parse_origin(&written);
    let browser = browser_origin(scheme, host);
    match (&ours, &browser) {
        (Ok(OriginPattern::Exact(e)), Some(b)) => prop_assert_eq!(e, b, "{}", written),
        (Ok(p), None) => prop_assert!(false, "{written} accepted as {p:?}; browsers refuse it"),
        (Ok(p), Some(b)) => prop_assert!(false, "{written} accepted as {p:?}, browsers: {b}"),
        // Refused where `parse_origin` is stricter on purpose: symbols UTS 46 lets
        // through, and empty labels (`a..com`, a typo far more often than a host).
        (Err(_), Some(_)) if deliberately_strict(host) => {}
        (Err(e), Some(b)) => {
            // Otherwise refused only in favour of the form a browser sends.
            prop_assert!(b != &written, "{written} refused ({e:?}); browsers send it as written");
            prop_assert_eq!(e.fix.as_deref(), Some(b.as_str()), "{}: {:?}", written, e);
        }
        (Err(_), None) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Hosts built from digits, hex prefixes, letters and dots: the shapes where the
    /// IPv4 rules and domain names meet.
    #[test]
    fn hosts_are_serialised_as_browsers_do(
        host in "[0-9a-fxA-FX.-]{1,16}",
        scheme in prop::sample::select(vec!["http", "https", "wss"]),
    ) {
        agree(scheme, &host)?;
    }

    /// Dotted numbers in every radix, the old C forms of an IPv4 address.
    #[test]
    fn numeric_hosts_are_serialised_as_browsers_do(
        parts in prop::collection::vec(
            prop_oneof!["[0-9]{1,4}", "0x[0-9a-f]{0,3}", "0[0-7]{1,4}", "[a-z]{1,3}"],
            1..6,
        ),
        trailing_dot in any::<bool>(),
    ) {
        let mut host = parts.join(".");
        if trailing_dot {
            host.push('.');
        }
        agree("https", &host)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Ports with leading zeros, default ports and out-of-range ones, and hosts with
    /// upper case and non-ASCII letters (IDNA).
    #[test]
    fn ports_and_international_hosts_are_serialised_as_browsers_do(
        host in "[a-zA-Zäöüß\u{0130}\u{212A}]{1,6}\\.(example|EXAMPLE|bücher)",
        port in prop::option::of("0{0,2}[0-9]{1,5}"),
        scheme in prop::sample::select(vec!["http", "https", "ws", "wss"]),
    ) {
        let host = match port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        agree(scheme, &host)?;
    }
}

#[test]
fn the_cases_that_prompted_the_rules() {
    for host in ["127.1", "0x7f.1", "a.1.2.3.4", "example.123", "1.2.3.4.5", "127.0.0.1."] {
        agree("https", host).unwrap();
    }
    // A wildcard over an address matches no origin a browser sends as a subdomain.
    assert!(parse_origin("http://*.127.0.0.1:*").is_err());
}
