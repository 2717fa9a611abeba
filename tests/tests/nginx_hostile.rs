//! Hostile and malformed requests: several `Origin` lines, header lines larger than
//! nginx's buffers, and a deterministic stream of random and malformed requests. No
//! worker may crash, and nothing odd may earn CORS headers.

use cors_tests::cases::{case, get, pf, run, NO_CORS};
use cors_tests::fixtures::{extra_setup, APP};
use cors_tests::{assert_no_crash, require_nginx, Nginx, Req};
use fastrand::Rng;

#[test]
fn several_origin_lines_get_no_cors_headers() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let cases = vec![
        case("two equal Origin lines", get("/data.txt", APP).origin(APP), 200, &NO_CORS),
        case(
            "two different Origin lines",
            get("/data.txt", "https://evil.example").origin(APP),
            200,
            &NO_CORS,
        ),
        case(
            "preflight with two Origin lines",
            pf("/data.txt", APP, "PUT").origin(APP),
            403,
            &NO_CORS,
        ),
        case(
            "preflight with three Origin lines",
            pf("/data.txt", APP, "PUT").origin("https://evil.example").origin(APP),
            403,
            &NO_CORS,
        ),
    ];
    run(&nginx, cases);
}

#[test]
fn huge_request_headers_line() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let huge = vec!["content-type"; 100 * 1024 / 14].join(", ");
    assert!(huge.len() >= 100 * 1000, "{}", huge.len());
    let req = pf("/data.txt", APP, "PUT").header("Access-Control-Request-Headers", &huge);

    // Default buffers (4 × 8k): nginx refuses the line itself before any phase runs —
    // 494 internally, sent as 400 — and the response carries no CORS headers.
    let r = nginx.send(&req);
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.cors_headers().is_empty(), "{r:?}");

    // With room for it (large_client_header_buffers 4 256k), the module sees it and
    // refuses the preflight: every token is an allowed header, but the list is
    // longer than the module's bound.
    let r = cors_tests::Conn::open(nginx.prefix.port2).send(&req);
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.cors_headers().is_empty(), "{r:?}");
    // The same server still answers a normal preflight.
    let ok = cors_tests::Conn::open(nginx.prefix.port2).send(&pf("/data.txt", APP, "PUT"));
    assert_eq!(ok.status, 204, "{ok:?}");
    assert_no_crash(&nginx);
}

/// Issue #15: `Access-Control-Request-Headers` over many field lines is read as Fetch
/// reads it (the lines combined in order), however many lines; the byte bound still
/// holds for the combined value.
#[test]
fn request_headers_on_many_lines() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let lines = |n: usize, value: &str| {
        (0..n).fold(pf("/data.txt", APP, "PUT"), |req, _| {
            req.header("Access-Control-Request-Headers", value)
        })
    };
    for n in [2, 10, 40] {
        let r = nginx.send(&lines(n, "content-type"));
        assert_eq!(r.status, 204, "{n} lines: {r:?}");
        let allowed = r.all("Access-Control-Allow-Headers").join(",");
        assert!(allowed.to_ascii_lowercase().contains("content-type"), "{n} lines: {r:?}");
    }
    // One line names a header the policy does not allow: refused, whichever line.
    let mut req = lines(9, "content-type");
    req = req.header("Access-Control-Request-Headers", "x-evil");
    let r = nginx.send(&req);
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.cors_headers().is_empty(), "{r:?}");
    // Twenty lines of 500 bytes: every name allowed, but 10 KB in all is over the bound.
    let long = vec!["content-type"; 500 / 14].join(",");
    let r = nginx.send(&lines(20, &long));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.cors_headers().is_empty(), "{r:?}");
    assert_no_crash(&nginx);
}

#[test]
fn hostile_requests_do_not_crash_workers() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let mut rng = Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    let requests = hostile_requests(&mut rng);
    assert!(requests.len() >= 200, "{}", requests.len());
    let mut answered = 0;
    for (port, req) in requests.iter().flat_map(|r| [(nginx.port(), r), (nginx.prefix.port2, r)]) {
        let answer = cors_tests::send_raw(port, req);
        answered += usize::from(!cors_tests::statuses(&answer).is_empty());
    }
    // Nearly every request gets some answer (a 400 at least); a silent close on most of
    // them would mean the worker is gone.
    assert!(
        answered > requests.len(),
        "only {answered} answers to {} requests",
        2 * requests.len()
    );
    // A pipelined batch is answered in full, in order.
    let batch = [
        pf("/data.txt", APP, "PUT").keep_alive(),
        get("/data.txt", "https://evil.example").keep_alive(),
        pf("/data.txt", "https://evil.example", "PUT"),
    ];
    let bytes: Vec<u8> = batch.iter().flat_map(Req::to_bytes).collect();
    let answer = cors_tests::send_raw(nginx.port(), &bytes);
    assert_eq!(
        cors_tests::statuses(&answer),
        [204, 200, 403],
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let r = nginx.send(&pf("/data.txt", APP, "PUT"));
    assert_eq!((r.status, r.all("Access-Control-Allow-Origin")), (204, vec![APP]), "{r:?}");
    // The log checked below is the live one, and nginx did see hostile input.
    assert!(
        nginx.prefix.error_log().contains("client sent invalid"),
        "no rejected requests logged"
    );
    assert_no_crash(&nginx);
}

/// `len` bytes from `rng`.
fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rng.fill(&mut bytes);
    bytes
}

/// Raw hostile requests: the shapes a fuzzer or a scanner sends, drawn from a seeded
/// generator so that a failing input can be replayed.
fn hostile_requests(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let raw = |method: &str, target: &str, version: &str, headers: &[(&str, &[u8])]| {
        let mut r = format!("{method} {target} {version}\r\n").into_bytes();
        for (k, v) in headers {
            r.extend_from_slice(k.as_bytes());
            r.extend_from_slice(b": ");
            r.extend_from_slice(v);
            r.extend_from_slice(b"\r\n");
        }
        r.extend_from_slice(b"\r\n");
        r
    };
    let host: (&str, &[u8]) = ("Host", b"localhost");
    let acrm: (&str, &[u8]) = ("Access-Control-Request-Method", b"PUT");
    // Random bytes in Origin (some of which nginx rejects as invalid header lines).
    for _ in 0..120 {
        let len = rng.usize(..300);
        let mut origin = random_bytes(rng, len);
        if rng.usize(..2) == 0 {
            // Half of them printable only, so nginx passes them on to the module.
            origin.iter_mut().for_each(|b| *b = b'!' + *b % 94);
        }
        let method = rng.choice(["OPTIONS", "GET", "POST"]).unwrap_or_default();
        let r = raw(method, "/data.txt", "HTTP/1.1", &[host, ("Origin", &origin), acrm]);
        out.push(r);
    }
    // Access-Control-Request-Headers: random, empty, separators only, huge, repeated.
    let app: (&str, &[u8]) = ("Origin", APP.as_bytes());
    for _ in 0..60 {
        let len = rng.usize(..2000);
        let acrh: Vec<u8> = (0..len)
            .map(|_| *b"abc-,, \t\x7fZ\x00\xff".get(rng.usize(..12)).unwrap_or(&b','))
            .collect();
        out.push(raw(
            "OPTIONS",
            "/data.txt",
            "HTTP/1.1",
            &[host, app, acrm, ("Access-Control-Request-Headers", &acrh)],
        ));
    }
    for acrh in
        ["", ",", " , ,, ", "\t", "content-type,,,,,,", &"x,".repeat(4000), &"a".repeat(7000)]
    {
        out.push(raw(
            "OPTIONS",
            "/data.txt",
            "HTTP/1.1",
            &[host, app, acrm, ("Access-Control-Request-Headers", acrh.as_bytes())],
        ));
    }
    let mut many = vec![host, app, acrm];
    many.extend(std::iter::repeat_n(
        ("Access-Control-Request-Headers", b"content-type".as_slice()),
        300,
    ));
    out.push(raw("OPTIONS", "/data.txt", "HTTP/1.1", &many));
    let mut origins = vec![host, acrm];
    origins.extend(std::iter::repeat_n(("Origin", APP.as_bytes()), 200));
    out.push(raw("OPTIONS", "/data.txt", "HTTP/1.1", &origins));
    // Odd methods and request-methods, odd targets, versions without Host.
    for method in [
        "options",
        "OPTIONS\t",
        "PROPFIND",
        "M-SEARCH",
        "X".repeat(300).as_str(),
        "GET\x00",
        "OPT IONS",
    ] {
        out.push(raw(method, "/data.txt", "HTTP/1.1", &[host, app, acrm]));
    }
    for req_method in [&b""[..], b" ", b"put", b"\xff\xfe", b"P\x00T", &[b'A'; 5000][..]] {
        out.push(raw(
            "OPTIONS",
            "/data.txt",
            "HTTP/1.1",
            &[host, app, ("Access-Control-Request-Method", req_method)],
        ));
    }
    for target in [
        "*",
        "/%00",
        "/../../etc/passwd",
        "http://other/data.txt",
        "/data.txt?a=\x01",
        "/tf/missing",
        "/ep/x",
    ] {
        out.push(raw("OPTIONS", target, "HTTP/1.1", &[host, app, acrm]));
    }
    out.push(raw("OPTIONS", "/data.txt", "HTTP/1.0", &[app, acrm]));
    out.push(raw("GET", "/data.txt", "HTTP/1.0", &[app]));
    out.push(raw("OPTIONS", "/data.txt", "HTTP/1.1", &[app, acrm]));
    out.push(raw("OPTIONS", "/data.txt", "HTTP/2.0", &[host, app, acrm]));
    out.push(raw("OPTIONS", "/data.txt", "HTTP/9.9", &[host, app, acrm]));
    out.push(b"GET /data.txt\r\n".to_vec());
    out.push(
        b"OPTIONS /data.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n".to_vec(),
    );
    out.push(b"OPTIONS /data.txt HTTP/1.1\nOrigin:https://app.example.com\nAccess-Control-Request-Method:PUT\n\n".to_vec());
    out.push(b"OPTIONS /data.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n Access-Control-Request-Method: PUT\r\n\r\n".to_vec());
    // Pipelined: several requests in one write, kinds and origins mixed.
    for _ in 0..20 {
        let mut r = Vec::new();
        for _ in 0..(2 + rng.usize(..4)) {
            let keep: (&str, &[u8]) = ("Connection", b"keep-alive");
            r.extend(match rng.usize(..4) {
                0 => raw("OPTIONS", "/data.txt", "HTTP/1.1", &[host, app, acrm, keep]),
                1 => raw(
                    "OPTIONS",
                    "/pna/data.txt",
                    "HTTP/1.1",
                    &[host, ("Origin", b"https://evil.example"), acrm, keep],
                ),
                2 => raw("GET", "/data.txt", "HTTP/1.1", &[host, app, keep]),
                _ => raw(
                    "GET",
                    "/tf/x",
                    "HTTP/1.1",
                    &[host, ("Origin", &random_bytes(rng, 8)), keep],
                ),
            });
        }
        out.push(r);
    }
    out
}

/// Issue #18: a `.corsb` edited by someone with write access to one deployed file (a
/// same-length swap that turns the allowed methods into a `Set-Cookie` line, the
/// checksum recomputed) is refused by `nginx -t`: loading re-establishes every
/// invariant the compiler guarantees, so no table can make nginx send a line of its own.
/// (Values reflected from the request are checked again when written: `filter.rs`.)
#[test]
fn a_tampered_table_is_refused() {
    let env = require_nginx!();
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/spa-api.cors"))
            .expect("example policy");
    let (table, _) = cors_dsl::build(std::path::Path::new("spa-api.cors"), &source)
        .unwrap_or_else(|_| panic!("the example builds"));
    let mut bytes = table.to_bytes();
    let (from, to) =
        (&b"GET, POST, PUT, PATCH, DELETE"[..], &b"GET\r\nSet-Cookie: pwn=1\r\nX: DE"[..]);
    assert_eq!(from.len(), to.len());
    let at =
        bytes.windows(from.len()).position(|w| w == from).expect("rendered methods in the body");
    bytes[at..at + to.len()].copy_from_slice(to);
    let crc = crc32fast::hash(&bytes[cors_dsl::corsb::HEADER_LEN..]);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());

    let http = "cors_policy_file api.corsb;\n\
                server { listen 127.0.0.1:{PORT}; root html; location / { cors api; } }";
    let setup = cors_tests::Setup::new(http).file("html/x.txt", "x\n");
    let prefix = cors_tests::Prefix::new(&env, &setup);
    std::fs::write(prefix.dir.path().join("api.corsb"), &bytes).expect("write table");
    let (loads, out) = prefix.check();
    assert!(!loads, "a resealed table with an injected header line must not load:\n{out}");
    assert!(
        out.contains("api.corsb") && out.contains("0x0d"),
        "names the file and the byte:\n{out}"
    );
}

/// The emit-time check, on a real request: nginx refuses CR, LF and NUL in header values
/// itself but passes other control bytes on, and a `~` pattern may accept them. An
/// answer that would reflect one goes out without CORS headers (fail closed), and
/// `error_log` says why; the same pattern's clean origins are answered as usual.
#[test]
fn a_reflected_control_byte_is_never_written() {
    let env = require_nginx!();
    let http = "cors_policy_file p.cors;\n\
                server { listen 127.0.0.1:{PORT}; root html; location / { cors p; } }";
    let policy = "policy p {\n    origin ~ \"^https://[^./]+\\.example\\.com$\";\n}\n";
    let setup = cors_tests::Setup::new(http).file("p.cors", policy).file("html/x.txt", "x\n");
    let nginx = Nginx::start(&env, &setup);
    let clean = nginx.send(&Req::get("/x.txt").origin("https://a.example.com"));
    assert_eq!(clean.get("access-control-allow-origin"), Some("https://a.example.com"));
    for origin in
        ["https://a\u{1}b.example.com", "https://a\u{1f}.example.com", "https://\u{7f}.example.com"]
    {
        let resp = nginx.send(&Req::get("/x.txt").origin(origin));
        assert_eq!(resp.status, 200, "{origin:?}");
        assert!(resp.cors_headers().is_empty(), "{origin:?}: {:?}", resp.cors_headers());
    }
    let log = nginx.prefix.error_log();
    assert_eq!(log.matches("holds a control byte").count(), 3, "{log}");
    assert_no_crash(&nginx);
}
