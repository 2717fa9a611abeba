//! Requests on the wire from a generated [`Req`]: origins made from the policy's own
//! patterns (what matches, and the near misses a CORS scanner tries), or raw bytes.

use crate::case::{Host, Origin, Policy, Port, Regex, Req, ReqHeaders, ReqOrigin, Scheme};
use crate::reference::{Wire, WireHeaders, WireOrigin};

/// The request `r` as received, its probe origins taken from `p`.
pub fn wire(p: &Policy, r: &Req) -> Wire {
    let origin = match &r.origin {
        ReqOrigin::Absent => WireOrigin::Absent,
        ReqOrigin::Many => WireOrigin::Many,
        ReqOrigin::Raw(b) => WireOrigin::One(b.clone()),
        ReqOrigin::Long(n) => {
            let mut o = b"https://".to_vec();
            o.extend(std::iter::repeat_n(b'a', usize::from(*n) * 64));
            o.extend_from_slice(b".example.com");
            WireOrigin::One(o)
        }
        ReqOrigin::Probe { pattern, variant, labels } => {
            let all = p.all_origins();
            let pattern = match all.len() {
                0 => Origin::Exact {
                    scheme: Scheme::Https,
                    host: Host::App,
                    port: Port::None,
                    upper: false,
                },
                n => all[usize::from(*pattern) % n],
            };
            WireOrigin::One(probe_origin(pattern, *variant, *labels).into_bytes())
        }
    };
    Wire {
        method: r.method.bytes(),
        origin,
        request_method: r.request_method.as_ref().map(|m| m.bytes()),
        request_headers: match &r.request_headers {
            ReqHeaders::Absent => WireHeaders::Absent,
            ReqHeaders::TooLong => WireHeaders::TooLong,
            h => WireHeaders::Value(h.value().unwrap_or_default()),
        },
        private_network: r.private_network,
    }
}

/// An origin made from pattern `p`: one it matches, or a near miss (`variant`).
/// `labels` says how many labels go in front of a wildcard's suffix: 1 to 40, or none
/// (the bare suffix) for 255.
pub fn probe_origin(p: Origin, variant: u8, labels: u8) -> String {
    let labels = if labels == u8::MAX { 0 } else { 1 + labels % 40 };
    let front = |n: u8| -> String {
        (0..n).map(|i| if i % 7 == 3 { format!("l_{i}-x.") } else { format!("l{i}.") }).collect()
    };
    let (scheme, host, port): (String, String, Option<String>) = match p {
        Origin::Any => ("https".into(), "anything.example".into(), None),
        Origin::Null => return whole(variant, "null"),
        Origin::File => return whole(variant, "file://"),
        Origin::Extension => return whole(variant, "chrome-extension://abcdefgh"),
        Origin::Regex(r) => return whole(variant, regex_witness(r, labels)),
        Origin::Exact { scheme, host, port, .. } => {
            (scheme.text().into(), host.serialised().into(), port_text(scheme, port))
        }
        Origin::Subdomain { scheme, host, port } => (
            scheme.text().into(),
            format!("{}{}", front(labels), host.serialised()),
            port_text(scheme, port),
        ),
        Origin::SubdomainAnyPort { scheme, host } => (
            scheme.text().into(),
            format!("{}{}", front(labels), host.serialised()),
            Some("8443".into()),
        ),
        Origin::AnyPort { scheme, host } => {
            (scheme.text().into(), host.serialised().into(), Some("3000".into()))
        }
    };
    let (mut scheme, mut host, mut port) = (scheme, host, port);
    match variant % 16 {
        1 => scheme = scheme.to_uppercase(),
        2 => host = host.to_uppercase(),
        3 => host.push('.'),
        4 => host.push_str(".evil.net"),
        5 => host.insert_str(0, "evil"),
        6 => port = Some(if scheme == "http" { "80" } else { "443" }.into()),
        7 => port = Some("0".into()),
        8 => port = Some("8443".into()),
        9 => port = Some("65536".into()),
        10 => scheme = if scheme == "http" { "https".into() } else { "http".into() },
        11 => port = None,
        12 => port = Some(String::new()),
        13 => port = Some("08443".into()),
        14 => host.insert_str(0, "u@"),
        15 => host.push('/'),
        _ => {}
    }
    match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

fn port_text(scheme: Scheme, port: Port) -> Option<String> {
    port.number(scheme).filter(|&p| p != scheme.default_port()).map(|p| p.to_string())
}

/// A whole-string origin, or a near miss of it.
fn whole(variant: u8, s: &str) -> String {
    match variant % 4 {
        1 => s.to_uppercase(),
        2 => format!("{s}/"),
        3 => format!("{s}.evil.net"),
        _ => s.into(),
    }
}

/// An origin each generated regex matches (or, for some `k`, almost matches).
fn regex_witness(r: Regex, k: u8) -> &'static str {
    let pick = |options: &[&'static str]| options[usize::from(k) % options.len()];
    match r {
        Regex::Preview => {
            pick(&["https://pr-12.preview.example.dev", "https://pr-.preview.example.dev"])
        }
        Regex::Unanchored => pick(&[
            "https://abc.example.net",
            "https://abc.example.net.evil.org",
            "https://x.abc.example.net",
        ]),
        Regex::LocalPort => {
            pick(&["http://localhost:3000", "http://localhost:30000", "http://localhost:٣٠٠٠"])
        }
        Regex::CaseInsensitive => pick(&[
            "https://APP.example.com",
            "httpſ://app.example.com",
            "https://app.example.com",
            "https://app.example.co",
        ]),
        Regex::Alternation => {
            pick(&["https://a.example.org", "http://c.example.org", "https://c.example.org"])
        }
    }
}
