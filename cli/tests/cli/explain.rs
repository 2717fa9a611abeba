//! `corsc explain`: decisions, the browser's verdict, hints, JSON.

use crate::*;

#[test]
fn explain_allowed() {
    case!(
        "explain_allowed",
        0,
        &["explain", "examples/spa-api.cors", "--origin", "https://app.example.com"]
    );
}

#[test]
fn explain_refused_origin() {
    case!(
        "explain_refused",
        1,
        &["explain", "examples/spa-api.cors", "--origin", "https://app.example.com.evil.net"]
    );
}

#[test]
fn explain_hints_at_origins_no_browser_sends() {
    let cases = [
        ("https://app.example.com/", "ask for `https://app.example.com`"),
        ("https://App.Example.com", "ask for `https://app.example.com`"),
        ("app.example.com", "has no scheme"),
        ("http://localhost:65536", "greater than 65535"),
        ("http://localhost:0", "port 0"),
        ("https://127.1", "ask for `https://127.0.0.1`"),
        ("https://a.1.2.3.4", "not an IPv4 address"),
        ("https://*.example.com", "a pattern"),
    ];
    for (origin, hint) in cases {
        let run = corsc(&["explain", "examples/spa-api.cors", "--origin", origin]);
        assert_eq!(run.code, 1, "{origin}: {}", run.stdout);
        assert!(run.stdout.contains(hint), "{origin}: no `{hint}` in\n{}", run.stdout);
        assert!(run.stdout.contains("no browser sends"), "{origin}: {}", run.stdout);
    }
    // Allowed by the server (`origin *`), but no browser is there to accept it: the
    // browser line must not say one does.
    let dir = scratch("explain-unsendable");
    let any = dir.join("any.cors");
    std::fs::write(&any, "policy p { origin *; }\n").expect("write");
    let run = corsc(&["explain", &any.display().to_string(), "--origin", "HTTPS://A.COM"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("decision  allowed"), "{}", run.stdout);
    assert!(run.stdout.contains("never sees this answer"), "{}", run.stdout);
    assert!(!run.stdout.contains("accepts the answer"), "{}", run.stdout);
}

#[test]
fn explain_preflight_allowed() {
    case!(
        "explain_preflight_allowed",
        0,
        &[
            "explain",
            "examples/spa-api.cors",
            "--policy",
            "api",
            "--origin",
            "https://admin.example.com",
            "--preflight",
            "--method",
            "PUT",
            "--header",
            "Content-Type",
            "--header",
            "x-request-id",
            "--credentials",
        ]
    );
}

#[test]
fn explain_preflight_refused_header() {
    let run = case!(
        "explain_preflight_refused",
        1,
        &[
            "explain",
            "examples/multi-tenant.cors",
            "--origin",
            "https://shop.example.com",
            "--preflight",
            "--method",
            "PUT",
            "--header",
            "Authorization",
        ]
    );
    assert!(run.stdout.contains("header-not-allowed"), "{}", run.stdout);
}

#[test]
fn explain_first_matching_rule_wins() {
    // billing.example.com is also covered by `*.example.com`, but its own `allow`
    // block comes first and grants Authorization.
    let run = corsc(&[
        "explain",
        "examples/multi-tenant.cors",
        "--origin",
        "https://billing.example.com",
        "--preflight",
        "--method",
        "DELETE",
        "--header",
        "Authorization",
        "--credentials",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("Access-Control-Allow-Credentials: true"), "{}", run.stdout);
}

#[test]
fn explain_credentials_without_allow_credentials() {
    let run = case!(
        "explain_credentials_wildcard_origin",
        1,
        &[
            "explain",
            "examples/public-cdn.cors",
            "--origin",
            "https://any.site.example",
            "--credentials",
        ]
    );
    assert!(run.stdout.contains("Access-Control-Allow-Credentials: true"), "{}", run.stdout);
    assert!(run.stdout.contains("Access-Control-Allow-Origin: *"), "{}", run.stdout);
    // The same request without cookies is fine.
    let plain = corsc(&["explain", "examples/public-cdn.cors", "--origin", "https://a.example"]);
    assert_eq!(plain.code, 0, "{}", plain.stdout);
}

#[test]
fn explain_credentials_with_wildcard_lists() {
    let without_credentials = [
        "explain",
        "cli/tests/fixtures/wildcard-credentials.cors",
        "--origin",
        "https://app.example.com",
        "--preflight",
        "--method",
        "PUT",
        "--header",
        "X-Custom",
    ];
    let run = case!(
        "explain_credentials_wildcard_lists",
        0,
        &[&without_credentials[..], &["--credentials"]].concat()
    );
    // With credentials a literal `*` would be read as a name: the answer names what was
    // asked for, and the browser accepts it.
    assert!(run.stdout.contains("Access-Control-Allow-Methods: PUT"), "{}", run.stdout);
    assert!(run.stdout.contains("Access-Control-Allow-Headers: x-custom"), "{}", run.stdout);
    assert!(run.stdout.contains("accepts the answer"), "{}", run.stdout);
    // Without credentials the browser accepts the same answer.
    let plain = corsc(&without_credentials);
    assert_eq!(plain.code, 0, "{}", plain.stdout);
}

#[test]
fn explain_json() {
    let run = case!(
        "explain_json",
        1,
        &[
            "explain",
            "examples/spa-api.cors",
            "--origin",
            "https://app.example.com",
            "--preflight",
            "--method",
            "PROPFIND",
            "--format",
            "json",
        ]
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["decision"], "preflight-refused");
    assert_eq!(v["reason"]["code"], "method-not-allowed");
    assert_eq!(v["browser"]["accepts"], false);
}

#[test]
fn explain_a_compiled_table_like_its_source() {
    let dir = scratch("explain-corsb");
    let out = dir.join("tenants.corsb");
    let out = out.display().to_string();
    assert_eq!(corsc(&["compile", "examples/multi-tenant.cors", "-o", &out]).code, 0);
    let ask = |file: &str| {
        corsc(&[
            "explain",
            file,
            "--origin",
            "https://pr-12.preview.example.dev",
            "--preflight",
            "--method",
            "POST",
            "--format",
            "json",
        ])
    };
    let (src, bin) = (ask("examples/multi-tenant.cors"), ask(&out));
    assert_eq!(src.code, bin.code);
    let mut a: serde_json::Value = serde_json::from_str(&src.stdout).expect("json");
    let mut b: serde_json::Value = serde_json::from_str(&bin.stdout).expect("json");
    a["file"] = serde_json::Value::Null;
    b["file"] = serde_json::Value::Null;
    assert_eq!(a, b);
}

#[test]
fn explain_usage_errors() {
    case!(
        "explain_unknown_policy",
        2,
        &["explain", "examples/spa-api.cors", "--policy", "nope", "--origin", "https://a.example"]
    );
    // Several policies and no --policy: the user must choose.
    let dir = scratch("explain-two");
    let two = dir.join("two.cors");
    let text = std::fs::read_to_string(root().join("examples/spa-api.cors")).expect("read")
        + &std::fs::read_to_string(root().join("examples/public-cdn.cors")).expect("read");
    std::fs::write(&two, text).expect("write");
    let run = corsc(&["explain", &two.display().to_string(), "--origin", "https://a.example"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`api`, `public`"), "{}", run.stderr);
}

#[test]
fn explain_broken_policy() {
    case!(
        "explain_invalid",
        1,
        &["explain", "cli/tests/fixtures/invalid.cors", "--origin", "https://app.example.com"]
    );
}

/// What a browser does for the page's request, not only what the server answers to
/// the one asked: the preflight it sends first, the method it normalises, the headers
/// it drops (each as Chromium 156 did in a manual run on 2026-11-29).
#[test]
fn explain_walks_the_request_a_browser_sends() {
    let explain = |extra: &[&str]| {
        let args = [&["explain", "examples/spa-api.cors", "--policy", "api"][..], extra].concat();
        corsc(&args)
    };
    // PURGE is not listed: the browser's preflight is refused, the PURGE never sent.
    let run = explain(&["--origin", "https://app.example.com", "--method", "PURGE"]);
    assert!(run.stdout.contains("OPTIONS (preflight)"), "{}", run.stdout);
    assert!(run.stdout.contains("preflight-refused"), "{}", run.stdout);
    assert!(run.stdout.contains("never sent"), "{}", run.stdout);
    assert!(!run.stdout.contains("accepts the answer"), "{}", run.stdout);
    assert_eq!(run.code, 1);
    // A header the policy does not list: the same, named in the preflight.
    let run = explain(&["--origin", "https://app.example.com", "--header", "X-Not-Listed"]);
    assert!(run.stdout.contains("Access-Control-Request-Headers: x-not-listed"), "{}", run.stdout);
    assert!(run.stdout.contains("preflight-refused"), "{}", run.stdout);
    assert_eq!(run.code, 1);
    // An allowed preflight: the actual request is explained, the preflight noted.
    let run = explain(&["--origin", "https://app.example.com", "--method", "put"]);
    assert!(run.stdout.contains("PUT (actual request)"), "{}", run.stdout);
    assert!(run.stdout.contains("sends the method `put` as `PUT`"), "{}", run.stdout);
    assert!(run.stdout.contains("the policy allows it"), "{}", run.stdout);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // A header no script can set is dropped, not asked for.
    let run = explain(&["--origin", "https://app.example.com", "--header", "Cookie"]);
    assert!(run.stdout.contains("GET (actual request)"), "{}", run.stdout);
    assert!(run.stdout.contains("`Cookie` cannot be set by a script"), "{}", run.stdout);
    // A preflight asked for a request no browser preflights: the refusal is the
    // server's, but the browser sends the POST directly.
    let run = explain(&["--origin", "https://evil.example", "--preflight", "--method", "POST"]);
    assert!(run.stdout.contains("sends no preflight for this request"), "{}", run.stdout);
    assert!(!run.stdout.contains("never sent"), "{}", run.stdout);
}
