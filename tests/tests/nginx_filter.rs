//! The header filter in a real nginx: foreign `Access-Control-*` headers (upstreams,
//! `add_header`) replaced, never duplicated; `Vary` merged into one line; headers kept
//! across internal redirects and on 304s; `HEAD`, HTTP/1.0 and keep-alive; and the
//! `$cors_*` variables in the access log.

use cors_tests::cases::{case, get, pf, run, H, NO_CORS};
use cors_tests::fixtures::{extra_setup, main_setup, APP};
use cors_tests::{require_nginx, wait_for, Nginx, Req};

#[test]
fn foreign_cors_headers_are_replaced_never_duplicated() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let cases = vec![
        case(
            "upstream ACAO replaced",
            get("/proxy/x", APP),
            200,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::Is("Access-Control-Allow-Credentials", "true"),
            ],
        ),
        case(
            "upstream ACAO stripped for a refused origin",
            get("/proxy/x", "https://evil.example"),
            200,
            &NO_CORS,
        ),
        case(
            "add_header … always replaced",
            get("/addheader/data.txt", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
        case(
            "add_header … always stripped for a refused preflight",
            pf("/addheader/data.txt", "https://evil.example", "PUT"),
            403,
            &NO_CORS,
        ),
        case(
            "preflight pass: upstream answers, untouched",
            pf("/pass/x", APP, "PUT"),
            200,
            &[H::Is("Access-Control-Allow-Origin", "https://upstream.example")],
        ),
        case(
            "preflight-refused pass: upstream answers, CORS stripped",
            pf("/passrefused/x", APP, "PATCH"),
            200,
            &NO_CORS,
        ),
        case(
            "preflight-refused pass: allowed preflights still answered",
            pf("/passrefused/x", APP, "PUT"),
            204,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
    ];
    run(&nginx, cases);
}

#[test]
fn vary_is_merged() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    // Upstream `Vary: Accept-Encoding` gets `Origin` appended on the same line.
    let r = nginx.send(&get("/proxy/x", APP));
    assert_eq!(r.all("Vary"), ["Accept-Encoding, Origin"], "{r:?}");
    // `add_header Vary` likewise.
    let r = nginx.send(&get("/addheader/data.txt", APP));
    assert_eq!(r.all("Vary"), ["Accept-Encoding, Origin"], "{r:?}");
    // A preflight adds the request-method and request-headers tokens.
    let r = nginx.send(&pf("/proxy/x", APP, "PUT"));
    assert_eq!(r.status, 204);
    let tokens = r.vary_tokens();
    for t in ["origin", "access-control-request-method", "access-control-request-headers"] {
        assert_eq!(tokens.iter().filter(|x| *x == t).count(), 1, "{t} once in {tokens:?}");
    }
    // gzip's `Vary: Accept-Encoding` (emitted by nginx's header writer from a flag)
    // and ours: each token exactly once.
    let r = nginx.send(&get("/gzip/data.txt", APP).header("Accept-Encoding", "gzip"));
    assert_eq!(r.get("Content-Encoding"), Some("gzip"), "{r:?}");
    let tokens = r.vary_tokens();
    for t in ["origin", "accept-encoding"] {
        assert_eq!(tokens.iter().filter(|x| *x == t).count(), 1, "{t} once in {tokens:?}");
    }
    // A static `*` answer does not depend on the origin.
    let r = nginx.send(&get("/star/data.txt", APP));
    assert!(r.all("Vary").is_empty(), "{r:?}");
}

#[test]
fn head_http10_keepalive() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let head = nginx.send(&Req::new("HEAD", "/data.txt").origin(APP));
    assert_eq!(
        (head.status, head.all("Access-Control-Allow-Origin")),
        (200, vec![APP]),
        "{head:?}"
    );

    let old = nginx.send(&get("/data.txt", APP).http10());
    assert_eq!((old.status, old.all("Access-Control-Allow-Origin")), (200, vec![APP]), "{old:?}");
    let old_pf = nginx.send(&pf("/data.txt", APP, "PUT").http10());
    assert_eq!(old_pf.status, 204, "{old_pf:?}");

    // One connection, alternating origins and kinds: no state leaks between requests.
    let mut conn = nginx.connect();
    let seq = [
        (get("/data.txt", APP).keep_alive(), 200, Some(APP)),
        (pf("/data.txt", "https://evil.example", "PUT").keep_alive(), 403, None),
        (pf("/data.txt", APP, "PUT").keep_alive(), 204, Some(APP)),
        (Req::get("/data.txt").keep_alive(), 200, None),
        (get("/star/data.txt", APP).keep_alive(), 200, Some("*")),
        (get("/data.txt", APP), 200, Some(APP)),
    ];
    for (i, (req, status, acao)) in seq.into_iter().enumerate() {
        let r = conn.send(&req);
        assert_eq!(r.status, status, "request {i}: {r:?}");
        assert_eq!(
            r.all("Access-Control-Allow-Origin"),
            acao.into_iter().collect::<Vec<_>>(),
            "request {i}"
        );
    }
}

#[test]
fn variables_in_access_log() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    nginx.send(&get("/data.txt", APP));
    nginx.send(&pf("/data.txt", "https://evil.example", "PUT"));
    nginx.send(&pf("/data.txt", APP, "PATCH"));
    nginx.send(&pf("/data.txt", APP, "PUT"));
    nginx.send(&Req::get("/data.txt"));
    nginx.send(&get("/off/data.txt", APP));
    nginx.send(&pf("/pass/x", APP, "PUT"));
    // nginx writes the log line after the response, so the last one may lag a little.
    let path = nginx.prefix.dir.path().join("logs/cors.log");
    let read = || std::fs::read_to_string(&path).unwrap_or_default();
    wait_for(|| read().lines().count() >= 7);
    let log = read();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
        [
            "GET /data.txt 200 decision=allowed reason= policy=exact",
            "OPTIONS /data.txt 403 decision=preflight-refused reason=origin-not-allowed policy=exact",
            "OPTIONS /data.txt 403 decision=preflight-refused reason=method-not-allowed policy=exact",
            "OPTIONS /data.txt 204 decision=preflight-allowed reason= policy=exact",
            "GET /data.txt 200 decision=not-cors reason= policy=exact",
            "GET /off/data.txt 200 decision= reason= policy=",
            "OPTIONS /pass/x 200 decision=preflight-passed reason= policy=passall",
        ]
    );
}

#[test]
fn internal_redirects_keep_the_headers() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let allowed = [H::Is("Access-Control-Allow-Origin", APP), H::Has("Vary", "Origin")];
    let cases = vec![
        case("try_files to a named location", get("/tf/missing", APP), 200, &allowed),
        case("try_files to a URI", get("/tfuri/missing", APP), 200, &allowed),
        case("error_page to a named location", get("/ep/missing", APP), 404, &allowed),
        case(
            "try_files fallback, refused origin",
            get("/tf/missing", "https://evil.example"),
            200,
            &NO_CORS,
        ),
        case(
            "error_page to a named location, refused origin",
            get("/ep/missing", "https://evil.example"),
            404,
            &NO_CORS,
        ),
    ];
    run(&nginx, cases);
    // The fallbacks really served the response, not the original location.
    assert_eq!(nginx.send(&get("/tf/missing", APP)).text(), "fallback\n");
    assert_eq!(nginx.send(&get("/tfuri/missing", APP)).text(), "data\n");
    assert_eq!(nginx.send(&get("/ep/missing", APP)).text(), "named 404\n");
}

#[test]
fn not_modified_carries_cors() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let first = nginx.send(&get("/data.txt", APP));
    let etag = first.get("ETag").unwrap_or_else(|| panic!("no ETag: {first:?}")).to_string();
    let r = nginx.send(&get("/data.txt", APP).header("If-None-Match", &etag));
    assert_eq!(r.status, 304, "{r:?}");
    assert_eq!(r.all("Access-Control-Allow-Origin"), [APP], "{r:?}");
    assert_eq!(r.vary_tokens(), ["origin"], "{r:?}");
    let refused =
        nginx.send(&get("/data.txt", "https://evil.example").header("If-None-Match", &etag));
    assert_eq!(refused.status, 304, "{refused:?}");
    assert!(refused.cors_headers().is_empty(), "{refused:?}");
}
