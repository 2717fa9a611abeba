//! Issue #16: at a location with a policy the module owns every response's
//! `Access-Control-*` headers — CORS request or not, any status, any content handler —
//! answers preflights whatever the location does (`return`, `if`, rewrite redirects),
//! keeps the request's decision on error pages served elsewhere (`error_page`,
//! `proxy_intercept_errors`, `recursive_error_pages`), and says why it refused in
//! `error_log`. Also issue #15 (3): any number of `Access-Control-Request-Headers`
//! lines.

use cors_tests::cases::{case, get, pf, run, H, NO_CORS};
use cors_tests::fastcgi::FastCgi;
use cors_tests::fixtures::APP;
use cors_tests::nginx::Setup;
use cors_tests::{require_nginx, wait_for, Nginx, Req};

const POLICIES: &str = r#"
policy api {
    origin https://app.example.com;
    methods GET POST PUT;
    headers Content-Type X-Request-ID;
    credentials on;
}

policy star {
    origin *;
    methods GET PUT;
    expose X-Request-ID;
}
"#;

const HTTP: &str = r#"
cors_policy_file policies.cors;

server {
    listen 127.0.0.1:{PORT2};
    location / {
        add_header Access-Control-Allow-Origin * always;
        add_header Access-Control-Allow-Credentials true always;
        return 200 "upstream\n";
    }
    location /e404 {
        add_header Access-Control-Allow-Origin * always;
        return 404 "upstream 404\n";
    }
}

server {
    listen 127.0.0.1:{PORT};
    root html;

    location /static/ {
        cors api;
        alias html/;
        add_header Access-Control-Allow-Origin * always;
        add_header Access-Control-Allow-Credentials true always;
    }
    location /proxy/ { cors api; proxy_pass http://127.0.0.1:{PORT2}/; }
    location /both/ {
        cors api;
        add_header Access-Control-Allow-Origin * always;
        proxy_pass http://127.0.0.1:{PORT2}/;
    }
    location /star/ { cors star; proxy_pass http://127.0.0.1:{PORT2}/; }

    location /ret/ { cors api; return 200 "ok\n"; }
    location /ret403/ { cors api; return 403; }
    location /if/ {
        cors api;
        if ($request_method = OPTIONS) { return 200 "if\n"; }
        alias html/;
    }
    location /redir/ { cors api; rewrite ^ /elsewhere redirect; }
    location /last/ { rewrite ^/last/(.*)$ /ret/$1 last; }
    location /tf/ { cors api; try_files /nothing @app; }
    location @app { return 200 "app\n"; }

    location /ep/ { cors api; error_page 403 404 /errors/404.json; alias html/; }
    location /ret404/ { cors api; error_page 404 /errors/404.json; return 404; }
    location /errors/ { internal; alias html/errors/; }
    location /ep-star/ { cors api; error_page 404 /star-errors/404.json; alias html/; }
    location /star-errors/ { internal; cors star; alias html/errors/; }
    location /ep-off/ { cors api; error_page 404 /off-errors/404.json; alias html/; }
    location /off-errors/ { internal; cors off; alias html/errors/; }
    location /intercept/ {
        cors api;
        proxy_intercept_errors on;
        error_page 404 /errors/404.json;
        proxy_pass http://127.0.0.1:{PORT2}/e404;
    }
    location /recursive/ {
        cors api;
        recursive_error_pages on;
        error_page 404 /again/x;
        alias html/;
    }
    location /again/ { internal; error_page 404 /errors/404.json; alias html/nothing/; }
    location /named/ { cors api; error_page 404 = @named; alias html/; }
    location @named { return 404 "named\n"; }
}
"#;

fn setup() -> Setup {
    Setup::new(HTTP)
        .file("policies.cors", POLICIES)
        .file("html/data.txt", "data\n")
        .file("html/errors/404.json", "{\"error\":\"not found\"}\n")
}

/// What an allowed `api` request carries.
const API_ALLOWED: [H; 2] =
    [H::Is("Access-Control-Allow-Origin", APP), H::Is("Access-Control-Allow-Credentials", "true")];

/// A request without `Origin`.
fn plain(path: &str) -> Req {
    Req::get(path)
}

#[test]
fn non_cors_responses_keep_no_foreign_cors_headers() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    let cases = vec![
        case("add_header, no Origin", plain("/static/data.txt"), 200, &NO_CORS),
        case("upstream, no Origin", plain("/proxy/x"), 200, &NO_CORS),
        case("upstream and add_header, no Origin", plain("/both/x"), 200, &NO_CORS),
        case("static 404, no Origin", plain("/static/missing"), 404, &NO_CORS),
        case("upstream 404 intercepted, no Origin", plain("/intercept/x"), 404, &NO_CORS),
        case("return, no Origin", plain("/ret/x"), 200, &NO_CORS),
        case(
            "refused origin on the upstream",
            get("/both/x", "https://evil.example"),
            200,
            &NO_CORS,
        ),
        case("allowed origin: the policy's headers only", get("/both/x", APP), 200, &API_ALLOWED),
    ];
    run(&nginx, cases);
    for path in ["/static/data.txt", "/proxy/x", "/both/x", "/static/missing", "/ret/x"] {
        let r = nginx.send(&plain(path));
        assert_eq!(r.vary_tokens(), ["origin"], "Vary: Origin on {path}: {r:?}");
    }
}

#[test]
fn fastcgi_responses_are_owned_like_any_other() {
    let env = require_nginx!();
    let fcgi = FastCgi::start();
    let http = r#"
cors_policy_file policies.cors;
server {
    listen 127.0.0.1:{PORT};
    location /fcgi/ {
        cors api;
        fastcgi_pass 127.0.0.1:{FCGI};
        fastcgi_param REQUEST_URI $request_uri;
    }
    location /fcgi-intercept/ {
        cors api;
        fastcgi_pass 127.0.0.1:{FCGI};
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_intercept_errors on;
        error_page 404 /errors/404.json;
    }
    location /errors/ { internal; alias html/errors/; }
}
"#
    .replace("{FCGI}", &fcgi.port.to_string());
    let nginx = Nginx::start(&env, &Setup { http, ..setup() });
    let cases = vec![
        case("no Origin", plain("/fcgi/x"), 200, &NO_CORS),
        case("allowed origin: the policy's headers only", get("/fcgi/x", APP), 200, &API_ALLOWED),
        case("refused origin", get("/fcgi/x", "https://evil.example"), 200, &NO_CORS),
        case("FastCGI 404", get("/fcgi/404", APP), 404, &API_ALLOWED),
        case("preflight: the policy answers", pf("/fcgi/x", APP, "PUT"), 204, &API_ALLOWED),
        case("refused preflight", pf("/fcgi/x", APP, "DELETE"), 403, &NO_CORS),
        case("intercepted 404", get("/fcgi-intercept/404", APP), 404, &API_ALLOWED),
    ];
    run(&nginx, cases);
    let r = nginx.send(&get("/fcgi/x", APP));
    assert_eq!(r.text(), "fastcgi\n", "the FastCGI responder answered: {r:?}");
    assert_eq!(r.vary_tokens(), ["origin"], "{r:?}");
    let r = nginx.send(&get("/fcgi-intercept/404", APP));
    assert_eq!(r.text(), "{\"error\":\"not found\"}\n", "the error page was served: {r:?}");
}

#[test]
fn an_origin_star_policy_sends_its_static_answer_to_everyone() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    // Fetch's advice for caches: the same `*` answer with or without `Origin`, and no
    // `Vary: Origin` — one cached response is right for every origin.
    // A malformed `Origin` (two lines, or over 2,048 bytes) gets it too: without it, a
    // cache that ignores `Vary` would store a response no page can read and serve it to
    // everyone.
    let long = format!("https://{}.example", "a".repeat(3000));
    let requests = [
        plain("/star/x"),
        get("/star/x", APP),
        get("/star/x", "https://other.example"),
        get("/star/x", APP).header("Origin", "https://other.example"),
        get("/star/x", &long),
    ];
    for req in requests {
        let r = nginx.send(&req);
        assert_eq!(r.all("Access-Control-Allow-Origin"), ["*"], "{req:?}\n{r:?}");
        assert_eq!(r.all("Access-Control-Expose-Headers"), ["X-Request-ID"], "{r:?}");
        assert!(r.all("Access-Control-Allow-Credentials").is_empty(), "{r:?}");
        assert!(!r.vary_tokens().contains(&"origin".to_string()), "{r:?}");
    }
}

#[test]
fn preflights_are_the_policys_whatever_the_location_does() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    let evil = "https://evil.example";
    let cases = vec![
        case("return 200: allowed preflight", pf("/ret/x", APP, "PUT"), 204, &API_ALLOWED),
        case("return 200: refused preflight", pf("/ret/x", APP, "DELETE"), 403, &NO_CORS),
        case("return 200: refused origin", pf("/ret/x", evil, "PUT"), 403, &NO_CORS),
        case("return 403: allowed preflight", pf("/ret403/x", APP, "PUT"), 204, &API_ALLOWED),
        case("if + return: allowed preflight", pf("/if/data.txt", APP, "PUT"), 204, &API_ALLOWED),
        case("if + return: refused preflight", pf("/if/data.txt", evil, "PUT"), 403, &NO_CORS),
        case("rewrite redirect: allowed preflight", pf("/redir/x", APP, "PUT"), 204, &API_ALLOWED),
        case("rewrite … last into a return", pf("/last/x", APP, "PUT"), 204, &API_ALLOWED),
        case("try_files to a named location", pf("/tf/x", APP, "PUT"), 204, &API_ALLOWED),
        case("try_files: actual request carried", get("/tf/x", APP), 200, &API_ALLOWED),
        case("return: actual request keeps its answer", get("/ret/x", APP), 200, &API_ALLOWED),
        case("return 403: actual request", get("/ret403/x", APP), 403, &API_ALLOWED),
        case(
            "OPTIONS without Origin still reaches return",
            Req::new("OPTIONS", "/ret/x"),
            200,
            &NO_CORS,
        ),
    ];
    run(&nginx, cases);
    // The policy's answer has no body and none of the `return`'s or redirect's headers.
    for path in ["/ret/x", "/redir/x", "/ret403/x"] {
        let r = nginx.send(&pf(path, APP, "PUT"));
        assert!(r.body.is_empty(), "{path}: {r:?}");
        assert!(r.get("Location").is_none() && r.get("Content-Type").is_none(), "{path}: {r:?}");
    }
    let r = nginx.send(&pf("/ret/x", APP, "DELETE"));
    assert!(r.body.is_empty(), "refused: {r:?}");
    assert_eq!(r.get("Content-Length"), Some("0"), "{r:?}");
    // A plain GET still gets the `return`'s body.
    assert_eq!(nginx.send(&get("/ret/x", APP)).text(), "ok\n");
}

#[test]
fn error_pages_keep_the_answer_of_the_request() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    let star = [H::Is("Access-Control-Allow-Origin", "*")];
    let cases = vec![
        case("static 404 into an internal location", get("/ep/missing", APP), 404, &API_ALLOWED),
        case(
            "static 404, refused origin",
            get("/ep/missing", "https://evil.example"),
            404,
            &NO_CORS,
        ),
        case("return 404 into an internal location", get("/ret404/x", APP), 404, &API_ALLOWED),
        case(
            "return 404, preflight: the policy answers",
            pf("/ret404/x", APP, "PUT"),
            204,
            &API_ALLOWED,
        ),
        case(
            "refused preflight stays refused on its error page",
            pf("/ep/x", APP, "DELETE"),
            403,
            &NO_CORS,
        ),
        case("allowed preflight is still answered", pf("/ep/x", APP, "PUT"), 204, &API_ALLOWED),
        case(
            "an error location with its own policy decides",
            get("/ep-star/missing", APP),
            404,
            &star,
        ),
        case("an error location with cors off decides", get("/ep-off/missing", APP), 404, &NO_CORS),
        case("proxy_intercept_errors", get("/intercept/x", APP), 404, &API_ALLOWED),
        case("recursive_error_pages", get("/recursive/missing", APP), 404, &API_ALLOWED),
        case("error_page to a named location", get("/named/missing", APP), 404, &API_ALLOWED),
    ];
    run(&nginx, cases);
    let r = nginx.send(&get("/ep/missing", APP));
    assert_eq!(r.text(), "{\"error\":\"not found\"}\n", "the error page was served: {r:?}");
    assert_eq!(r.vary_tokens(), ["origin"], "{r:?}");
    let r = nginx.send(&get("/intercept/x", APP));
    assert_eq!(r.text(), "{\"error\":\"not found\"}\n", "{r:?}");
    let r = nginx.send(&pf("/ep/x", APP, "DELETE"));
    assert_eq!(r.text(), "{\"error\":\"not found\"}\n", "error_page 403 applies to a refusal");
}

#[test]
fn cors_off_is_carried_to_an_error_page_that_inherits_a_policy() {
    let env = require_nginx!();
    let http = r#"
cors_policy_file policies.cors;
server {
    listen 127.0.0.1:{PORT};
    root html;
    cors api;
    location /off/ { cors off; error_page 404 /errors/404.json; alias html/; }
    location /errors/ { internal; alias html/errors/; }
}
"#;
    let nginx = Nginx::start(&env, &Setup { http: http.into(), ..setup() });
    let r = nginx.send(&get("/off/missing", APP));
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.text(), "{\"error\":\"not found\"}\n", "{r:?}");
    assert!(r.cors_headers().is_empty(), "`cors off` is the request's answer: {r:?}");
    assert!(r.vary_tokens().is_empty(), "{r:?}");
}

#[test]
fn refusals_say_why_in_error_log() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    let sent = [
        pf("/ep/x", APP, "DELETE"),
        pf("/ep/x", APP, "PUT").header("Access-Control-Request-Headers", "x-evil\u{1}\"q"),
        pf("/ep/x", APP, "PUT").header("Access-Control-Request-Headers", "X-Other"),
        get("/proxy/x", "https://evil.example\"\\"),
    ];
    for req in &sent {
        let r = nginx.send(req);
        assert!(r.cors_headers().is_empty(), "{req:?}: {r:?}");
    }
    let expected = [
        "[info]",
        r#"cors preflight refused by policy "api" (method-not-allowed): method "DELETE" not allowed by rule 1 at "#,
        r#"cors preflight refused by policy "api" (header-not-allowed): header "X-Other" not allowed by rule 1 at "#,
        r#"cors preflight refused by policy "api" (malformed-request-headers): malformed Access-Control-Request-Headers "x-evil\x01\"q", origin "https://app.example.com""#,
        r#"cors request refused by policy "api" (origin-not-allowed): origin "https://evil.example\"\\" not allowed"#,
        // nginx appends what it was doing and the request, as to its own lines.
        r#"client: 127.0.0.1, server: , request: "GET /proxy/x HTTP/1.1""#,
        r#"request: "OPTIONS /ep/x HTTP/1.1""#,
    ];
    assert!(
        wait_for(|| expected.iter().all(|e| nginx.prefix.error_log().contains(e))),
        "expected {expected:#?} in\n{}",
        nginx.prefix.error_log()
    );
    // Allowed decisions only at debug.
    assert!(!nginx.prefix.error_log().contains("cors preflight-allowed"));
}

/// A refusal is written to `error_log` once, also when the access log reads `$cors_*`:
/// the variables decide again when nothing was stored (a refused preflight, a request
/// the header filter decided), and do not log it a second time.
#[test]
fn a_refusal_is_logged_once_when_the_access_log_reads_the_variables() {
    let env = require_nginx!();
    let http = HTTP
        .replace(
            "cors_policy_file policies.cors;",
            "cors_policy_file policies.cors;\n\
             log_format cors '$request_uri $cors_decision $cors_reason';",
        )
        .replace(
            "    listen 127.0.0.1:{PORT};\n",
            "    listen 127.0.0.1:{PORT};\n    access_log logs/cors.log cors;\n",
        );
    let nginx = Nginx::start(&env, &Setup { http, ..setup() });
    let sent = [
        // Refused by the preflight handler, then an error page.
        (
            pf("/ep/x", APP, "DELETE"),
            "/ep/x preflight-refused method-not-allowed",
            "method \"DELETE\"",
        ),
        // Answered by `return` first: the header filter decides.
        (
            pf("/ret/x", APP, "PATCH"),
            "/ret/x preflight-refused method-not-allowed",
            "method \"PATCH\"",
        ),
        // An actual request: the header filter decides.
        (
            get("/proxy/x", "https://evil.example"),
            "/proxy/x refused origin-not-allowed",
            "origin \"https://evil.example\"",
        ),
    ];
    for (req, _, _) in &sent {
        let r = nginx.send(req);
        assert!(r.cors_headers().is_empty(), "{req:?}: {r:?}");
    }
    let access = || {
        std::fs::read_to_string(nginx.prefix.dir.path().join("logs/cors.log")).unwrap_or_default()
    };
    assert!(
        wait_for(|| sent.iter().all(|(_, line, _)| access().contains(line))),
        "the access log read the variables: {}",
        access()
    );
    let log = nginx.prefix.error_log();
    for (req, _, value) in &sent {
        let lines = log
            .lines()
            .filter(|l| l.contains("cors") && l.contains("refused") && l.contains(value));
        assert_eq!(lines.count(), 1, "{req:?}: one line for {value} in\n{log}");
    }
}

#[test]
fn every_decision_is_logged_at_debug() {
    let env = require_nginx!();
    let http =
        HTTP.replace("cors_policy_file", "error_log logs/error.log debug;\ncors_policy_file");
    let nginx = Nginx::start(&env, &Setup { http, ..setup() });
    let r = nginx.send(&pf("/proxy/x", APP, "PUT"));
    assert_eq!(r.status, 204);
    let _ = nginx.send(&plain("/proxy/x"));
    let expected = [
        r#"[debug] "#,
        r#"cors preflight-allowed by policy "api": rule 1 at "#,
        r#"policies.cors:3:5, origin "https://app.example.com""#,
        // nginx adds no client/request context to debug lines.
        r#"cors not-cors by policy "api""#,
    ];
    assert!(
        wait_for(|| expected.iter().all(|e| nginx.prefix.error_log().contains(e))),
        "expected {expected:#?} in\n{}",
        nginx.prefix.error_log()
    );
}

#[test]
fn any_number_of_request_headers_lines() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup());
    let lines = |n: usize, value: &str| {
        (0..n).fold(pf("/proxy/x", APP, "PUT"), |req, _| {
            req.header("Access-Control-Request-Headers", value)
        })
    };
    for n in [1, 8, 9, 10, 40] {
        let r = nginx.send(&lines(n, "content-type"));
        assert_eq!(r.status, 204, "{n} lines: {r:?}");
        assert_eq!(r.all("Access-Control-Allow-Origin"), [APP], "{n} lines: {r:?}");
    }
    // Every line is read: a refused name on the 40th line refuses the preflight.
    let r = nginx.send(&lines(39, "content-type").header("Access-Control-Request-Headers", "x-no"));
    assert_eq!(r.status, 403, "{r:?}");
    // Many lines that are long together: refused as too long, not cut.
    let long = vec!["x-request-id"; 60].join(",");
    let r = nginx.send(&lines(12, &long));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(
        wait_for(|| nginx.prefix.error_log().contains("(request-headers-too-long)")),
        "{}",
        nginx.prefix.error_log()
    );
}
