//! Issue #17, point 2: a corpus of hostile requests against real nginx with the module,
//! one table and one runner (`cors_tests::hostile`). Every probe says what must come
//! back; on top of that, no answer may grant an origin the policies do not allow, every
//! probe must be answered within `PROBE_TIMEOUT`, and no worker may die.
//!
//! The policies (`POLICIES`): `app` allows exactly `https://app.example.com` with
//! credentials, `sub` allows `https://*.example.com`, `nul` allows `null`. Three
//! listeners: default header buffers, `large_client_header_buffers 4 2m` (so that 64 KB
//! and 1 MB fields reach the module instead of being refused by nginx's parser), and,
//! when the nginx under test has it, HTTP/2 (cleartext, prior knowledge, via curl).
//!
//! `docs/security.md` ("Hostile traffic") lists what the corpus covers and what it saw.

use cors_tests::hostile::{
    granted, refused, refused_with_any, run, Answer, H2Req, Listener, Ports, Probe, Wire,
};
use cors_tests::{assert_no_crash, require_nginx, Nginx, Setup};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

const POLICIES: &str = r#"
policy app {
    origin https://app.example.com;
    methods GET PUT DELETE;
    headers Content-Type X-Request-ID;
    credentials on;
}
policy sub {
    origin https://*.example.com;
    methods PUT;
}
policy nul {
    origin null;
    methods PUT;
}
"#;

const LOCATIONS: &str = "root html; cors app;\n\
    location / { }\n\
    location /sub/ { cors sub; alias html/; }\n\
    location /null/ { cors nul; alias html/; }\n";

/// The origins these policies may ever grant, read as a browser reads them: `APP`,
/// `null`, and `https://` + one or more non-empty labels of `[a-z0-9-]` +
/// `.example.com` (no port, no userinfo, no path, no trailing dot). Whatever a probe
/// expects, an `Access-Control-Allow-Origin` outside this set is a widened grant.
fn allowed(v: &str) -> bool {
    let sub = v.strip_prefix("https://").and_then(|h| h.strip_suffix(".example.com")).is_some_and(
        |labels| {
            labels.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
        },
    );
    v == APP || v == "null" || sub
}

/// One HTTP/1.x request as raw bytes; any header bytes.
#[derive(Clone)]
struct Raw {
    method: String,
    target: String,
    version: &'static str,
    headers: Vec<(String, Vec<u8>)>,
}

impl Raw {
    fn new(method: &str, target: &str) -> Raw {
        Raw {
            method: method.into(),
            target: target.into(),
            version: "HTTP/1.1",
            headers: vec![("Host".into(), b"localhost".to_vec())],
        }
    }
    fn h(mut self, name: &str, value: impl AsRef<[u8]>) -> Raw {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }
    fn bytes(&self, last: bool) -> Vec<u8> {
        let mut r = format!("{} {} {}\r\n", self.method, self.target, self.version).into_bytes();
        for (k, v) in &self.headers {
            r.extend_from_slice(k.as_bytes());
            r.extend_from_slice(b": ");
            r.extend_from_slice(v);
            r.extend_from_slice(b"\r\n");
        }
        if last && self.version == "HTTP/1.1" {
            r.extend_from_slice(b"Connection: close\r\n");
        }
        r.extend_from_slice(b"\r\n");
        r
    }
}

fn get(path: &str, origin: impl AsRef<[u8]>) -> Raw {
    Raw::new("GET", path).h("Origin", origin)
}

fn pf(path: &str, origin: impl AsRef<[u8]>, method: impl AsRef<[u8]>) -> Raw {
    Raw::new("OPTIONS", path).h("Origin", origin).h("Access-Control-Request-Method", method)
}

/// Several requests in one write (the last one asks to close).
fn pipelined(reqs: &[Raw]) -> Wire {
    let n = reqs.len();
    let bytes = reqs.iter().enumerate().flat_map(|(i, r)| r.bytes(i + 1 == n)).collect();
    Wire::Http1 { bytes, heads: reqs.iter().map(|r| r.method == "HEAD").collect() }
}

fn one(req: Raw) -> Wire {
    pipelined(&[req])
}

fn probe(name: impl Into<String>, to: Listener, wire: Wire, expect: Vec<Answer>) -> Probe {
    Probe { name: name.into(), to, wire, expect }
}

/// What an `Origin` value gets at one location.
#[derive(Clone, Copy)]
enum Fate {
    /// Granted, the answer reflecting this origin.
    Grant(&'static str),
    /// Answered without CORS headers (a refused preflight: 403).
    NoGrant,
    /// Refused by nginx's request parser (400) before any phase runs.
    Bad,
}

/// A `GET` and a `PUT` preflight from `origin` to `path`, with what each must get.
fn origin_probes(
    out: &mut Vec<Probe>,
    to: Listener,
    name: &str,
    path: &str,
    origin: &[u8],
    fate: Fate,
) {
    let (get_answer, pf_answer) = match fate {
        Fate::Grant(o) => (granted(200, o), granted(204, o)),
        Fate::NoGrant => (refused(200), refused(403)),
        Fate::Bad => (refused(400), refused(400)),
    };
    out.push(probe(
        format!("{to:?} GET {path} Origin {name}"),
        to,
        one(get(path, origin)),
        vec![get_answer],
    ));
    out.push(probe(
        format!("{to:?} preflight {path} Origin {name}"),
        to,
        one(pf(path, origin, "PUT")),
        vec![pf_answer],
    ));
}

fn corpus() -> Vec<Probe> {
    use Fate::{Bad, Grant, NoGrant};
    use Listener::{Default, Large};
    let mut out = Vec::new();
    let big = |prefix: &str, len: usize| {
        let mut o = prefix.as_bytes().to_vec();
        o.resize(len, b'a');
        o
    };

    // Origin values: (name, bytes, fate on the default listener, fate on the large one).
    let origins: Vec<(&str, Vec<u8>, Fate, Fate)> = vec![
        ("allowed (control)", APP.into(), Grant(APP), Grant(APP)),
        ("64 KB", big("https://", 64 * 1024), Bad, NoGrant),
        (
            "64 KB starting with the allowed origin",
            big(&format!("{APP}."), 64 * 1024),
            Bad,
            NoGrant,
        ),
        ("just over the 2 KiB match bound", big(&format!("{APP}."), 2049), NoGrant, NoGrant),
        ("NUL at the end", format!("{APP}\0").into(), Bad, Bad),
        ("NUL inside", b"https://app\0.example.com".to_vec(), Bad, Bad),
        ("bare CR inside", format!("{APP}\rX").into(), Bad, Bad),
        ("control byte 0x01", format!("{APP}\x01").into(), NoGrant, NoGrant),
        ("escape sequence", format!("{APP}\x1b[31m").into(), NoGrant, NoGrant),
        ("DEL", format!("{APP}\x7f").into(), NoGrant, NoGrant),
        ("0xff byte", [APP.as_bytes(), b"\xff"].concat(), NoGrant, NoGrant),
        ("non-ASCII host (UTF-8)", "https://äpp.example.com".into(), NoGrant, NoGrant),
        ("IDN homograph (Cyrillic a)", "https://\u{430}pp.example.com".into(), NoGrant, NoGrant),
        ("IDN homograph, punycode", b"https://xn--pp-8cd.example.com".to_vec(), NoGrant, NoGrant),
        ("fullwidth dot", "https://app\u{ff0e}example.com".into(), NoGrant, NoGrant),
        ("null", b"null".to_vec(), NoGrant, NoGrant),
        ("empty", b"".to_vec(), NoGrant, NoGrant),
        ("upper-case scheme", b"HTTPS://app.example.com".to_vec(), NoGrant, NoGrant),
        ("upper-case host", b"https://APP.EXAMPLE.COM".to_vec(), NoGrant, NoGrant),
        ("trailing-dot host", b"https://app.example.com.".to_vec(), NoGrant, NoGrant),
        ("userinfo", b"https://user@app.example.com".to_vec(), NoGrant, NoGrant),
        ("userinfo with password", b"https://u:p@app.example.com".to_vec(), NoGrant, NoGrant),
        (
            "allowed origin as userinfo",
            b"https://app.example.com@evil.net".to_vec(),
            NoGrant,
            NoGrant,
        ),
        ("default port written", b"https://app.example.com:443".to_vec(), NoGrant, NoGrant),
        ("empty port", b"https://app.example.com:".to_vec(), NoGrant, NoGrant),
        ("path", b"https://app.example.com/".to_vec(), NoGrant, NoGrant),
        ("trailing space (OWS, trimmed by HTTP)", format!("{APP} ").into(), Grant(APP), Grant(APP)),
        ("two origins in one line", format!("{APP} {EVIL}").into(), NoGrant, NoGrant),
        ("comma list", format!("{APP}, {EVIL}").into(), NoGrant, NoGrant),
        // The probes a CORS scanner sends for an allowed https://app.example.com.
        ("scanner: suffix", b"https://app.example.com.evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: prefix", b"https://evilapp.example.com".to_vec(), NoGrant, NoGrant),
        ("scanner: prefix, no dot", b"https://evilexample.com".to_vec(), NoGrant, NoGrant),
        ("scanner: _", b"https://app.example.com_.evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: `", b"https://app.example.com`.evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: %60", b"https://app.example.com%60.evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: !", b"https://app.example.com!.evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: plain http", b"http://app.example.com".to_vec(), NoGrant, NoGrant),
        ("scanner: evil.net", b"https://evil.net".to_vec(), NoGrant, NoGrant),
        ("scanner: wss scheme", b"wss://app.example.com".to_vec(), NoGrant, NoGrant),
    ];
    for (name, origin, on_default, on_large) in &origins {
        origin_probes(&mut out, Default, name, "/", origin, *on_default);
        origin_probes(&mut out, Large, name, "/", origin, *on_large);
    }

    // The subdomain wildcard `https://*.example.com`: what a browser would call a
    // subdomain, and nothing else.
    let sub: Vec<(&str, &[u8], Fate)> = vec![
        ("a subdomain (control)", b"https://app.example.com", Grant(APP)),
        ("two labels", b"https://a.b.example.com", Grant("https://a.b.example.com")),
        ("the apex", b"https://example.com", NoGrant),
        ("empty label", b"https://.example.com", NoGrant),
        ("two dots", b"https://a..example.com", NoGrant),
        ("scanner: suffix", b"https://x.example.com.evil.net", NoGrant),
        ("scanner: prefix, no dot", b"https://evilexample.com", NoGrant),
        ("scanner: plain http", b"http://x.example.com", NoGrant),
        ("scanner: null", b"null", NoGrant),
        ("fragment before the suffix", b"https://evil.net#.example.com", NoGrant),
        ("query before the suffix", b"https://evil.net?.example.com", NoGrant),
        ("path before the suffix", b"https://evil.net/.example.com", NoGrant),
        ("backslash before the suffix", b"https://evil.net\\.example.com", NoGrant),
        ("userinfo before the subdomain", b"https://evil.net@x.example.com", NoGrant),
        ("port", b"https://x.example.com:8443", NoGrant),
        ("default port written", b"https://x.example.com:443", NoGrant),
        ("trailing dot", b"https://x.example.com.", NoGrant),
        ("upper-case label", b"https://X.example.com", NoGrant),
        ("upper-case suffix", b"https://x.EXAMPLE.com", NoGrant),
        ("space in a label", b"https://a b.example.com", NoGrant),
        ("control byte in a label", b"https://a\x01b.example.com", NoGrant),
        ("non-ASCII label", "https://\u{430}.example.com".as_bytes(), NoGrant),
    ];
    for (name, origin, fate) in sub {
        origin_probes(&mut out, Default, name, "/sub/", origin, fate);
    }

    // `null`, allowed at /null/: only the exact four bytes.
    for (name, origin, fate) in [
        ("null", &b"null"[..], Grant("null")),
        ("NULL", b"NULL", NoGrant),
        ("null with trailing space (OWS)", b"null ", Grant("null")),
        ("nullx", b"nullx", NoGrant),
        ("null NUL", b"null\0", Bad),
        ("https://null", b"https://null", NoGrant),
    ] {
        origin_probes(&mut out, Default, name, "/null/", origin, fate);
    }

    // `Origin` 100 times: several lines are malformed, never matched.
    let mut many = get("/", APP);
    let mut many_pf = pf("/", APP, "PUT");
    for _ in 1..100 {
        many = many.h("Origin", APP);
        many_pf = many_pf.h("Origin", APP);
    }
    for to in [Default, Large] {
        out.push(probe(
            "Origin repeated 100 times, GET",
            to,
            one(many.clone()),
            vec![refused(200)],
        ));
        out.push(probe(
            "Origin repeated 100 times, preflight",
            to,
            one(many_pf.clone()),
            vec![refused(403)],
        ));
    }

    // Access-Control-Request-Headers.
    let acrh = |value: &[u8]| pf("/", APP, "PUT").h("Access-Control-Request-Headers", value);
    let elements = |n: usize, name: &str| vec![name; n].join(",");
    for (name, value, on_default, on_large) in [
        ("10,000 elements", elements(10_000, "a"), 400, 403),
        ("10,000 allowed names", elements(10_000, "content-type"), 400, 403),
        ("1 MB", elements(1024 * 1024 / 13, "content-type"), 400, 403),
        ("64 allowed names (the bound)", elements(64, "content-type"), 204, 204),
        ("65 allowed names", elements(65, "content-type"), 403, 403),
        ("separators only", ", , ,,,\t,".repeat(500), 204, 204),
        ("an allowed name then a refused one", "content-type, x-evil".into(), 403, 403),
        ("authorization (not listed)", "authorization".into(), 403, 403),
        ("name with a control byte", "content-type\x01".into(), 403, 403),
        ("non-ASCII name", "cöntent-type".into(), 403, 403),
    ] {
        let expect = |s| if s == 204 { granted(204, APP) } else { refused(s) };
        let req = acrh(value.as_bytes());
        out.push(probe(
            format!("Default ACRH {name}"),
            Default,
            one(req.clone()),
            vec![expect(on_default)],
        ));
        out.push(probe(format!("Large ACRH {name}"), Large, one(req), vec![expect(on_large)]));
    }
    let lines = |n: usize, value: &str| {
        (0..n).fold(pf("/", APP, "PUT"), |r, _| r.h("Access-Control-Request-Headers", value))
    };
    // nginx 1.22 (Debian 12) refuses 1,000 header lines itself ("client sent too many
    // header lines", 400); 1.28 passes them on and the module refuses the preflight.
    out.push(probe(
        "Large ACRH 1,000 field lines",
        Large,
        one(lines(1000, "content-type")),
        vec![refused_with_any(&[400, 403])],
    ));
    out.push(probe(
        "Default ACRH 1,000 field lines",
        Default,
        one(lines(1000, "content-type")),
        vec![refused(400)],
    ));
    out.push(probe(
        "ACRH 64 field lines",
        Default,
        one(lines(64, "content-type")),
        vec![granted(204, APP)],
    ));
    out.push(probe(
        "ACRH 65 field lines",
        Default,
        one(lines(65, "content-type")),
        vec![refused(403)],
    ));

    // Access-Control-Request-Method.
    for (name, method, answer) in [
        ("listed", &b"PUT"[..], granted(204, APP)),
        ("safelisted, not listed", b"POST", granted(204, APP)),
        ("lower-case", b"put", refused(403)),
        ("empty", b"", refused(403)),
        ("trailing space (OWS)", b"PUT ", granted(204, APP)),
        ("a list", b"PUT, DELETE", refused(403)),
        ("*", b"*", refused(403)),
        ("CONNECT", b"CONNECT", refused(403)),
        ("TRACE", b"TRACE", refused(403)),
        ("control byte", b"P\x01T", refused(403)),
        ("0xff", b"PUT\xff", refused(403)),
        ("5,000 bytes", &[b'A'; 5000][..], refused(403)),
        ("NUL", b"PU\0T", refused(400)),
    ] {
        out.push(probe(format!("ACRM {name}"), Default, one(pf("/", APP, method)), vec![answer]));
    }
    out.push(probe(
        "ACRM on two lines, the second refused",
        Default,
        one(pf("/", APP, "PUT").h("Access-Control-Request-Method", "TRACE")),
        vec![granted(204, APP)],
    ));

    // HTTP/1.0 (no Host, no keep-alive) and odd request lines.
    let http10 = |r: Raw| {
        let mut r = Raw { version: "HTTP/1.0", ..r };
        r.headers.retain(|(k, _)| k != "Host");
        r
    };
    out.push(probe("HTTP/1.0 GET", Default, one(http10(get("/", APP))), vec![granted(200, APP)]));
    out.push(probe(
        "HTTP/1.0 GET, refused origin",
        Default,
        one(http10(get("/", EVIL))),
        vec![refused(200)],
    ));
    out.push(probe(
        "HTTP/1.0 preflight",
        Default,
        one(http10(pf("/", APP, "PUT"))),
        vec![granted(204, APP)],
    ));
    out.push(probe(
        "HTTP/1.0 preflight, refused",
        Default,
        one(http10(pf("/", APP, "TRACE"))),
        vec![refused(403)],
    ));
    out.push(probe(
        "lower-case options",
        Default,
        one(Raw { method: "options".into(), ..pf("/", APP, "PUT") }),
        vec![refused(400)],
    ));
    out.push(probe(
        "absolute-form target",
        Default,
        one(Raw { target: "http://localhost/".into(), ..pf("/", APP, "PUT") }),
        vec![granted(204, APP)],
    ));
    out.push(probe(
        "asterisk target",
        Default,
        one(Raw { target: "*".into(), ..pf("/", APP, "PUT") }),
        vec![refused(400)],
    ));

    // Pipelining: kinds and origins mixed in one write, answered in order.
    out.push(probe(
        "pipelined mix",
        Default,
        pipelined(&[
            pf("/", APP, "PUT"),
            get("/", EVIL),
            pf("/", EVIL, "PUT"),
            get("/", APP),
            Raw { method: "HEAD".into(), ..get("/", APP) },
            pf("/sub/", "https://x.example.com.evil.net", "PUT"),
            pf("/sub/", "https://x.example.com", "PUT"),
            get("/null/", "null"),
        ]),
        vec![
            granted(204, APP),
            refused(200),
            refused(403),
            granted(200, APP),
            granted(200, APP),
            refused(403),
            granted(204, "https://x.example.com"),
            granted(200, "null"),
        ],
    ));
    out.push(probe(
        "pipelined: a granted request, then a malformed one",
        Default,
        pipelined(&[get("/", APP), get("/", format!("{APP}\0"))]),
        vec![granted(200, APP), refused(400)],
    ));
    out.push(probe(
        "pipelined: 50 preflights alternating allowed and refused origins",
        Default,
        pipelined(
            &(0..50)
                .map(|i| pf("/", if i % 2 == 0 { APP } else { EVIL }, "PUT"))
                .collect::<Vec<_>>(),
        ),
        (0..50).map(|i| if i % 2 == 0 { granted(204, APP) } else { refused(403) }).collect(),
    ));

    // HTTP/2, one request per connection (curl 7.88 cannot reuse a prior-knowledge
    // connection: its second request fails with "Error in the HTTP2 framing layer",
    // with or without the module). curl's HPACK encoder (nghttp2) indexes the fields it
    // sends, so a field repeated in one request travels as an index into the dynamic
    // table: nginx must still see every line.
    let h2 = |method: &str, headers: &[(&str, &str)]| H2Req {
        method: method.into(),
        path: "/".into(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    let o = |v| ("Origin", v);
    let acrm = ("Access-Control-Request-Method", "PUT");
    let acrh = |n| {
        [&[o(APP), acrm][..], &vec![("Access-Control-Request-Headers", "content-type"); n]].concat()
    };
    let mut h2_probes: Vec<(String, H2Req, Answer)> = vec![
        ("GET".into(), h2("GET", &[o(APP)]), granted(200, APP)),
        ("preflight".into(), h2("OPTIONS", &[o(APP), acrm]), granted(204, APP)),
        ("preflight, refused origin".into(), h2("OPTIONS", &[o(EVIL), acrm]), refused(403)),
        (
            "Origin twice, equal (the second indexed)".into(),
            h2("GET", &[o(APP), o(APP)]),
            refused(200),
        ),
        ("Origin twice, preflight".into(), h2("OPTIONS", &[o(APP), o(APP), acrm]), refused(403)),
        ("Origin twice, different".into(), h2("GET", &[o(EVIL), o(APP)]), refused(200)),
        ("Origin 100 times (indexed)".into(), h2("GET", &vec![o(APP); 100]), refused(200)),
        ("ACRH on 40 indexed fields".into(), h2("OPTIONS", &acrh(40)), granted(204, APP)),
        ("ACRH on 64 indexed fields".into(), h2("OPTIONS", &acrh(64)), granted(204, APP)),
        ("ACRH on 65 indexed fields".into(), h2("OPTIONS", &acrh(65)), refused(403)),
    ];
    // 1,000 fields decompress to more than nginx's header limit (4 × 8k): nginx closes
    // the connection ("client sent too large header") before any phase runs.
    out.push(probe(
        "HTTP/2 ACRH on 1,000 indexed fields",
        Listener::Http2,
        Wire::Http2(vec![h2("OPTIONS", &acrh(1000))]),
        vec![],
    ));
    for origin in [
        "https://app.example.com.evil.net",
        "https://evilapp.example.com",
        "http://app.example.com",
        "null",
        "HTTPS://app.example.com",
        "https://app.example.com.",
    ] {
        h2_probes.push((format!("scanner origin {origin}"), h2("GET", &[o(origin)]), refused(200)));
    }
    for (name, req, answer) in h2_probes {
        out.push(probe(
            format!("HTTP/2 {name}"),
            Listener::Http2,
            Wire::Http2(vec![req]),
            vec![answer],
        ));
    }
    out
}

#[test]
fn hostile_corpus() {
    let env = require_nginx!();
    let http = format!(
        "cors_policy_file policies.cors;\n\
         server {{ listen 127.0.0.1:{{PORT}}; {LOCATIONS} }}\n\
         server {{ listen 127.0.0.1:{{PORT2}}; large_client_header_buffers 4 2m; {LOCATIONS} }}\n"
    );
    let setup = |http: &str| {
        Setup::new(http).file("policies.cors", POLICIES).file("html/index.html", "index\n").master()
    };
    let nginx = Nginx::start(&env, &setup(&http));
    // HTTP/2 on a listener of its own: on nginx before 1.25, `listen … http2` without
    // TLS speaks nothing but HTTP/2.
    let h2 = if has_http2(&env) {
        Some(Nginx::start(
            &env,
            &setup(&format!(
                "cors_policy_file policies.cors;\n\
             server {{ listen 127.0.0.1:{{PORT}} http2; {LOCATIONS} }}\n"
            )),
        ))
    } else {
        cors_tests::skip(&format!("hostile_corpus: {} has no HTTP/2", env.nginx.display()));
        None
    };
    let ports = Ports {
        default: nginx.port(),
        large: nginx.prefix.port2,
        http2: h2.as_ref().map(Nginx::port),
    };
    let probes = corpus();
    let summary = run(ports, &probes, allowed);
    eprintln!("hostile corpus: {summary:?}");
    // The log checked is the live one, and nginx did see hostile input.
    assert!(
        nginx.prefix.error_log().contains("client sent invalid"),
        "no rejected requests logged"
    );
    assert!(summary.grants > 0 && summary.answers > summary.probes, "{summary:?}");
    assert_no_crash(&nginx);
    if let Some(h2) = &h2 {
        assert_no_crash(h2);
    }
}

/// Whether `nginx -V` lists the HTTP/2 module.
fn has_http2(env: &cors_tests::Env) -> bool {
    std::process::Command::new(&env.nginx)
        .arg("-V")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("--with-http_v2_module"))
}
