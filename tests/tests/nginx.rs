//! `ngx_http_cors_module` in a real nginx: requests in, response headers out.
//!
//! Most behaviour is checked table-driven against one nginx started with
//! [`main_setup`]: each case is a request and the status and headers expected back.
//! Tests that need their own configuration (reloads, `nginx -t` errors, rate limits)
//! start their own nginx.

use cors_tests::{require_nginx, Nginx, Prefix, Req, Response, Setup};

const POLICIES: &str = r#"
policy exact {
    origin https://app.example.com;
    methods GET POST PUT DELETE;
    headers Content-Type X-Request-ID;
    expose X-Request-ID;
    credentials on;
    max-age 2h;
}

policy star {
    origin *;
    methods GET HEAD PUT;
    max-age 1d;
}

policy sub {
    origin https://*.example.com;
    methods PUT;
}

policy anyport {
    origin http://localhost:*;
    methods PUT;
}

policy regex {
    origin ~ "https://pr-[0-9]+\.preview\.example\.dev";
    methods PUT;
}

policy nullorigin {
    origin null;
    methods PUT;
}

policy passall {
    origin https://app.example.com;
    preflight pass;
}

policy passrefused {
    origin https://app.example.com;
    methods PUT;
    preflight-refused pass;
}

policy ok200 {
    origin https://app.example.com;
    methods PUT;
    preflight-status 200;
}
"#;

/// The server under test (`{PORT}`) and an upstream (`{PORT2}`) that sets its own CORS
/// headers and a `Vary`, as applications do.
const HTTP: &str = r#"
cors_policy_file policies.cors;
log_format cors '$request_method $uri $status decision=$cors_decision reason=$cors_reason policy=$cors_policy';
limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;

server {
    listen 127.0.0.1:{PORT2};
    location / {
        add_header Access-Control-Allow-Origin https://upstream.example always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Vary Accept-Encoding always;
        return 200 "upstream $request_method\n";
    }
}

server {
    listen 127.0.0.1:{PORT};
    root html;
    access_log logs/cors.log cors;
    cors exact;

    location / { }
    location /star/ { cors star; alias html/; }
    location /sub/ { cors sub; alias html/; }
    location /anyport/ { cors anyport; alias html/; }
    location /regex/ { cors regex; alias html/; }
    location /null/ { cors nullorigin; alias html/; }
    location /ok200/ { cors ok200; alias html/; }
    location /off/ {
        cors off;
        alias html/;
        location /off/on/ { cors star; alias html/; }
    }
    location /nested/ {
        alias html/;
        location /nested/off/ { cors off; alias html/; }
    }
    location /auth/ { auth_basic "private"; auth_basic_user_file htpasswd; alias html/; }
    location /deny/ { deny all; alias html/; }
    location /authreq/ { auth_request /authcheck; alias html/; }
    location = /authcheck { internal; return 401; }
    location /limited/ { limit_req zone=one nodelay; alias html/; }
    location /proxy/ { proxy_pass http://127.0.0.1:{PORT2}/; }
    location /pass/ { cors passall; proxy_pass http://127.0.0.1:{PORT2}/; }
    location /passrefused/ { cors passrefused; proxy_pass http://127.0.0.1:{PORT2}/; }
    location /badgw/ { proxy_pass http://127.0.0.1:9/; }
    location /addheader/ {
        add_header Access-Control-Allow-Origin https://other.example always;
        add_header Vary Accept-Encoding always;
        alias html/;
    }
    location /errpage/ { error_page 404 /errors/404.html; alias html/; }
    location /errors/ { alias html/errors/; }
    location /gzip/ {
        gzip on; gzip_vary on; gzip_min_length 1; gzip_types text/plain;
        alias html/;
    }
}
"#;

fn main_setup() -> Setup {
    Setup::new(HTTP)
        .file("policies.cors", POLICIES)
        .file("html/data.txt", "data\n")
        .file("html/index.html", "index\n")
        .file("html/errors/404.html", "not here\n")
        .file("htpasswd", "user:$apr1$invalid$invalidinvalidinvalid0\n")
}

/// What a case expects of one header.
#[derive(Debug, Clone, Copy)]
enum H {
    /// Exactly one line with this value.
    Is(&'static str, &'static str),
    /// Exactly one line containing this text.
    Has(&'static str, &'static str),
    /// No such header.
    No(&'static str),
}

const APP: &str = "https://app.example.com";
const NO_CORS: [H; 4] = [
    H::No("Access-Control-Allow-Origin"),
    H::No("Access-Control-Allow-Methods"),
    H::No("Access-Control-Allow-Credentials"),
    H::No("Access-Control-Expose-Headers"),
];

struct Case {
    name: &'static str,
    req: Req,
    status: u16,
    expect: Vec<H>,
}

fn case(name: &'static str, req: Req, status: u16, expect: &[H]) -> Case {
    Case { name, req, status, expect: expect.to_vec() }
}

fn check(name: &str, resp: &Response, status: u16, expect: &[H]) -> Vec<String> {
    let mut failures = Vec::new();
    if resp.status != status {
        failures.push(format!("{name}: status {} instead of {status}", resp.status));
    }
    for h in expect {
        let (header, ok) = match *h {
            H::Is(n, v) => (n, resp.all(n) == [v]),
            H::Has(n, v) => (n, matches!(resp.all(n)[..], [one] if one.contains(v))),
            H::No(n) => (n, resp.all(n).is_empty()),
        };
        if !ok {
            failures.push(format!("{name}: expected {h:?}, got {header}: {:?}", resp.all(header)));
        }
    }
    failures
}

fn run(nginx: &Nginx, cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in cases {
        let resp = nginx.send(&c.req);
        let f = check(c.name, &resp, c.status, &c.expect);
        if !f.is_empty() {
            failures.push(format!(
                "{}\n  request: {:?}\n  response: {:?}",
                f.join("\n"),
                c.req,
                resp.headers
            ));
        }
    }
    assert!(failures.is_empty(), "{} failing case(s):\n{}", failures.len(), failures.join("\n\n"));
}

fn pf(path: &str, origin: &str, method: &str) -> Req {
    Req::preflight(path, origin, method)
}

fn get(path: &str, origin: &str) -> Req {
    Req::get(path).origin(origin)
}

#[test]
fn origin_forms_simple_and_preflight() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    // For each origin form: an allowed and a refused origin, as an actual request and
    // as a preflight.
    let forms: &[(&str, &str, &str)] = &[
        ("/data.txt", APP, "https://app.example.com.evil.net"),
        ("/star/data.txt", "https://anyone.example.org", ""),
        ("/sub/data.txt", "https://a.b.example.com", "https://example.com"),
        ("/anyport/data.txt", "http://localhost:5173", "https://localhost:5173"),
        (
            "/regex/data.txt",
            "https://pr-12.preview.example.dev",
            "https://pr-12.preview.example.dev.evil.com",
        ),
        ("/null/data.txt", "null", APP),
    ];
    let mut cases = Vec::new();
    for &(path, good, bad) in forms {
        let allow_origin = if path.starts_with("/star/") { "*" } else { good };
        cases.push(Case {
            name: "actual allowed",
            req: get(path, good),
            status: 200,
            expect: vec![H::Is("Access-Control-Allow-Origin", leak(allow_origin))],
        });
        cases.push(Case {
            name: "preflight allowed",
            req: pf(path, good, "PUT"),
            status: 204,
            expect: vec![
                H::Is("Access-Control-Allow-Origin", leak(allow_origin)),
                H::Has("Access-Control-Allow-Methods", "PUT"),
                H::No("Content-Type"),
            ],
        });
        if !bad.is_empty() {
            cases.push(case("actual refused", get(path, bad), 200, &NO_CORS));
            cases.push(Case {
                name: "preflight refused",
                req: pf(path, bad, "PUT"),
                status: 403,
                expect: [&NO_CORS[..], &[H::Has("Vary", "Origin")]].concat(),
            });
        }
    }
    run(&nginx, cases);
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

#[test]
fn methods_headers_credentials_max_age_expose() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let cases = vec![
        case(
            "preflight with everything",
            pf("/data.txt", APP, "DELETE")
                .header("Access-Control-Request-Headers", "content-type")
                .header("Access-Control-Request-Headers", " X-Request-ID ,"),
            204,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::Is("Access-Control-Allow-Credentials", "true"),
                H::Has("Access-Control-Allow-Methods", "DELETE"),
                H::Has("Access-Control-Allow-Headers", "X-Request-ID"),
                H::Is("Access-Control-Max-Age", "7200"),
                H::No("Access-Control-Expose-Headers"),
                H::Has("Vary", "Origin"),
            ],
        ),
        case(
            "header on the second line not allowed",
            pf("/data.txt", APP, "PUT")
                .header("Access-Control-Request-Headers", "content-type")
                .header("Access-Control-Request-Headers", "x-evil"),
            403,
            &NO_CORS,
        ),
        case("method not allowed", pf("/data.txt", APP, "PATCH"), 403, &NO_CORS),
        case("methods are case-sensitive", pf("/data.txt", APP, "put"), 403, &NO_CORS),
        case(
            "actual request: credentials and expose, no preflight headers",
            get("/data.txt", APP),
            200,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::Is("Access-Control-Allow-Credentials", "true"),
                H::Is("Access-Control-Expose-Headers", "X-Request-ID"),
                H::No("Access-Control-Allow-Methods"),
                H::No("Access-Control-Max-Age"),
                H::Is("Vary", "Origin"),
            ],
        ),
        case(
            "star: no credentials",
            pf("/star/data.txt", APP, "PUT"),
            204,
            &[H::Is("Access-Control-Allow-Origin", "*"), H::No("Access-Control-Allow-Credentials")],
        ),
        case(
            "preflight-status 200",
            pf("/ok200/data.txt", APP, "PUT"),
            200,
            &[H::Is("Access-Control-Allow-Origin", APP), H::Is("Content-Length", "0")],
        ),
        case("two Origin lines are refused", get("/data.txt", APP).origin(APP), 200, &NO_CORS),
        case(
            "no Origin: not CORS, Vary only",
            Req::get("/data.txt"),
            200,
            &[H::No("Access-Control-Allow-Origin"), H::Is("Vary", "Origin")],
        ),
    ];
    run(&nginx, cases);
}

#[test]
fn options_without_request_method_reaches_the_content_handler() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let resp = nginx.send(&Req::new("OPTIONS", "/proxy/x").origin(APP));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "upstream OPTIONS\n", "{resp:?}");
    // An actual request under `exact`: our headers replace the upstream's.
    assert_eq!(resp.all("Access-Control-Allow-Origin"), [APP]);
}

#[test]
fn off_nested_and_inheritance() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let cases = vec![
        case(
            "server level inherited by location /",
            get("/data.txt", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
        case(
            "cors off",
            get("/off/data.txt", APP),
            200,
            &[H::No("Access-Control-Allow-Origin"), H::No("Vary")],
        ),
        case("cors off: preflight untouched", pf("/off/data.txt", APP, "PUT"), 405, &NO_CORS),
        case(
            "policy inside an off location",
            get("/off/on/data.txt", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", "*")],
        ),
        case(
            "inherited into a nested location",
            get("/nested/data.txt", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
        case(
            "cors off in a nested location",
            get("/nested/off/data.txt", APP),
            200,
            &[H::No("Access-Control-Allow-Origin")],
        ),
    ];
    run(&nginx, cases);
}

#[test]
fn inheritance_http_server_location() {
    let env = require_nginx!();
    let http = r#"
cors_policy_file policies.cors;
cors star;
server {
    listen 127.0.0.1:{PORT};
    root html;
    location / { }
    location /exact/ { cors exact; alias html/; }
}
server {
    listen 127.0.0.1:{PORT2};
    root html;
    cors exact;
    location / { }
    location /off/ { cors off; alias html/; }
}
"#;
    let setup = Setup::new(http).file("policies.cors", POLICIES).file("html/data.txt", "data\n");
    let nginx = Nginx::start(&env, &setup);
    let r = nginx.send(&get("/data.txt", APP));
    assert_eq!(r.all("Access-Control-Allow-Origin"), ["*"], "http level: {r:?}");
    let r = nginx.send(&get("/exact/data.txt", APP));
    assert_eq!(r.all("Access-Control-Allow-Origin"), [APP], "location level: {r:?}");
    let other = cors_tests::Conn::open(nginx.prefix.port2).send(&get("/data.txt", APP));
    assert_eq!(other.all("Access-Control-Allow-Origin"), [APP], "server level: {other:?}");
    let off = cors_tests::Conn::open(nginx.prefix.port2).send(&get("/off/data.txt", APP));
    assert!(off.cors_headers().is_empty(), "off under a server policy: {off:?}");
}

#[test]
fn preflight_before_access_checks_and_limits() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let allowed = [H::Is("Access-Control-Allow-Origin", APP)];
    let cases = vec![
        case("auth_basic: preflight answered", pf("/auth/data.txt", APP, "PUT"), 204, &allowed),
        case("auth_basic: 401 carries CORS", get("/auth/data.txt", APP), 401, &allowed),
        case(
            "auth_request: preflight answered",
            pf("/authreq/data.txt", APP, "PUT"),
            204,
            &allowed,
        ),
        case("auth_request: 401 carries CORS", get("/authreq/data.txt", APP), 401, &allowed),
        case("deny all: preflight answered", pf("/deny/data.txt", APP, "PUT"), 204, &allowed),
        case("deny all: 403 carries CORS", get("/deny/data.txt", APP), 403, &allowed),
        case("404 carries CORS", get("/missing.txt", APP), 404, &allowed),
        case("502 carries CORS", get("/badgw/x", APP), 502, &allowed),
        case("error_page target carries CORS", get("/errpage/missing.txt", APP), 404, &allowed),
        case(
            "refused origin on a 404: nothing",
            get("/missing.txt", "https://evil.example"),
            404,
            &NO_CORS,
        ),
    ];
    run(&nginx, cases);
    // limit_req allows one request a minute: preflights are answered before it.
    for i in 0..3 {
        let r = nginx.send(&pf("/limited/data.txt", APP, "PUT"));
        assert_eq!(r.status, 204, "preflight {i} under limit_req: {r:?}");
    }
    let first = nginx.send(&get("/limited/data.txt", APP));
    let second = nginx.send(&get("/limited/data.txt", APP));
    assert_eq!((first.status, second.status), (200, 503), "{first:?}\n{second:?}");
    assert_eq!(second.all("Access-Control-Allow-Origin"), [APP], "503 carries CORS: {second:?}");
    let body = nginx.send(&get("/errpage/missing.txt", APP));
    assert_eq!(body.text(), "not here\n", "the error_page target was served");
}

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

/// `nginx -t` output with the temporary prefix redacted.
fn nginx_t(http: &str, files: &[(&str, &str)]) -> Option<(bool, String)> {
    let env = cors_tests::env()?;
    let mut setup = Setup::new(http);
    for (p, c) in files {
        setup = setup.file(p, c);
    }
    let prefix = Prefix::new(&env, &setup);
    Some(prefix.check())
}

/// Keeps only our lines and the verdict: nginx versions differ in the rest.
fn our_lines(out: &str) -> String {
    out.lines()
        .filter(|l| l.contains("[emerg]") || l.contains("[warn]") || l.contains("test failed"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn nginx_t_broken_policy() {
    let broken = "policy api {\n    origin https://app.example.com/;\n    methods GET;\n}\n";
    let http = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", broken)]) else { return };
    assert!(!ok, "{out}");
    assert!(out.contains("CORS004"), "{out}");
    insta::assert_snapshot!(our_lines(&out));
}

#[test]
fn nginx_t_unknown_policy() {
    let http = "cors_policy_file policies.cors;\nserver {\n    listen 127.0.0.1:{PORT};\n    cors nope;\n}";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", POLICIES)]) else { return };
    assert!(!ok, "{out}");
    insta::assert_snapshot!(our_lines(&out));
}

/// `(path, contents)` of the files a case writes under the prefix.
type Files<'a> = &'a [(&'a str, &'a str)];

#[test]
fn nginx_t_config_rejections() {
    // (nginx.conf http body, policy files, expected text in the [emerg] line)
    let dup_a = "policy api { origin https://a.example; }\n";
    let dup_b = "policy api { origin https://b.example; }\n";
    let table: &[(&str, Files, &str)] = &[
        (
            "cors_policy_file a.cors;\ncors_policy_file b.cors;",
            &[("a.cors", dup_a), ("b.cors", dup_b)],
            "policy \"api\" is already defined in \"[PREFIX]/a.cors\"",
        ),
        (
            "cors_policy_file missing.cors;",
            &[],
            "cors_policy_file \"[PREFIX]/missing.cors\": cannot read",
        ),
        (
            "cors api;\ncors_policy_file a.cors;",
            &[("a.cors", dup_a)],
            "unknown cors policy \"api\"",
        ),
        (
            "cors_policy_file a.cors;\ncors api;\ncors off;",
            &[("a.cors", dup_a)],
            "\"cors\" directive is duplicate",
        ),
        ("cors_policy_file t.corsb;", &[("t.corsb", "CORSB\0\r\ngarbage")], "rule table"),
    ];
    for (http, files, expected) in table {
        let Some((ok, out)) = nginx_t(http, files) else { return };
        assert!(!ok, "accepted:\n{http}\n{out}");
        assert!(out.contains(expected), "for\n{http}\nexpected {expected:?} in:\n{out}");
    }
    // Two files with different names are fine.
    let b2 = "policy other { origin https://b.example; }\n";
    let Some((ok, out)) = nginx_t(
        "cors_policy_file a.cors;\ncors_policy_file b.cors;\ncors other;",
        &[("a.cors", dup_a), ("b.cors", b2)],
    ) else {
        return;
    };
    assert!(ok, "{out}");
}

#[test]
fn reload_keeps_old_policy_on_error() {
    let env = require_nginx!();
    let v1 = "policy api { origin https://one.example; }\n";
    let v2 = "policy api { origin https://two.example; }\n";
    let broken = "policy api { origin https://three.example/; }\n";
    let http =
        "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; root html; cors api; }";
    let setup = Setup::new(http).file("policies.cors", v1).file("html/data.txt", "data\n").master();
    let nginx = Nginx::start(&env, &setup);
    let acao = |origin: &str| {
        nginx.send(&get("/data.txt", origin)).all("Access-Control-Allow-Origin").join(",")
    };
    assert_eq!(acao("https://one.example"), "https://one.example");

    nginx.prefix.write("policies.cors", v2);
    nginx.reload();
    let served = wait_for(|| acao("https://two.example") == "https://two.example");
    assert!(served, "new policy not served after reload:\n{}", nginx.prefix.error_log());
    // Old workers may accept a last connection or two while they shut down.
    let gone = wait_for(|| acao("https://one.example").is_empty());
    assert!(gone, "old origin still allowed after reload");

    nginx.prefix.write("policies.cors", broken);
    nginx.reload();
    let logged = wait_for(|| nginx.prefix.error_log().contains("CORS004"));
    assert!(logged, "no emerg for the broken policy:\n{}", nginx.prefix.error_log());
    assert_eq!(acao("https://two.example"), "https://two.example", "old policy must stay");
    assert!(nginx.prefix.error_log().contains("[emerg]"));
}

fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}
