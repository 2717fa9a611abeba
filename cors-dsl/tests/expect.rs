//! Policy tests (`expect` statements, `test` blocks): how they are written (checked,
//! formatted), what they mean (run through `decide()` and the browser model by
//! `build()`), and that they stay out of the compiled table.

mod common;

use cors_dsl::codes::CodeKind;
use cors_dsl::render::human;
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{build, printer, syntax, Diagnostic};
use std::path::Path;

/// `build()` of `text` as `test.cors`: the one verdict, every diagnostic.
fn verdict(text: &str) -> (bool, Vec<Diagnostic>) {
    match build(Path::new("test.cors"), text) {
        Ok((_, loaded)) => (true, loaded.diagnostics),
        Err(loaded) => (false, loaded.diagnostics),
    }
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()).collect()
}

/// (policy body, expectation, whether it holds). Each row is checked both ways: as
/// written, and with `allow`/`refuse` swapped, which must then fail with `CORS201`.
const CASES: &[(&str, &str, bool)] = &[
    // Simple requests: the origin decides.
    ("origin https://a.example;", "allow https://a.example", true),
    ("origin https://a.example;", "allow https://a.example.evil.net", false),
    ("origin https://a.example;", "allow https://b.example", false),
    ("origin https://a.example;", "allow null", false),
    ("origin null;", "allow null", true),
    ("origin https://*.a.example;", "allow https://x.y.a.example", true),
    ("origin https://*.a.example;", "allow https://a.example", false),
    ("origin https://*.a.example:*;", "allow https://x.a.example:8443", true),
    (r#"origin ~ "https://pr-[0-9]+\.a\.example";"#, "allow https://pr-1.a.example", true),
    (
        r#"origin ~ "https://pr-[0-9]+\.a\.example";"#,
        "allow https://pr-1.a.example.evil.net",
        false,
    ),
    ("origin *;", "allow https://anyone.example POST", true),
    // A method that is not safelisted is preflighted; GET/HEAD/POST are not.
    ("origin https://a.example;", "allow https://a.example POST", true),
    ("origin https://a.example;", "allow https://a.example PUT", false),
    ("origin https://a.example;\nmethods PUT;", "allow https://a.example PUT", true),
    // fetch() upper-cases six methods (`put` is sent as PUT), and no other.
    ("origin https://a.example;\nmethods PUT;", "allow https://a.example put", true),
    ("origin https://a.example;\nmethods PATCH;", "allow https://a.example patch", false),
    ("origin https://a.example;\nmethods *;", "allow https://a.example PURGE", true),
    // Headers: listed ones, `*` (never `Authorization`), case-insensitive.
    ("origin https://a.example;", "allow https://a.example POST headers Content-Type", false),
    (
        "origin https://a.example;\nheaders content-type;",
        "allow https://a.example POST headers Content-Type",
        true,
    ),
    ("origin https://a.example;\nheaders *;", "allow https://a.example GET headers X-A X-B", true),
    (
        "origin https://a.example;\nheaders *;",
        "allow https://a.example GET headers Authorization",
        false,
    ),
    (
        "origin https://a.example;\nheaders * Authorization;",
        "allow https://a.example GET headers Authorization",
        true,
    ),
    // Credentials: the rule must allow them, and `*` is a name with credentials.
    ("origin https://a.example;", "allow https://a.example credentials", false),
    ("origin https://a.example;\ncredentials on;", "allow https://a.example credentials", true),
    ("origin *;", "allow https://a.example credentials", false),
    (
        "origin https://a.example;\nmethods *;\ncredentials on;",
        "allow https://a.example PATCH credentials",
        true,
    ),
    (
        "origin https://a.example;\nheaders *;\ncredentials on;",
        "allow https://a.example PUT headers X-A credentials",
        false,
    ),
    (
        "origin https://a.example;\nmethods PUT;\nheaders *;\ncredentials on;",
        "allow https://a.example PUT headers X-A credentials",
        true,
    ),
    // Reading response headers.
    ("origin https://a.example;", "allow https://a.example GET expose Content-Type", true),
    ("origin https://a.example;", "allow https://a.example GET expose X-Id", false),
    ("origin https://a.example;\nexpose X-Id;", "allow https://a.example GET expose x-id", true),
    ("origin https://a.example;\nexpose *;", "allow https://a.example GET expose X-Anything", true),
    (
        "origin https://a.example;\nexpose *;",
        "allow https://a.example GET expose Set-Cookie",
        false,
    ),
    // First match wins: an earlier rule without credentials answers.
    (
        "allow { origin https://a.example; }\nallow { origin https://a.example; credentials on; }",
        "allow https://a.example credentials",
        false,
    ),
    (
        "allow { origin https://a.example; credentials on; }\norigin https://*.example;",
        "allow https://a.example credentials",
        true,
    ),
    // A refused preflight passed to the upstream still reaches the browser without
    // CORS headers.
    ("origin https://a.example;\npreflight-refused pass;", "allow https://a.example DELETE", false),
];

fn body_with(body: &str, expectation: &str) -> String {
    format!("policy p {{\n{body}\nexpect {expectation};\n}}\n")
}

#[test]
fn expectations_hold_exactly_when_the_browser_agrees() {
    for (body, expectation, holds) in CASES {
        let (ok, diags) = verdict(&body_with(body, expectation));
        let case = format!("{body} / expect {expectation}");
        assert_eq!(ok, *holds, "{case}: {diags:#?}");
        let want: Vec<&str> = if *holds { vec![] } else { vec!["CORS201"] };
        assert_eq!(codes(&diags), want, "{case}");

        let swapped = match expectation.split_once(' ') {
            Some(("allow", rest)) => format!("refuse {rest}"),
            Some((_, rest)) => format!("allow {rest}"),
            None => unreachable!("every case has a verdict"),
        };
        // `expose` only goes with `allow`: the swapped form is a language error.
        if swapped.starts_with("refuse") && swapped.contains(" expose ") {
            continue;
        }
        let (ok, diags) = verdict(&body_with(body, &swapped));
        assert_eq!(ok, !holds, "{body} / expect {swapped}: {diags:#?}");
        let want: Vec<&str> = if *holds { vec!["CORS201"] } else { vec![] };
        assert_eq!(codes(&diags), want, "{body} / expect {swapped}");
    }
}

#[test]
fn preflights_left_to_the_upstream_cannot_be_checked() {
    let body = "origin https://a.example;\npreflight pass;";
    for (expectation, want) in [
        ("allow https://a.example PUT", vec!["CORS202"]),
        ("refuse https://a.example PUT", vec!["CORS202"]),
        ("allow https://a.example POST headers X-A", vec!["CORS202"]),
        ("allow https://a.example GET", vec![]),
        ("refuse https://b.example GET", vec![]),
    ] {
        let (ok, diags) = verdict(&body_with(body, expectation));
        assert_eq!(codes(&diags), want, "expect {expectation}");
        assert_eq!(ok, want.is_empty(), "expect {expectation}");
    }
}

/// (statement(s) in a policy, the language error it must give).
const MALFORMED: &[(&str, &str)] = &[
    ("expect;", "CORS003"),
    ("expect allowed https://a.example;", "CORS003"),
    ("expect allow;", "CORS003"),
    ("expect allow ~ \"x\";", "CORS003"),
    ("expect allow https://*.a.example;", "CORS004"),
    ("expect allow *;", "CORS004"),
    ("expect allow https://A.example;", "CORS004"),
    ("expect allow https://a.example:443;", "CORS004"),
    ("expect allow https://a.example/;", "CORS004"),
    ("expect allow NULL;", "CORS004"),
    ("expect allow https://a.example GET,;", "CORS009"),
    ("expect allow https://a.example TRACE;", "CORS008"),
    ("expect allow https://a.example PUT headers;", "CORS003"),
    ("expect allow https://a.example PUT headers X-A: ;", "CORS010"),
    ("expect allow https://a.example PUT headers Cookie;", "CORS003"),
    ("expect allow https://a.example PUT headers X-A headers X-B;", "CORS003"),
    ("expect allow https://a.example PUT cookies;", "CORS003"),
    ("expect allow https://a.example PUT credentials credentials;", "CORS003"),
    ("expect refuse https://a.example GET expose X-Id;", "CORS003"),
    ("expect allow https://a.example { }", "CORS003"),
    ("allow { origin https://b.example; expect allow https://b.example; }", "CORS016"),
    ("test p { }", "CORS016"),
];

#[test]
fn malformed_expectations_are_language_errors() {
    for (statement, code) in MALFORMED {
        let text = format!("policy p {{\norigin https://a.example;\n{statement}\n}}\n");
        let loaded = common::load(&text);
        assert!(loaded.set.is_none(), "{statement}: must not load");
        let got: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(got, [*code], "{statement}: {:#?}", loaded.diagnostics);
    }
    // The same statements without a mistake load.
    let fine = "policy p {\norigin https://a.example;\nexpect allow https://a.example PUT headers X-A credentials expose X-Id;\nexpect refuse null;\n}\n";
    let loaded = common::load(fine);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(loaded.expectations, 2);
}

#[test]
fn an_origin_as_no_browser_sends_it_gets_the_one_it_would() {
    let loaded = common::load(
        "policy p {\norigin https://a.example;\nexpect allow HTTPS://A.example:443;\n}\n",
    );
    let fix = loaded.diagnostics.first().and_then(|d| d.fix.as_ref());
    assert_eq!(fix.map(|f| f.replacement.as_str()), Some("https://a.example"));
}

#[test]
fn test_blocks_name_a_policy_defined_anywhere_in_the_set() {
    let ok = "test p { expect allow https://a.example; }\npolicy p { origin https://a.example; }\n";
    let (built, diags) = verdict(ok);
    assert!(built, "{diags:#?}");
    let failing =
        "policy p { origin https://a.example; }\ntest p { expect refuse https://a.example; }\n";
    assert_eq!(codes(&verdict(failing).1), ["CORS201"]);
    for (text, code) in [
        (
            "policy p { origin https://a.example; }\ntest q { expect allow https://a.example; }",
            "CORS003",
        ),
        ("policy p { origin https://a.example; }\ntest p { origin https://b.example; }", "CORS016"),
        (
            "policy p { origin https://a.example; }\ntest p { expcet allow https://a.example; }",
            "CORS002",
        ),
        ("policy p { origin https://a.example; }\ntest p;", "CORS003"),
        ("policy p { origin https://a.example; }\ntest { }", "CORS003"),
        ("policy p { origin https://a.example; }\nexpect allow https://a.example;", "CORS016"),
    ] {
        let loaded = common::load(text);
        let got: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(got, [code], "{text}");
    }
}

#[test]
fn a_test_file_includes_the_policies_it_tests() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("expect-include");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let policy = "policy api {\n    origin https://app.example.com;\n    expect refuse null;\n}\n";
    std::fs::write(dir.join("api.cors"), policy).expect("write policy");
    let tests = "include \"api.cors\";\n\ntest api {\n    expect allow https://app.example.com;\n    expect allow https://admin.example.com;\n}\n";
    let path = dir.join("api.cors-test");
    let Err(loaded) = build(&path, tests) else { panic!("one expectation fails") };
    assert_eq!(loaded.expectations, 3, "the policy file's own expectation runs too");
    let failed: Vec<_> =
        loaded.diagnostics.iter().filter(|d| d.code.kind == CodeKind::Expectation).collect();
    assert_eq!(failed.len(), 1, "{:#?}", loaded.diagnostics);
    assert_eq!(loaded.sources.path(failed[0].span.file), path.as_path());
    assert_eq!(failed[0].span.line, 5);
}

#[test]
fn expectations_are_not_compiled_into_the_table() {
    let with = "policy p {\n    origin https://a.example;\n    methods PUT;\n    expect allow https://a.example PUT;\n    expect refuse null;\n}\ntest p { expect refuse https://b.example; }\n";
    let without = "policy p {\n    origin https://a.example;\n    methods PUT;\n}\n";
    let (a, _) = build(Path::new("t.cors"), with).expect("passes");
    let (b, _) = build(Path::new("t.cors"), without).expect("loads");
    assert_eq!(a.to_bytes(), b.to_bytes(), "a .corsb carries no expectation");
}

#[test]
fn failing_expectations_snapshot() {
    let path = Path::new("tests/fixtures/expect/failing.cors");
    let text = std::fs::read_to_string(path).expect("fixture");
    let Err(mut loaded) = build(path, &text) else { panic!("the fixture's expectations fail") };
    // Lint findings (warnings, infos) are not the subject here.
    loaded.diagnostics.retain(|d| d.is_error());
    assert!(loaded.diagnostics.iter().all(|d| d.code.kind == CodeKind::Expectation));
    let count = |code: &str| loaded.diagnostics.iter().filter(|d| d.code == code).count();
    assert_eq!((count("CORS201"), count("CORS202")), (8, 1), "{:#?}", loaded.diagnostics);
    insta::assert_snapshot!(human::render(&loaded.sources, &loaded.diagnostics, false));
}

#[test]
fn every_example_keeps_its_expectations() {
    for path in common::example_paths() {
        let text = std::fs::read_to_string(&path).expect("example");
        let built = build(&path, &text);
        let Ok((_, loaded)) = built else { panic!("{}: refused", path.display()) };
        assert!(loaded.expectations > 0, "{}: the examples carry expectations", path.display());
    }
}

#[test]
fn fmt_round_trips_expectations_and_test_blocks() {
    let messy = "policy api{origin https://a.example;\n  expect   allow https://a.example PUT   headers Content-Type X-A credentials expose X-Id ;\nexpect refuse 'null';}\ntest api {expect refuse https://b.example;   # kept\n}\n";
    let canonical = "policy api {\n    origin https://a.example;\n    expect allow https://a.example PUT headers Content-Type X-A credentials expose X-Id;\n    expect refuse \"null\";\n}\n\ntest api {\n    expect refuse https://b.example; # kept\n}\n";
    let printed = printer::format(&SourceFile::new("t.cors", messy)).expect("parses");
    assert_eq!(printed, canonical);
    let again = printer::format(&SourceFile::new("t.cors", printed.as_str())).expect("parses");
    assert_eq!(again, printed, "idempotent");
    // Same meaning: the same expectations, and both load.
    let shape = |text: &str| {
        let (doc, diags) = syntax::parse(&SourceFile::new("t.cors", text), FileId(0));
        assert!(diags.is_empty(), "{diags:#?}");
        format!(
            "{:?}",
            doc.directives
                .iter()
                .map(|d| (
                    d.name(),
                    d.args.iter().map(|a| (a.kind, a.value.clone())).collect::<Vec<_>>()
                ))
                .collect::<Vec<_>>()
        )
    };
    assert_eq!(shape(messy), shape(&printed));
    assert_eq!(common::load(messy).expectations, common::load(&printed).expectations);
    assert_eq!(common::load(&printed).expectations, 3);
}
