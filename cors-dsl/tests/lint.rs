//! Every lint rule on real policy text: one policy that must trigger it and one
//! near miss that must not (a false positive is a bug), plus suppressions, fixes and
//! a rendered snapshot of a fixture with several findings.

use cors_dsl::diag::Diagnostic;
use cors_dsl::render::{github, human, json, sarif};
mod common;

use cors_dsl::{lint, load_str, Loaded, Severity};
use std::path::Path;

/// [`common::load`] of a policy that must load without errors.
fn load_valid(text: &str) -> Loaded {
    let loaded = common::load(text);
    assert!(
        !loaded.has_errors() && loaded.set.is_some(),
        "policy does not load:\n{text}\n{}",
        human::render(&loaded.sources, &loaded.diagnostics, false)
    );
    loaded
}

fn lint_text(text: &str) -> Vec<Diagnostic> {
    let loaded = load_valid(text);
    let set = loaded.set.as_ref().expect("checked in load_valid()");
    lint::lint(set, &loaded.sources)
}

/// Findings of `code` in `policy` (a policy body, wrapped in `policy p { … }`).
fn findings(code: &str, body: &str) -> Vec<Diagnostic> {
    let text = format!("policy p {{\n{body}\n}}\n");
    lint_text(&text).into_iter().filter(|d| d.code == code).collect()
}

/// (code, body that triggers it with the severity expected, near miss that must not).
const CASES: &[(&str, &str, Severity, &str)] = &[
    ("CORS101", r#"origin ~ "https?://.*";"#, Severity::Error, r#"origin ~ "https://[a-z]+\.example\.com";"#),
    ("CORS101", r#"origin ~ ".+";"#, Severity::Error, r#"origin ~ "https://.*\.example\.com";"#),
    ("CORS102", r#"origin ~ "https://app.example.com";"#, Severity::Error, r#"origin ~ "https://app\.example\.com";"#),
    ("CORS102", r#"origin ~ "https://app\.example\.com.*";"#, Severity::Error, r#"origin ~ "https://(www\.)?example\.com";"#),
    ("CORS102", r#"origin ~ "https://.*example\.com";"#, Severity::Error, r#"origin ~ "https://[a-z0-9-]+\.example\.com";"#),
    ("CORS102", r#"origin ~ "https://[a-z]+\.example\.com[a-z.]*";"#, Severity::Error, r#"origin ~ "http://localhost:[0-9]+";"#),
    ("CORS102", r#"origin ~ "https://.*shop\.acme\.test";"#, Severity::Error, r#"origin ~ "https://(.+\.)?shop\.acme\.test";"#),
    ("CORS103", "origin https://a.example null;", Severity::Warning, "origin https://a.example;"),
    ("CORS103", "origin null;\ncredentials on;", Severity::Error, "origin https://null.example;\ncredentials on;"),
    ("CORS103", "origin file://;", Severity::Warning, "origin capacitor://localhost tauri://localhost;"),
    ("CORS103", "origin file://;\ncredentials on;", Severity::Error, "origin https://localhost;\ncredentials on;"),
    ("CORS104", "origin http://*.example.com:*;", Severity::Info, "origin http://*.localhost:*;"),
    ("CORS105", "origin https://*.example.com:*;\ncredentials on;", Severity::Warning, "origin https://*.example.com:*;"),
    ("CORS121", "origin https://*.github.io:*;", Severity::Warning, "origin https://*.example.com:*;"),
    ("CORS117", "origin https://*.example.com:* HTTPS://*.Example.com:*;", Severity::Info, "origin https://*.example.com https://*.example.com:*;"),
    ("CORS120", "allow { origin https://*.example.com:*; }\nallow { origin https://admin.example.com:8443; credentials on; }", Severity::Warning, "allow { origin https://*.example.com:8443; }\nallow { origin https://admin.example.com:9443; credentials on; }"),
    ("CORS120", "allow { origin https://*.example.com:*; }\norigin https://dev.example.com:*;", Severity::Warning, "allow { origin https://*.example.com; }\norigin https://dev.example.com:*;"),
    ("CORS104", "origin http://app.example.com;", Severity::Info, "origin https://app.example.com;"),
    ("CORS104", "origin http://app.example.com;\ncredentials on;", Severity::Error, "origin http://localhost:3000 http://127.0.0.1:*;\ncredentials on;"),
    ("CORS105", "origin https://*.example.com;\ncredentials on;", Severity::Warning, "origin https://*.example.com;"),
    ("CORS121", "origin https://*.github.io;", Severity::Warning, "origin https://*.example.com;"),
    ("CORS121", "origin https://*.co.uk;", Severity::Warning, "origin https://*.example.co.uk;"),
    ("CORS121", r#"origin ~ "https://[a-z]+\.vercel\.app";"#, Severity::Warning, r#"origin ~ "https://my-app\.vercel\.app";"#),
    ("CORS121", "origin https://*.github.io;\ncredentials on;", Severity::Error, "origin https://my-org.github.io;\ncredentials on;"),
    ("CORS106", r#"origin ~ "https://mine\.netlify\.app";"#, Severity::Warning, r#"origin ~ "https://mine\.example\.com";"#),
    ("CORS106", "origin https://mine.netlify.app;", Severity::Info, "origin https://netlify.example.com;"),
    ("CORS106", "origin https://s3.amazonaws.com;", Severity::Warning, "origin https://s3.example.com;"),
    ("CORS101", r#"origin ~ "(?i)HTTPS://.*";"#, Severity::Error, r#"origin ~ "https://[a-z0-9.-]+\.example\.com";"#),
    ("CORS103", r#"origin ~ "https://shop\.acme\.test|null";"#, Severity::Warning, r#"origin ~ "https://shop\.acme\.test|https://null\.acme\.test";"#),
    ("CORS103", "origin ~ \"https://shop\\.acme\\.test|null\";\ncredentials on;", Severity::Error, "origin ~ \"https://shop\\.acme\\.test\";\ncredentials on;"),
    ("CORS104", r#"origin ~ "https?://app\.example\.com";"#, Severity::Info, r#"origin ~ "https?://localhost(:[0-9]+)?";"#),
    ("CORS104", "origin ~ \"https?://app\\.example\\.com\";\ncredentials on;", Severity::Error, "origin ~ \"https://app\\.example\\.com\";\ncredentials on;"),
    ("CORS105", "origin ~ \"https://(.+\\.)?acme\\.test\";\ncredentials on;", Severity::Warning, "origin ~ \"https://(www\\.|shop\\.)?acme\\.test\";\ncredentials on;"),
    ("CORS105", "origin ~ \"https://[a-z0-9-]+\\.acme\\.test\";\ncredentials on;", Severity::Warning, "origin ~ \"https://[a-z0-9-]+\\.acme\\.test\";"),
    ("CORS122", r#"origin ~ "[a-z]+://.+\.acme\.test";"#, Severity::Error, r#"origin ~ "(https|capacitor)://app\.acme\.test";"#),
    ("CORS123", r#"origin ~ "https://app\.acme\.test|https://[a-z]+\.com";"#, Severity::Error, r#"origin ~ "https://app\.acme\.test|https://[a-z]+\.acme\.test";"#),
    ("CORS123", r#"origin ~ "https://[a-z]+\.[a-z]+";"#, Severity::Error, r#"origin ~ "https?://(localhost|127\.0\.0\.1)(:[0-9]+)?";"#),
    ("CORS124", r#"origin ~ "https://[a-z0-9]*x[a-z0-9]{16}\.example\.com";"#, Severity::Info, r#"origin ~ "https://[a-z0-9]{1,16}\.example\.com";"#),
    ("CORS107", "origin https://a.example;\nheaders *;\ncredentials on;", Severity::Warning, "origin https://a.example;\nheaders *;"),
    ("CORS107", "origin https://a.example;\nmethods *;\ncredentials on;", Severity::Warning, "origin https://a.example;\nmethods PUT;\ncredentials on;"),
    ("CORS108", "origin https://a.example;\nheaders *;", Severity::Info, "origin https://a.example;\nheaders * Authorization;"),
    ("CORS109", "origin https://a.example;\nheaders X-Id Cookie;", Severity::Warning, "origin https://a.example;\nheaders X-Id X-Cookie-Name;"),
    ("CORS109", "origin https://a.example;\nheaders Sec-Fetch-Mode X-Id;", Severity::Warning, "origin https://a.example;\nheaders X-Sec-Token;"),
    ("CORS110", "origin https://a.example;\nexpose X-Id Set-Cookie;", Severity::Warning, "origin https://a.example;\nexpose X-Id X-Set-Cookie-Count;"),
    ("CORS111", "origin https://a.example;\nheaders X-Id Access-Control-Allow-Origin;", Severity::Warning, "origin https://a.example;\nexpose Access-Control-Allow-Origin;"),
    ("CORS112", "origin https://a.example;\nmethods PUT patch;", Severity::Error, "origin https://a.example;\nmethods PUT PATCH X-custom;"),
    ("CORS113", "origin https://a.example;\nmethods GET PUT;", Severity::Info, "origin https://a.example;\nmethods PUT;\nheaders Content-Type;"),
    ("CORS113", "origin https://a.example;\nmethods HEAD PUT;", Severity::Info, "origin https://a.example;\nheaders Accept Accept-Language X-Id;"),
    ("CORS114", "origin https://a.example;\nmax-age 7d;", Severity::Warning, "origin https://a.example;\nmax-age 2h;"),
    ("CORS114", "origin https://a.example;\nmax-age 3h;", Severity::Info, "origin https://a.example;\nmax-age 7200;"),
    ("CORS115", "origin *;\nprivate-network on;", Severity::Error, "origin https://console.example.com;\nprivate-network on;"),
    ("CORS115", "origin http://console.example.com;\nprivate-network on;", Severity::Error, "origin http://localhost:8080;\nprivate-network on;"),
    ("CORS116", "origin https://a.example;\nprivate-network on;", Severity::Info, "origin https://a.example;\nprivate-network off;"),
    ("CORS117", "origin https://a.example HTTPS://A.example:443;", Severity::Info, "origin https://a.example https://a.example:8443;"),
    ("CORS117", "origin https://a.example;\nheaders X-Id x-id;", Severity::Info, "origin https://a.example;\nheaders X-Id X-Ids;"),
    ("CORS117", "origin https://a.example;\nmethods PUT PUT;", Severity::Info, "origin https://a.example;\nmethods PUT put;"),
    ("CORS118", "origin https://a.example *;", Severity::Info, "origin *;"),
    ("CORS119", "methods PUT;", Severity::Warning, "origin https://a.example;\nmethods PUT;"),
    ("CORS119", "origin https://a.example;\nallow {\n    methods PUT;\n}", Severity::Warning, "origin https://a.example;\nallow {\n    origin https://b.example;\n}"),
    ("CORS120", "allow { origin https://*.example.com; }\nallow { origin https://admin.example.com; credentials on; }", Severity::Warning, "allow { origin https://admin.example.com; credentials on; }\nallow { origin https://*.example.com; }"),
    ("CORS120", "allow { origin *; }\norigin https://a.example;", Severity::Warning, "allow { origin https://a.example; }\norigin https://b.example;"),
    ("CORS120", "allow { origin ~ \"https://[a-z]+\\.example\\.com\"; }\norigin https://app.example.com;", Severity::Warning, "allow { origin ~ \"https://[a-z]+\\.example\\.com\"; }\norigin https://app.example.com https://b.example.org;"),
    ("CORS110", "origin https://a.example;\nexpose X-Id Referer;", Severity::Warning, "origin https://a.example;\nexpose X-Id Date Via;"),
    ("CORS110", "origin https://a.example;\nexpose Sec-Fetch-Site;", Severity::Warning, "origin https://a.example;\nexpose Sec-WebSocket-Accept;"),
    ("CORS113", "origin https://a.example;\nexpose Content-Type X-Id;", Severity::Info, "origin https://a.example;\nexpose Content-Disposition X-Id;"),
    ("CORS130", "origin https://a.example;\nmethods PUT OPTIONS;", Severity::Info, "origin https://a.example;\nmethods PUT;"),
    ("CORS131", "origin HTTPS://App.example.com;", Severity::Info, "origin https://app.example.com;"),
    ("CORS131", "origin https://app.example.com:443;", Severity::Info, "origin https://app.example.com:8443;"),
    ("CORS131", "origin https://bücher.example;", Severity::Info, "origin https://xn--bcher-kva.example;"),
    ("CORS131", "origin https://*.Example.com:*;", Severity::Info, "origin https://*.example.com:* \"https://a.example\";"),
    ("CORS132", "origin http://localhost:3000;\ncredentials on;", Severity::Info, "origin http://localhost:3000;"),
    ("CORS132", "origin http://*.localhost:* http://[::1]:8080;\ncredentials on;", Severity::Info, "origin https://localhost capacitor://localhost;\ncredentials on;"),
    ("CORS133", "origin *;", Severity::Info, "origin https://a.example;"),
];

#[test]
fn every_rule_triggers_and_has_a_near_miss() {
    for (code, trigger, severity, near_miss) in CASES {
        let found = findings(code, trigger);
        assert!(
            !found.is_empty(),
            "{code} should fire on:\n{trigger}\nall findings: {:#?}",
            lint_text(&format!("policy p {{\n{trigger}\n}}\n"))
        );
        assert!(
            found.iter().any(|d| d.severity == *severity),
            "{code} on:\n{trigger}\nexpected severity {severity}, got {found:#?}"
        );
        for d in &found {
            assert!(
                !d.message.is_empty() && !d.label.is_empty() && d.help.is_some(),
                "{code}: {d:#?}"
            );
            assert!(!d.message.ends_with('.'), "{code}: message ends with a period: {}", d.message);
        }
        let wrong = findings(code, near_miss);
        assert!(wrong.is_empty(), "{code} must not fire on:\n{near_miss}\ngot {wrong:#?}");
    }
}

#[test]
fn every_lint_rule_has_a_case() {
    for m in cors_dsl::lint::registry::all()
        .filter(|m| m.code.starts_with("CORS1") && !m.code.starts_with("CORS19"))
    {
        assert!(CASES.iter().any(|(c, ..)| *c == m.code), "no test case for {}", m.code);
    }
}

/// Applies a finding's fix to the text.
fn apply(text: &str, d: &Diagnostic) -> String {
    let fix = d.fix.as_ref().unwrap_or_else(|| panic!("{} has no fix: {d:#?}", d.code));
    let mut out = text.to_string();
    out.replace_range(fix.span.range(), &fix.replacement);
    out
}

#[test]
fn fixes_produce_the_intended_policy() {
    let cases = [
        ("CORS112", "methods PUT patch;", "methods PUT PATCH;"),
        ("CORS113", "methods GET PUT;", "methods PUT;"),
        ("CORS113", "methods PUT POST;", "methods PUT;"),
        ("CORS117", "headers X-Id x-id;", "headers X-Id;"),
        ("CORS109", "headers Cookie X-Id;", "headers X-Id;"),
        ("CORS110", "expose X-Id Set-Cookie;", "expose X-Id;"),
    ];
    for (code, line, want) in cases {
        let text = format!("policy p {{\n    origin https://a.example;\n    {line}\n}}\n");
        let d = lint_text(&text)
            .into_iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code} on {line}"));
        let fixed = apply(&text, &d);
        assert_eq!(fixed, text.replace(line, want), "{code} fix of {line:?}");
        // The fixed policy still loads, and the finding is gone.
        assert!(lint_text(&fixed).iter().all(|f| f.code != code || f.span != d.span), "{fixed}");
    }
}

#[test]
fn a_fix_that_could_refuse_a_working_front_end_is_only_a_suggestion() {
    // A front-end that sends `Access-Control-Allow-Origin` today (a common mistake)
    // would be refused its preflight if `--fix` dropped the entry unattended.
    let text = "policy p {\n    origin https://a.example;\n    headers X-Id Access-Control-Allow-Origin;\n}\n";
    let d = lint_text(text).into_iter().find(|d| d.code == "CORS111").expect("CORS111");
    let fix = d.fix.expect("a suggested removal");
    assert_eq!(fix.applicability, cors_dsl::diag::Applicability::MaybeIncorrect);
}

#[test]
fn no_fix_that_would_leave_an_empty_statement() {
    let text = "policy p {\n    origin https://a.example;\n    methods GET;\n}\n";
    let d = lint_text(text).into_iter().find(|d| d.code == "CORS113").expect("CORS113");
    assert!(d.fix.is_none(), "deleting the only method would leave `methods ;`");
}

#[test]
fn suppressions() {
    // Used, with a reason: the finding is gone and nothing else is reported.
    let used = "policy p {\n    # corsc: allow CORS103 \"kiosk app runs from file://\"\n    origin null;\n}\n";
    assert_eq!(lint_text(used), vec![]);

    // Without a reason: still suppresses, but CORS190.
    let bare = "policy p {\n    # corsc: allow CORS103\n    origin null;\n}\n";
    let codes: Vec<_> = lint_text(bare).iter().map(|d| d.code).collect();
    assert_eq!(codes, ["CORS190"]);

    // Suppressing nothing: CORS191, and the finding elsewhere stays.
    let unused = "policy p {\n    # corsc: allow CORS103 \"old\"\n    origin https://a.example;\n    origin null;\n}\n";
    let codes: Vec<_> = lint_text(unused).iter().map(|d| d.code).collect();
    assert_eq!(codes, ["CORS191", "CORS103"]);

    // Unknown code: CORS191 naming it.
    let unknown =
        "policy p {\n    # corsc: allow CORS999 \"typo\"\n    origin https://a.example;\n}\n";
    let found = lint_text(unknown);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "CORS191");
    assert!(found[0].message.contains("unknown code `CORS999`"), "{}", found[0].message);

    // A suppression only covers its own code.
    let other = "policy p {\n    # corsc: allow CORS104 \"not this one\"\n    origin null;\n}\n";
    let codes: Vec<_> = lint_text(other).iter().map(|d| d.code).collect();
    assert_eq!(codes, ["CORS191", "CORS103"]);
}

#[test]
fn inherited_statements_are_reported_once() {
    let text = "policy p {\n    headers Cookie;\n    allow { origin https://a.example; }\n    allow { origin https://b.example; }\n}\n";
    let found: Vec<_> = lint_text(text).into_iter().filter(|d| d.code == "CORS109").collect();
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn examples_are_clean_of_errors() {
    for (path, text) in common::examples() {
        let found = lint_text(&text);
        assert!(found.iter().all(|d| !d.is_error()), "{}: {found:#?}", path.display());
    }
}

const FIXTURE: &str = include_str!("fixtures/lint/several.cors");

fn fixture() -> (Loaded, Vec<Diagnostic>) {
    let loaded = load_str(Path::new("fixtures/lint/several.cors"), FIXTURE);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let found = lint::lint(loaded.set.as_ref().expect("loads"), &loaded.sources);
    (loaded, found)
}

#[test]
fn snapshot_human() {
    let (loaded, found) = fixture();
    insta::assert_snapshot!(human::render(&loaded.sources, &found, false));
}

#[test]
fn snapshot_json() {
    let (loaded, found) = fixture();
    insta::assert_snapshot!(json::render(&loaded.sources, &found));
}

#[test]
fn snapshot_sarif() {
    let (loaded, found) = fixture();
    insta::assert_snapshot!(sarif::render(&loaded.sources, &found));
}

#[test]
fn snapshot_github() {
    let (loaded, found) = fixture();
    insta::assert_snapshot!(github::render(&loaded.sources, &found));
}
