//! What the module decides, seen through a real nginx: every origin form, methods,
//! request headers, credentials, `max-age`, `expose`, private network access, and how
//! the CORS request headers are found (any case, exact names only).
//!
//! Each test runs a case table (`cors_tests::cases`) against one nginx started from
//! `cors_tests::fixtures`.

use cors_tests::cases::{case, get, leak, pf, run, Case, H, NO_CORS};
use cors_tests::fixtures::{extra_setup, main_setup, APP};
use cors_tests::{require_nginx, Nginx, Req};

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
        ("/anyport/data.txt", "http://localhost:65535", "http://localhost:65536"),
        ("/subanyport/data.txt", "https://a.b.example.com:8443", "https://example.com:8443"),
        ("/subanyport/data.txt", "https://a.example.com", "https://a.example.com:65536"),
        ("/subanyport/data.txt", "https://a.example.com:3000", "http://a.example.com:3000"),
        (
            "/regex/data.txt",
            "https://pr-12.preview.example.dev",
            "https://pr-12.preview.example.dev.evil.com",
        ),
        ("/null/data.txt", "null", APP),
        ("/file/data.txt", "file://", "null"),
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

/// A preflight from [`APP`] whose `Access-Control-Request-Headers` comes as `lines`.
fn pf_lines(path: &str, method: &str, lines: &[&str]) -> Req {
    lines
        .iter()
        .fold(pf(path, APP, method), |req, line| req.header("Access-Control-Request-Headers", line))
}

#[test]
fn methods_headers_credentials_max_age_expose() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let cases = vec![
        case(
            "preflight with everything",
            pf_lines("/data.txt", "DELETE", &["content-type", " X-Request-ID ,"]),
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
            pf_lines("/data.txt", "PUT", &["content-type", "x-evil"]),
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
fn private_network_access() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &extra_setup());
    let pna =
        |path: &str| pf(path, APP, "PUT").header("Access-Control-Request-Private-Network", "true");
    let cases = vec![
        case(
            "private-network on: allowed",
            pna("/pna/data.txt"),
            204,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::Is("Access-Control-Allow-Private-Network", "true"),
            ],
        ),
        case(
            "private-network on, not requested: no PNA header",
            pf("/pna/data.txt", APP, "PUT"),
            204,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::No("Access-Control-Allow-Private-Network"),
            ],
        ),
        case(
            "private-network off: refused",
            pna("/data.txt"),
            403,
            &[&NO_CORS[..], &[H::No("Access-Control-Allow-Private-Network")]].concat(),
        ),
        case(
            "private-network off, not requested: allowed",
            pf("/data.txt", APP, "PUT"),
            204,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
        case(
            "not a preflight: no PNA header",
            get("/pna/data.txt", APP).header("Access-Control-Request-Private-Network", "true"),
            200,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::No("Access-Control-Allow-Private-Network"),
            ],
        ),
    ];
    run(&nginx, cases);
}

#[test]
fn request_header_names_match_in_any_case_and_only_exactly() {
    // The module finds the CORS request headers by nginx's own hash of the lower-cased
    // name, confirmed by the lower-cased name itself: any spelling counts, and a name
    // of the same length that is not one of them never does.
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let odd_case = Req::new("OPTIONS", "/data.txt")
        .header("ORIGIN", APP)
        .header("access-control-REQUEST-method", "PUT")
        .header("Access-Control-Request-HEADERS", "x-request-id");
    let lookalikes = Req::new("OPTIONS", "/data.txt")
        .header("Origim", APP)
        .header("Access-Control-Request-Methox", "PUT");
    let cases = vec![
        case(
            "odd-case preflight",
            odd_case,
            204,
            &[
                H::Is("Access-Control-Allow-Origin", APP),
                H::Is("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"),
            ],
        ),
        case(
            "odd-case actual",
            Req::get("/data.txt").header("oRiGiN", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", APP)],
        ),
        // Not a preflight: the static handler answers `OPTIONS` itself.
        case("same-length lookalike names: not CORS", lookalikes, 405, &NO_CORS),
    ];
    run(&nginx, cases);
}
