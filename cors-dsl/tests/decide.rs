//! The server side of the Fetch CORS protocol, rule by rule, on compiled policies.
//!
//! Each test compiles a small policy from text and asks `decide` about one request.

mod common;

use common::table;
use cors_dsl::{Decision, OriginHeader, Reason, Request, RequestHeaders, RuleTable};

fn decide<'a>(t: &'a RuleTable, req: &Request<'a>) -> Decision<'a> {
    let id = t.policy_id("p").expect("policy p");
    t.decide(id, req)
}

/// The rule an actual request from `origin` matches, if any.
fn matched_rule(t: &RuleTable, origin: &[u8]) -> Option<usize> {
    decide(t, &Request::actual(b"GET", Some(origin))).rule()
}

/// Checks, for each `(origin, allowed)`, whether an actual request from it is allowed.
fn assert_allowed(t: &RuleTable, cases: &[(&[u8], bool)]) {
    for (origin, allowed) in cases {
        let d = decide(t, &Request::actual(b"GET", Some(origin)));
        assert_eq!(d.as_str() == "allowed", *allowed, "{}", String::from_utf8_lossy(origin));
    }
}

fn header<'a>(d: &Decision<'a>, name: &str) -> Option<String> {
    d.headers()?
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

const API: &str = r#"
policy p {
    origin https://app.example.com http://localhost:3000 http://[::1]:8080;
    origin https://*.tenants.example.com;
    origin https://dev.example.com:*;
    origin ~ "https://pr-[0-9]+\.preview\.example\.dev";
    methods PUT DELETE;
    headers Content-Type X-Request-ID;
    expose X-Request-ID;
    credentials on;
    max-age 2h;
}
"#;

#[test]
fn no_origin_is_not_cors_but_varies_on_origin() {
    let t = table(API);
    let d = decide(&t, &Request::actual(b"GET", None));
    assert_eq!(d, Decision::NotCors { vary: Some("Origin"), headers: None });
    assert!(d.headers().is_none());
}

#[test]
fn exact_origin_is_reflected_with_credentials_and_expose() {
    let t = table(API);
    let d = decide(&t, &Request::actual(b"GET", Some(b"https://app.example.com")));
    assert_eq!(d.as_str(), "allowed");
    assert_eq!(
        header(&d, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(header(&d, "access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(header(&d, "access-control-expose-headers").as_deref(), Some("X-Request-ID"));
    assert_eq!(header(&d, "access-control-max-age"), None, "max-age belongs to preflights");
    assert_eq!(header(&d, "access-control-allow-methods"), None);
    assert_eq!(d.vary(), Some("Origin"));
}

#[test]
fn origin_bytes_are_compared_exactly_never_normalised() {
    let t = table(API);
    for origin in [
        &b"https://APP.example.com"[..],
        b"https://app.example.com/",
        b"https://app.example.com:443",
        b"https://app.example.com.evil.net",
        b"http://app.example.com",
        b" https://app.example.com",
        b"https://app.example.com\0",
    ] {
        let d = decide(&t, &Request::actual(b"GET", Some(origin)));
        assert_eq!(
            d.reason(),
            Some(Reason::OriginNotAllowed),
            "{:?} must be refused",
            String::from_utf8_lossy(origin)
        );
        assert!(d.headers().is_none());
        assert_eq!(d.vary(), Some("Origin"), "refusals vary on Origin too");
    }
}

#[test]
fn loopback_and_ipv6_origins_match_exactly() {
    let t = table(API);
    for origin in [&b"http://localhost:3000"[..], b"http://[::1]:8080"] {
        assert_eq!(decide(&t, &Request::actual(b"GET", Some(origin))).as_str(), "allowed");
    }
    assert_eq!(
        decide(&t, &Request::actual(b"GET", Some(b"http://localhost:3001"))).as_str(),
        "refused"
    );
}

#[test]
fn subdomain_wildcard_needs_one_or_more_labels_and_excludes_the_apex() {
    let t = table(API);
    let cases: &[(&[u8], bool)] = &[
        (b"https://a.tenants.example.com", true),
        (b"https://a.b.tenants.example.com", true),
        (b"https://tenants.example.com", false),
        (b"https://.tenants.example.com", false),
        (b"https://a..tenants.example.com", false),
        (b"https://eviltenants.example.com", false),
        (b"https://a.tenants.example.com.evil.net", false),
        (b"http://a.tenants.example.com", false),
        (b"https://a.tenants.example.com:8443", false),
        (b"https://A.tenants.example.com", false),
        (b"https://a/b.tenants.example.com", false),
        (b"https://u@a.tenants.example.com", false),
        (b"https://a b.tenants.example.com", false),
        (b"https://a.tenants.example.com/", false),
        (b"https://a.tenants.example.com:", false),
        (b"https://a.tenants.example.com/x.tenants.example.com", false),
        (b"https://a.Tenants.example.com", false),
    ];
    assert_allowed(&t, cases);
}

#[test]
fn any_port_pattern_matches_every_port_and_no_port_of_that_host_only() {
    let t = table(API);
    let cases: &[(&[u8], bool)] = &[
        (b"https://dev.example.com", true),
        (b"https://dev.example.com:1", true),
        (b"https://dev.example.com:65535", true),
        (b"https://dev.example.com:", false),
        (b"https://dev.example.com:08443", false),
        (b"https://dev.example.com:123456", false),
        (b"https://dev.example.com:80a", false),
        (b"http://dev.example.com:8080", false),
        (b"https://x.dev.example.com:8080", false),
    ];
    assert_allowed(&t, cases);
}

#[test]
fn port_65536_and_port_0_are_never_granted_by_an_any_port_pattern() {
    // A URL cannot carry a port above 65535, and port 0 is a bad port no page is served
    // from: no browser sends these origins.
    let t = table("policy p { origin http://localhost:*; }");
    let cases: &[(&[u8], bool)] = &[
        (b"http://localhost:65535", true),
        (b"http://localhost:65536", false),
        (b"http://localhost:99999", false),
        (b"http://localhost:0", false),
    ];
    assert_allowed(&t, cases);
}

#[test]
fn subdomain_wildcard_on_any_port_needs_a_label_and_a_real_port() {
    let t = table("policy p { origin https://*.example.com:*; }");
    let cases: &[(&[u8], bool)] = &[
        (b"https://a.example.com", true),
        (b"https://a.example.com:8443", true),
        (b"https://a.b.example.com:8443", true),
        (b"https://pr-12.preview.example.com:3000", true),
        (b"https://a.example.com:1", true),
        (b"https://a.example.com:65535", true),
        (b"https://example.com", false),
        (b"https://example.com:8443", false),
        (b"https://evilexample.com:8443", false),
        (b"https://a.example.com.evil.net:8443", false),
        (b"https://a.example.com:8443.evil.net", false),
        (b"http://a.example.com:8443", false),
        (b"wss://a.example.com", false),
        (b"https://a.example.com:65536", false),
        (b"https://a.example.com:0", false),
        (b"https://a.example.com:08443", false),
        (b"https://a.example.com:", false),
        (b"https://a.example.com:8443/", false),
        (b"https://a.example.com:84a3", false),
        (b"https://a.example.com:8443:1", false),
        (b"https://.example.com:8443", false),
        (b"https://a..example.com", false),
        (b"https://A.example.com", false),
        (b"https://u@a.example.com", false),
        (b"https://[::1]:8443", false),
    ];
    assert_allowed(&t, cases);
}

#[test]
fn subdomain_wildcard_on_any_port_keeps_rule_order_across_kinds() {
    let t = table(
        r#"
policy p {
    allow { origin https://*.b.example.com:8443; methods PATCH; }
    allow { origin https://*.example.com:*; methods PUT; }
    allow { origin https://*.a.example.com:*; methods DELETE; }
    allow { origin https://x.c.example.com:9000 https://*.example.com; methods POST; }
    allow { origin http://*.a.example.com:*; methods POST; }
}
"#,
    );
    let rule = |origin| matched_rule(&t, origin);
    assert_eq!(rule(b"https://x.b.example.com:8443"), Some(0), "fixed port, earlier rule");
    assert_eq!(rule(b"https://x.b.example.com:9443"), Some(1));
    assert_eq!(rule(b"https://x.a.example.com:9443"), Some(1), "parent domain inherited");
    assert_eq!(rule(b"https://x.a.example.com"), Some(1), "no port");
    assert_eq!(rule(b"https://x.c.example.com:9000"), Some(1), "before the exact origin");
    assert_eq!(rule(b"http://x.a.example.com:9000"), Some(4), "scheme kept apart");
    assert_eq!(rule(b"http://a.example.com:9000"), None, "apex of the inner wildcard");
}

#[test]
fn file_origin_is_compared_exactly() {
    let t = table("policy p { origin file:// https://app.example.com; }");
    let cases: &[(&[u8], bool)] = &[
        (b"file://", true),
        (b"file:///", false),
        (b"file://localhost", false),
        (b"FILE://", false),
        (b"null", false),
    ];
    assert_allowed(&t, cases);
    let d = decide(&t, &Request::actual(b"GET", Some(b"file://")));
    assert_eq!(header(&d, "access-control-allow-origin").as_deref(), Some("file://"));
}

#[test]
fn ipv6_any_port_and_deep_subdomains_split_strictly() {
    let t = table("policy p { origin http://[::1]:* https://*.example.com; }");
    let cases: &[(&[u8], bool)] = &[
        (b"http://[::1]", true),
        (b"http://[::1]:5173", true),
        (b"http://[::1", false),
        (b"http://[]:80", false),
        (b"http://[::1]x:80", false),
        (b"http://[::2]:80", false),
        (b"https://a.b.c.d.e.f.g.h.example.com", true),
        (b"https://a-b_c.example.com", true),
        (b"https://a.example.com.", false),
        (b"https://a.example.com:", false),
        (b"https://a.example.com:443x", false),
        (b"https://a.example.com?x", false),
        (b"HTTPS://a.example.com", false),
        (b"https:/a.example.com", false),
    ];
    assert_allowed(&t, cases);
    // More dots than subdomain matching tries: refused, never an out-of-bounds access.
    let deep = format!("https://{}example.com", "a.".repeat(40));
    assert_eq!(decide(&t, &Request::actual(b"GET", Some(deep.as_bytes()))).as_str(), "refused");
}

#[test]
fn regex_origins_match_the_whole_origin() {
    let t = table(API);
    let cases: &[(&[u8], bool)] = &[
        (b"https://pr-12.preview.example.dev", true),
        (b"https://pr-12.preview.example.dev.evil.net", false),
        (b"https://evil.net/https://pr-12.preview.example.dev", false),
        (b"https://pr-x.preview.example.dev", false),
        (b"xhttps://pr-1.preview.example.dev", false),
    ];
    assert_allowed(&t, cases);
}

#[test]
fn the_first_rule_wins_among_overlapping_regexes() {
    let t = table(
        r#"
policy p {
    allow { origin ~ "https://[a-z]+\.example\.com"; methods PUT; }
    allow { origin ~ "https://api\.example\.com"; methods DELETE; }
    allow { origin ~ "https://.*"; methods PATCH; }
}
"#,
    );
    let d = decide(&t, &Request::preflight(b"https://api.example.com", b"PUT"));
    assert_eq!((d.as_str(), d.rule()), ("preflight-allowed", Some(0)));
    let d = decide(&t, &Request::preflight(b"https://a-b.example.com", b"PATCH"));
    assert_eq!((d.as_str(), d.rule()), ("preflight-allowed", Some(2)));
}

#[test]
fn several_origin_lines_are_refused_as_malformed() {
    let t = table(API);
    let mut req = Request::actual(b"GET", None);
    req.origin = OriginHeader::Many;
    assert_eq!(decide(&t, &req).reason(), Some(Reason::MalformedOrigin));
}

#[test]
fn a_malformed_origin_gets_the_static_star_answer_everyone_gets() {
    // Refusing it would put a response without `Access-Control-Allow-Origin` and
    // without `Vary` in a cache, for every later request.
    let t = table("policy p { origin *; expose X-Id; }");
    let mut req = Request::actual(b"GET", None);
    req.origin = OriginHeader::Many;
    let long = vec![b'a'; cors_dsl::decide::MAX_ORIGIN_LEN + 1];
    for req in [req, Request::actual(b"GET", Some(&long))] {
        let d = decide(&t, &req);
        assert_eq!(d.as_str(), "allowed", "{d:?}");
        assert_eq!(header(&d, "access-control-allow-origin").as_deref(), Some("*"));
        assert_eq!(d.vary(), None);
    }
    // A preflight with it is still refused; a policy whose answer depends on the
    // origin still refuses it.
    let mut pf = Request::preflight(b"https://a.test", b"PUT");
    pf.origin = OriginHeader::Many;
    assert_eq!(decide(&t, &pf).reason(), Some(Reason::MalformedOrigin), "{:?}", decide(&t, &pf));
    let t =
        table("policy p { allow { origin https://a.test; credentials on; } allow { origin *; } }");
    let mut req = Request::actual(b"GET", None);
    req.origin = OriginHeader::Many;
    assert_eq!(decide(&t, &req).reason(), Some(Reason::MalformedOrigin));
}

#[test]
fn null_origin_matches_only_when_written_out() {
    let t = table(API);
    assert_eq!(decide(&t, &Request::actual(b"GET", Some(b"null"))).as_str(), "refused");
    let t = table("policy p { origin null; }");
    assert_eq!(decide(&t, &Request::actual(b"GET", Some(b"null"))).as_str(), "allowed");
    let d = decide(&t, &Request::actual(b"GET", Some(b"null")));
    assert_eq!(header(&d, "access-control-allow-origin").as_deref(), Some("null"));
}

#[test]
fn star_origin_answers_star_and_needs_no_vary() {
    let t = table("policy p { origin *; methods GET; }");
    let d = decide(&t, &Request::actual(b"GET", Some(b"https://anything.test")));
    assert_eq!(header(&d, "access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(header(&d, "access-control-allow-credentials"), None);
    assert_eq!(d.vary(), None);
    // Without `Origin` the same static answer goes out (Fetch's advice for caches).
    let plain = decide(&t, &Request::actual(b"GET", None));
    assert_eq!(plain.as_str(), "not-cors");
    assert_eq!(header(&plain, "access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(plain.vary(), None);
    assert!(plain.owns_cors_headers(), "upstream CORS headers are replaced");
}

#[test]
fn a_non_cors_response_of_an_origin_dependent_policy_gets_vary_and_no_headers() {
    let t = table("policy p { origin https://a.test; }\npolicy q { allow { origin https://a.test; } origin *; }");
    for name in ["p", "q"] {
        let id = t.policy_id(name).expect("policy");
        let d = t.decide(id, &Request::actual(b"GET", None));
        assert_eq!(d, Decision::NotCors { vary: Some("Origin"), headers: None }, "{name}");
        assert!(d.owns_cors_headers(), "{name}: upstream CORS headers are removed");
    }
}

#[test]
fn preflight_is_options_with_origin_and_request_method_nothing_less() {
    let t = table(API);
    let origin = &b"https://app.example.com"[..];
    // OPTIONS without Access-Control-Request-Method is an ordinary CORS request.
    let d = decide(&t, &Request::actual(b"OPTIONS", Some(origin)));
    assert_eq!(d.as_str(), "allowed");
    assert_eq!(d.respond_with(), None, "goes on to the content handler");
    // A GET with Access-Control-Request-Method is not a preflight either.
    let mut get = Request::preflight(origin, b"PUT");
    get.method = b"GET";
    assert_eq!(decide(&t, &get).as_str(), "allowed");
    // Methods are case-sensitive: `options` is not OPTIONS.
    let mut lower = Request::preflight(origin, b"PUT");
    lower.method = b"options";
    assert_eq!(decide(&t, &lower).as_str(), "allowed");
    // No Origin: not CORS.
    let mut no_origin = Request::preflight(origin, b"PUT");
    no_origin.origin = OriginHeader::Absent;
    assert_eq!(decide(&t, &no_origin).as_str(), "not-cors");
}

#[test]
fn allowed_preflight_carries_every_preflight_header() {
    let t = table(API);
    let req = Request::preflight(b"https://app.example.com", b"PUT")
        .with_request_headers(b"content-type, x-request-id");
    let d = decide(&t, &req);
    assert_eq!(d.as_str(), "preflight-allowed");
    assert_eq!(d.respond_with(), Some(204));
    assert_eq!(
        header(&d, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(header(&d, "access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(header(&d, "access-control-allow-methods").as_deref(), Some("PUT, DELETE"));
    assert_eq!(
        header(&d, "access-control-allow-headers").as_deref(),
        Some("Content-Type, X-Request-ID")
    );
    assert_eq!(header(&d, "access-control-max-age").as_deref(), Some("7200"));
    assert_eq!(
        header(&d, "access-control-expose-headers"),
        None,
        "expose belongs to actual responses"
    );
    assert_eq!(
        d.vary(),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[test]
fn preflight_methods_are_case_sensitive_and_safelisted_ones_always_pass() {
    let t = table(API);
    let o = &b"https://app.example.com"[..];
    for (method, allowed) in [
        (&b"PUT"[..], true),
        (b"DELETE", true),
        (b"GET", true),
        (b"HEAD", true),
        (b"POST", true),
        (b"put", false),
        (b"PATCH", false),
        (b"post", false),
    ] {
        let d = decide(&t, &Request::preflight(o, method));
        assert_eq!(
            d.as_str() == "preflight-allowed",
            allowed,
            "{}",
            String::from_utf8_lossy(method)
        );
        if !allowed {
            assert_eq!(d.reason(), Some(Reason::MethodNotAllowed(method)));
            assert_eq!(d.respond_with(), Some(403));
            assert!(d.headers().is_none(), "a refused preflight carries no CORS headers");
        }
    }
    let d = decide(&t, &Request::preflight(o, b"PU T"));
    assert_eq!(d.reason(), Some(Reason::MalformedMethod));
    let d = decide(&t, &Request::preflight(o, b""));
    assert_eq!(d.reason(), Some(Reason::MalformedMethod));
}

#[test]
fn request_headers_are_parsed_across_lines_case_insensitively_with_odd_spacing() {
    let t = table(API);
    let o = &b"https://app.example.com"[..];
    // Three lines, combined with `,` as Fetch combines them (the module does this).
    let req = Request::preflight(o, b"PUT")
        .with_request_headers(b"  Content-Type ,,\t,,,X-REQUEST-ID,  ");
    assert_eq!(decide(&t, &req).as_str(), "preflight-allowed");
    let req = Request::preflight(o, b"PUT").with_request_headers(b"content-type,x-other");
    assert_eq!(decide(&t, &req).reason(), Some(Reason::HeaderNotAllowed(b"x-other")));
    let req = Request::preflight(o, b"PUT").with_request_headers(b"content type");
    assert_eq!(decide(&t, &req).reason(), Some(Reason::MalformedHeaders));
    let req = Request::preflight(o, b"PUT").with_request_headers(b"x-request-id:");
    assert_eq!(decide(&t, &req).reason(), Some(Reason::MalformedHeaders));
}

#[test]
fn one_requested_header_is_answered_as_a_list_of_one() {
    // A value that is exactly one listed name takes a shortcut past the list parser: it
    // must answer as the parser does, for that value and its near misses.
    let t = table(API);
    let o = &b"https://app.example.com"[..];
    let allowed = |value: &'static [u8]| {
        let d = decide(&t, &Request::preflight(o, b"PUT").with_request_headers(value));
        (d.as_str(), header(&d, "Access-Control-Allow-Headers"))
    };
    let listed = Some("Content-Type, X-Request-ID".to_string());
    for value in [&b"content-type"[..], b"Content-Type", b"X-REQUEST-ID", b" content-type\t"] {
        assert_eq!(allowed(value), ("preflight-allowed", listed.clone()), "{value:?}");
    }
    for value in [&b"content-type,"[..], b",x-request-id", b"content-type, x-request-id"] {
        assert_eq!(allowed(value), ("preflight-allowed", listed.clone()), "{value:?}");
    }
    for value in [&b"content-typ"[..], b"content-type-x", b"authorization", b"*"] {
        assert_eq!(allowed(value).0, "preflight-refused", "{value:?}");
    }
    // With credentials, `headers *` reflects the value as sent, shortcut or not.
    let t = table(
        "policy p { origin https://app.example.com; methods PUT; headers * X-A; credentials on; }",
    );
    for value in [&b"X-A"[..], b"x-a", b"x-a,x-b", b"x-b"] {
        let d = decide(&t, &Request::preflight(o, b"PUT").with_request_headers(value));
        assert_eq!(d.as_str(), "preflight-allowed", "{value:?}");
        let reflected = header(&d, "Access-Control-Allow-Headers");
        assert_eq!(reflected.as_deref().map(str::as_bytes), Some(value), "{value:?}");
    }
}

#[test]
fn hostile_request_headers_are_refused_by_the_bounds() {
    let t = table("policy p { origin https://a.test; headers *; }");
    let o = &b"https://a.test"[..];
    let huge = vec![b'a'; 100 * 1024];
    let d = decide(&t, &Request::preflight(o, b"GET").with_request_headers(&huge));
    assert_eq!(d.reason(), Some(Reason::TooManyHeaders));
    let many = "x,".repeat(cors_dsl::decide::MAX_REQUEST_HEADER_NAMES + 1);
    let d = decide(&t, &Request::preflight(o, b"GET").with_request_headers(many.as_bytes()));
    assert_eq!(d.reason(), Some(Reason::TooManyHeaders));
    let commas = ",".repeat(cors_dsl::decide::MAX_REQUEST_HEADERS_LEN);
    let d = decide(&t, &Request::preflight(o, b"GET").with_request_headers(commas.as_bytes()));
    assert_eq!(d.as_str(), "preflight-allowed", "empty elements are skipped, within the bound");
    // Forty short lines combined: any number of lines is fine within the bounds.
    let forty = vec!["x"; 40].join(",");
    let d = decide(&t, &Request::preflight(o, b"GET").with_request_headers(forty.as_bytes()));
    assert_eq!(d.as_str(), "preflight-allowed");
    // Lines too long in all, which the caller does not combine.
    let mut req = Request::preflight(o, b"GET");
    req.request_headers = RequestHeaders::TooLong;
    assert_eq!(decide(&t, &req).reason(), Some(Reason::TooManyHeaders));
}

#[test]
fn star_headers_never_cover_authorization() {
    let t = table("policy p { origin https://a.test; headers *; }");
    let o = &b"https://a.test"[..];
    let ok = Request::preflight(o, b"GET").with_request_headers(b"x-anything, content-type");
    let d = decide(&t, &ok);
    assert_eq!(d.as_str(), "preflight-allowed");
    assert_eq!(header(&d, "access-control-allow-headers").as_deref(), Some("*"));
    let auth = Request::preflight(o, b"GET").with_request_headers(b"x-anything, Authorization");
    assert_eq!(decide(&t, &auth).reason(), Some(Reason::HeaderNotAllowed(b"Authorization")));

    let t = table("policy p { origin https://a.test; headers * Authorization; }");
    let d = decide(&t, &auth);
    assert_eq!(d.as_str(), "preflight-allowed");
    assert_eq!(header(&d, "access-control-allow-headers").as_deref(), Some("*, Authorization"));
}

#[test]
fn star_methods_allow_any_token_method() {
    let t = table("policy p { origin https://a.test; methods *; }");
    let d = decide(&t, &Request::preflight(b"https://a.test", b"PROPFIND"));
    assert_eq!(d.as_str(), "preflight-allowed");
    assert_eq!(header(&d, "access-control-allow-methods").as_deref(), Some("*"));
}

#[test]
fn first_matching_rule_wins_and_inherits_policy_defaults() {
    let t = table(
        r#"
policy p {
    methods GET PUT;
    allow {
        origin https://admin.example.com;
        methods PUT DELETE;
        credentials on;
    }
    allow { origin https://*.example.com; }
    origin https://admin.example.com https://www.example.com;
}
"#,
    );
    let admin = decide(&t, &Request::preflight(b"https://admin.example.com", b"DELETE"));
    assert_eq!(admin.as_str(), "preflight-allowed");
    assert_eq!(admin.rule(), Some(0));
    assert_eq!(header(&admin, "access-control-allow-credentials").as_deref(), Some("true"));
    // www matches the wildcard rule (index 1) before the implicit rule (index 2).
    let www = decide(&t, &Request::preflight(b"https://www.example.com", b"PUT"));
    assert_eq!(www.rule(), Some(1));
    assert_eq!(header(&www, "access-control-allow-methods").as_deref(), Some("GET, PUT"));
    assert_eq!(header(&www, "access-control-allow-credentials"), None);
    let www_delete = decide(&t, &Request::preflight(b"https://www.example.com", b"DELETE"));
    assert_eq!(www_delete.rule(), Some(1), "the refusal names the rule that matched");
    assert_eq!(www_delete.reason(), Some(Reason::MethodNotAllowed(b"DELETE")));
}

#[test]
fn nested_wildcards_keep_rule_order_across_schemes_and_ports() {
    // `decide` stops at the longest suffix it finds, so that entry must carry the
    // earlier rules of its parent domains, per scheme and port.
    let t = table(
        r#"
policy p {
    allow { origin http://*.example.com; methods PATCH; }
    allow { origin https://*.b.example.com; methods PUT; }
    allow { origin https://*.example.com https://*.example.com:8443; methods DELETE; }
    allow { origin ~ "https://[a-z]+\.b\.example\.com"; methods POST; }
}
"#,
    );
    let rule = |origin| matched_rule(&t, origin);
    assert_eq!(rule(b"https://a.b.example.com"), Some(1), "longest suffix, its own rule");
    assert_eq!(rule(b"http://a.b.example.com"), Some(0), "scheme inherited from the parent");
    assert_eq!(rule(b"https://x.a.b.example.com"), Some(1));
    assert_eq!(rule(b"https://c.example.com"), Some(2));
    assert_eq!(rule(b"https://a.b.example.com:8443"), Some(2), "only the :8443 parent");
    assert_eq!(rule(b"http://a.b.example.com:8443"), None, "no http pattern on :8443");
    assert_eq!(rule(b"https://b.example.com"), Some(2), "apex of the inner wildcard");
    assert_eq!(rule(b"ftp://a.b.example.com"), None);
}

#[test]
fn a_regex_decides_only_when_no_earlier_rule_matched() {
    let t = table(
        r#"
policy p {
    allow { origin ~ "https://[a-z]+\.example\.com"; methods PUT; }
    allow { origin https://app.example.com https://app.example.org; methods DELETE; }
    allow { origin ~ "https://app\.example\.(com|org|net)"; methods PATCH; }
}
"#,
    );
    let rule = |origin| matched_rule(&t, origin);
    assert_eq!(rule(b"https://app.example.com"), Some(0), "an earlier regex beats an exact entry");
    assert_eq!(rule(b"https://app.example.org"), Some(1), "an exact entry beats a later regex");
    assert_eq!(rule(b"https://app.example.net"), Some(2));
    assert_eq!(rule(b"https://app.example.edu"), None);
}

#[test]
fn preflight_status_and_refusal_follow_the_policy() {
    let t =
        table("policy p { origin https://a.test; preflight-status 200; preflight-refused pass; }");
    let ok = decide(&t, &Request::preflight(b"https://a.test", b"GET"));
    assert_eq!(ok.respond_with(), Some(200));
    let refused = decide(&t, &Request::preflight(b"https://b.test", b"GET"));
    assert_eq!(refused.as_str(), "preflight-refused");
    assert_eq!(refused.respond_with(), None, "passed on to the upstream");
    assert!(refused.owns_cors_headers(), "upstream CORS headers are stripped");

    let t = table("policy p { origin https://a.test; preflight pass; }");
    let d = decide(&t, &Request::preflight(b"https://a.test", b"GET"));
    assert_eq!(d, Decision::PreflightPassThrough);
    assert!(!d.owns_cors_headers());
    // Actual requests are still handled.
    assert_eq!(decide(&t, &Request::actual(b"GET", Some(b"https://a.test"))).as_str(), "allowed");
}

/// `RuleTable::refused_preflight_answer` is what every refused preflight of the policy
/// answers (nginx keeps only the fact of the refusal and asks for it again).
#[test]
fn every_refused_preflight_answers_as_its_policy_refuses() {
    let policies = [
        "policy p { origin https://a.test; methods PUT; headers x-a; }",
        "policy p { origin https://a.test; preflight-refused 404; }",
        "policy p { origin https://a.test; preflight-refused pass; }",
        "policy p { origin https://*.a.test; credentials on; private-network on; }",
        "policy p { origin ~ \"https://[a-z]+\\.a\\.test\"; }",
    ];
    // Made for each table: a decision borrows from both.
    let refusals = || {
        let mut too_long = Request::preflight(b"https://a.test", b"PUT");
        too_long.request_headers = RequestHeaders::TooLong;
        let mut private = Request::preflight(b"https://a.test", b"GET");
        private.request_private_network = true;
        [
            Request::preflight(b"https://b.test", b"GET"),
            Request::preflight(b"https://a.test", b"DELETE"),
            Request::preflight(b"https://a.test", b"PUT").with_request_headers(b"x-b"),
            Request::preflight(b"https://a.test", b"PUT").with_request_headers(b"x a"),
            Request::preflight(&[b'x'; 3000], b"GET"),
            Request::preflight(b"https://a.test", b"G T"),
            too_long,
            private,
        ]
    };
    for source in policies {
        let t = table(source);
        let id = t.policy_id("p").expect("policy p");
        let expected = t.refused_preflight_answer(id).expect("a known policy");
        let mut refused = 0;
        for req in &refusals() {
            let d = t.decide(id, req);
            if d.as_str() != "preflight-refused" {
                continue;
            }
            refused += 1;
            let got = d.answer();
            assert_eq!(got.status, expected.status, "{source}: {req:?}");
            assert!(got.headers.is_none() && expected.headers.is_none(), "{source}: {req:?}");
            assert_eq!(got.vary, expected.vary, "{source}: {req:?}");
            assert_eq!(got.owns_cors_headers, expected.owns_cors_headers, "{source}: {req:?}");
        }
        assert!(refused >= 4, "{source}: only {refused} of the requests were refused");
    }
}

#[test]
fn private_network_access_is_answered_only_when_allowed() {
    let t = table("policy p { origin https://a.test; }");
    let mut req = Request::preflight(b"https://a.test", b"GET");
    req.request_private_network = true;
    assert_eq!(decide(&t, &req).reason(), Some(Reason::PrivateNetworkNotAllowed));
    let t = table("policy p { origin https://a.test; private-network on; }");
    let d = decide(&t, &req);
    assert_eq!(header(&d, "access-control-allow-private-network").as_deref(), Some("true"));
    let plain = decide(&t, &Request::preflight(b"https://a.test", b"GET"));
    assert_eq!(header(&plain, "access-control-allow-private-network"), None);
}

#[test]
fn an_overlong_origin_is_refused_without_matching() {
    let t = table("policy p { origin https://a.test; }");
    let long = vec![b'a'; cors_dsl::decide::MAX_ORIGIN_LEN + 1];
    assert_eq!(
        decide(&t, &Request::actual(b"GET", Some(&long))).reason(),
        Some(Reason::MalformedOrigin)
    );
}

#[test]
fn a_policy_id_from_another_table_never_widens_access() {
    let small = table("policy p { origin https://a.test; }");
    let big = table("policy x { origin *; }\npolicy p { origin https://a.test; }");
    let foreign = big.policy_id("p").expect("p");
    let d = small.decide(foreign, &Request::actual(b"GET", Some(b"https://a.test")));
    assert_eq!(d, Decision::NotCors { vary: None, headers: None });
}

#[test]
fn corsb_round_trips_and_refuses_damage() {
    let t = table(API);
    let bytes = t.to_bytes();
    assert!(cors_dsl::corsb::is_table(&bytes));
    let back = RuleTable::from_bytes(&bytes).expect("round trip");
    assert_eq!(back, t);
    let d = decide(&back, &Request::actual(b"GET", Some(b"https://pr-3.preview.example.dev")));
    assert_eq!(d.as_str(), "allowed", "regexes are rebuilt after loading");

    use cors_dsl::TableError;
    assert!(matches!(RuleTable::from_bytes(&bytes[..10]), Err(TableError::Truncated { .. })));
    assert!(matches!(
        RuleTable::from_bytes(&bytes[..bytes.len() - 1]),
        Err(TableError::Truncated { .. })
    ));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    assert_eq!(RuleTable::from_bytes(&flipped), Err(TableError::Checksum));
    let mut version = bytes.clone();
    version[8] = 99;
    assert!(matches!(
        RuleTable::from_bytes(&version),
        Err(TableError::UnsupportedVersion { found: 99, .. })
    ));
    assert_eq!(RuleTable::from_bytes(b"policy p { origin *; }"), Err(TableError::BadMagic));
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(RuleTable::from_bytes(&extra).is_err());
}

#[test]
fn corsb_never_panics_on_any_corruption() {
    let bytes = table(API).to_bytes();
    // Flip every byte in turn, and truncate at every length: errors, never panics.
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] = b[i].wrapping_add(1);
        let _ = RuleTable::from_bytes(&b);
        let _ = RuleTable::from_bytes(&bytes[..i]);
    }
    // A valid checksum over a garbage body must still be refused cleanly.
    let body = vec![0xffu8; 64];
    let mut forged = Vec::new();
    forged.extend_from_slice(cors_dsl::corsb::MAGIC);
    forged.extend_from_slice(&cors_dsl::corsb::FORMAT_VERSION.to_le_bytes());
    forged.extend_from_slice(&[0, 0]);
    forged.extend_from_slice(&crc32fast_hash(&body).to_le_bytes());
    forged.extend_from_slice(&(body.len() as u64).to_le_bytes());
    forged.extend_from_slice(&body);
    assert!(matches!(RuleTable::from_bytes(&forged), Err(cors_dsl::TableError::Invalid(_))));
}

/// CRC-32 (IEEE), bit by bit: an independent check of the format's checksum.
fn crc32fast_hash(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn an_exactly_listed_origin_is_reflected_from_the_table() {
    let t = table(API);
    let sent = b"https://app.example.com".to_vec();
    let d = decide(&t, &Request::actual(b"GET", Some(&sent)));
    let headers = d.headers().expect("allowed");
    let (_, acao) = headers.checked_lines().next().expect("a first header").expect("a safe value");
    assert_eq!(acao, &sent[..]);
    // The table's copy, not the request's bytes: nothing from the request is written.
    assert!(!std::ptr::eq(acao.as_ptr(), sent.as_ptr()));
}

#[test]
fn a_reflected_value_with_a_control_byte_is_never_written() {
    let t = table(
        r#"policy p { origin ~ "https://[^.]+\.example\.com"; methods *; headers *; credentials on; }"#,
    );
    for origin in [
        &b"https://a\x01b.example.com"[..],
        b"https://a\rb.example.com",
        b"https://a\x7f.example.com",
    ] {
        let d = decide(&t, &Request::actual(b"GET", Some(origin)));
        assert_eq!(d.as_str(), "allowed", "the policy's pattern accepts {origin:?}");
        assert!(written(d.headers().expect("allowed")).is_err(), "{origin:?}");
    }
    // A preflight's reflected method and headers are checked as well; a tab is a safe
    // field byte.
    let preflight = |method: &'static [u8], headers: &'static [u8]| {
        let mut req = Request::actual(b"OPTIONS", Some(b"https://a.example.com"));
        req.request_method = Some(method);
        req.request_headers = RequestHeaders::Value(headers);
        decide(&t, &req).headers().map(|h| written(h).is_ok())
    };
    assert_eq!(preflight(b"PUT", b"x-a,\tx-b"), Some(true));
    assert_eq!(preflight(b"PUT", b"x-a"), Some(true));
    let d = {
        let mut req = Request::actual(b"OPTIONS", Some(b"https://a\x01.example.com"));
        req.request_method = Some(b"PUT");
        decide(&t, &req)
    };
    assert!(written(d.headers().expect("allowed preflight")).is_err());
}

/// The lines a writer of `checked_lines` sends: all of them, or none past an unsafe one.
fn written<'a>(
    h: &cors_dsl::ResponseHeaders<'a>,
) -> Result<Vec<(cors_dsl::HeaderName, &'a [u8])>, cors_dsl::decide::UnsafeValue> {
    h.checked_lines().collect()
}
