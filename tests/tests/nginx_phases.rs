//! Where the module runs among nginx's request phases: preflights are answered after
//! `rewrite … last` (the final location's policy applies) and before every access
//! check or limit (`auth_basic`, `auth_request`, `deny`, `limit_req`), while an
//! `OPTIONS` that is not a preflight goes on to the content handler.

use cors_tests::cases::{case, get, pf, run, H, NO_CORS};
use cors_tests::fixtures::{main_setup, APP};
use cors_tests::{require_nginx, Nginx, Req};

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
fn rewrite_last_applies_the_final_locations_policy() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &main_setup());
    let cases = vec![
        case(
            "rewrite from an off location into a policy: preflight answered",
            pf("/old/data.txt", APP, "PUT"),
            204,
            &[H::Is("Access-Control-Allow-Origin", "*")],
        ),
        case(
            "rewrite from an off location into a policy: actual request",
            get("/old/data.txt", APP),
            200,
            &[H::Is("Access-Control-Allow-Origin", "*")],
        ),
        case(
            "rewrite from a policy into an off location: preflight untouched",
            pf("/oldoff/data.txt", APP, "PUT"),
            405,
            &NO_CORS,
        ),
        case(
            "rewrite from a policy into an off location: no headers",
            get("/oldoff/data.txt", APP),
            200,
            &[H::No("Access-Control-Allow-Origin")],
        ),
    ];
    run(&nginx, cases);
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
