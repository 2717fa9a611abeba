//! Validation tests: which codes each mistake gets, and what the model of a valid
//! policy looks like (defaults, the implicit rule, normalisation, suppressions,
//! includes).

use cors_dsl::model::{
    AllowList, OriginPattern, PortPattern, PreflightMode, RefusedPreflight, Rule,
};
mod common;

use common::load;
use cors_dsl::load_file;
use std::path::Path;

fn codes(text: &str) -> Vec<&'static str> {
    load(text).diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// The rules of the only policy of a valid `text`.
fn rules(text: &str) -> Vec<Rule> {
    let loaded = load(text);
    let set = loaded.set.unwrap_or_else(|| panic!("{text}\n{:#?}", loaded.diagnostics));
    assert_eq!(set.policies.len(), 1, "{text}");
    set.policies.into_iter().next().map(|p| p.rules).unwrap_or_default()
}

fn names(list: &AllowList<String>) -> Vec<&str> {
    list.entries().iter().map(|e| e.node.as_str()).collect()
}

#[test]
fn each_mistake_gets_its_code() {
    let p = |body: &str| format!("policy p {{\n{body}\n}}\n");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (p("origin https://a.com"), vec!["CORS001"]),
        (p("orign https://a.com;"), vec!["CORS002"]),
        ("polcy p { }".into(), vec!["CORS002"]),
        (p("allow { header X; }"), vec!["CORS002"]),
        (p("credentials yes;"), vec!["CORS003"]),
        (p("credentials;"), vec!["CORS003"]),
        (p("credentials on off;"), vec!["CORS003"]),
        (p("private-network ~ on;"), vec!["CORS003"]),
        (p("preflight-status 201;"), vec!["CORS003"]),
        (p("preflight maybe;"), vec!["CORS003"]),
        (p("preflight-refused 500;"), vec!["CORS003"]),
        (p("preflight-refused +403;"), vec!["CORS003"]),
        (p("methods;"), vec!["CORS003"]),
        (p("origin;"), vec!["CORS003"]),
        (p("origin ~;"), vec!["CORS003"]),
        (p("origin ~ ~ \"a\";"), vec!["CORS003"]),
        (p("methods GET { }"), vec!["CORS003"]),
        (p("allow;"), vec!["CORS003"]),
        (p("allow x { }"), vec!["CORS003"]),
        ("policy;".into(), vec!["CORS003"]),
        ("policy { }".into(), vec!["CORS003"]),
        ("policy a b { }".into(), vec!["CORS003"]),
        ("include;".into(), vec!["CORS003"]),
        (p("origin https://a.com/;"), vec!["CORS004"]),
        (p("origin https://a.com https://b.com/x http://c.com:0;"), vec!["CORS004", "CORS004"]),
        (p("origin ~ \"(a\";"), vec!["CORS005"]),
        (p("origin ~ \"a)|(b\";"), vec!["CORS005"]),
        (p("origin ~ \"(?=a)\";"), vec!["CORS005"]),
        (p("origin *;\ncredentials on;"), vec!["CORS007"]),
        (p("credentials on;\nallow { origin *; }"), vec!["CORS007"]),
        (p("methods GET TRACE connect Track;"), vec!["CORS008", "CORS008", "CORS008"]),
        (p("methods GET, POST;"), vec!["CORS009"]),
        (p("headers X-A: \"X B\";"), vec!["CORS010", "CORS010"]),
        (p("expose \"a,b\";"), vec!["CORS010"]),
        ("policy a { }\npolicy a { }".into(), vec!["CORS011"]),
        ("include \"does-not-exist.cors\";".into(), vec!["CORS012"]),
        (p("max-age -1;"), vec!["CORS014"]),
        (p("max-age 10y;"), vec!["CORS014"]),
        (p("max-age 99999999999;"), vec!["CORS014"]),
        (p("credentials on;\ncredentials off;"), vec!["CORS015"]),
        (p("methods GET;\nallow { methods GET; methods POST; }"), vec!["CORS015"]),
        (p("preflight pass;\npreflight pass;"), vec!["CORS015"]),
        ("origin https://a.com;".into(), vec!["CORS016"]),
        ("allow { }".into(), vec!["CORS016"]),
        (p("allow { allow { } }"), vec!["CORS016"]),
        (p("allow { preflight pass; }"), vec!["CORS016"]),
        (p("policy q { }"), vec!["CORS016"]),
    ];
    for (text, want) in cases {
        assert_eq!(codes(&text), want, "input:\n{text}");
        assert!(load(&text).set.is_none(), "input:\n{text}");
    }
}

#[test]
fn every_error_is_reported_in_one_run() {
    let text = "policy p {\n  orign x;\n  credentials yes;\n  origin https://a.com/;\n  methods TRACE\n}\n\
                policy p { max-age -5; }\nallow { }\n";
    let got = codes(text);
    // The statement missing its `;` is still checked: `TRACE` is reported too.
    let want =
        ["CORS002", "CORS003", "CORS004", "CORS001", "CORS008", "CORS014", "CORS011", "CORS016"];
    let mut sorted_got = got.clone();
    sorted_got.sort_unstable();
    let mut sorted_want = want.to_vec();
    sorted_want.sort_unstable();
    assert_eq!(sorted_got, sorted_want, "{got:?}");
    let loaded = load(text);
    let starts: Vec<u32> = loaded.diagnostics.iter().map(|d| d.span.start).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "diagnostics in source order: {starts:?}");
}

#[test]
fn diagnostics_point_at_the_offending_token_with_help() {
    let text = "policy p {\n    orign https://a.com;\n    origin https://b.com/;\n}\n";
    let loaded = load(text);
    let [unknown, origin] = loaded.diagnostics.as_slice() else {
        panic!("{:#?}", loaded.diagnostics)
    };
    assert_eq!(loaded.sources.snippet(unknown.span), "orign");
    assert_eq!((unknown.span.line, unknown.span.col), (2, 5));
    assert_eq!(unknown.help.as_deref(), Some("did you mean `origin`?"));
    assert_eq!(unknown.fix.as_ref().map(|f| f.replacement.as_str()), Some("origin"));
    assert_eq!(loaded.sources.snippet(origin.span), "https://b.com/");
    assert!(origin.message.contains("trailing slash"), "{origin:?}");
    assert_eq!(origin.fix.as_ref().map(|f| f.replacement.as_str()), Some("https://b.com"));
    for d in &loaded.diagnostics {
        assert!(!d.label.is_empty() && d.help.is_some(), "{d:?}");
    }
}

#[test]
fn did_you_mean_suggestions() {
    let cases = [
        ("method GET;", Some("methods")),
        ("max_age 1;", Some("max-age")),
        ("credential on;", Some("credentials")),
        ("preflight_status 200;", Some("preflight-status")),
        ("exposes X;", Some("expose")),
        ("Origin https://a.com;", Some("origin")),
        ("frobnicate;", None),
    ];
    for (stmt, want) in cases {
        let loaded = load(&format!("policy p {{ {stmt} }}"));
        let d = loaded.diagnostics.first().unwrap_or_else(|| panic!("{stmt}: no diagnostic"));
        assert_eq!(d.code, "CORS002", "{stmt}");
        match want {
            Some(s) => {
                assert_eq!(d.help.as_deref(), Some(&*format!("did you mean `{s}`?")), "{stmt}")
            }
            None => assert!(
                d.help.as_deref().is_some_and(|h| h.starts_with("expected one of")),
                "{stmt}: {d:?}"
            ),
        }
    }
}

#[test]
fn duplicate_policy_points_at_both() {
    let loaded = load("policy a { }\npolicy a { }\n");
    let d = &loaded.diagnostics[0];
    assert_eq!(d.code, "CORS011");
    assert_eq!(d.span.line, 2);
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].span.line, 1);
}

#[test]
fn allow_rules_come_first_and_inherit_defaults() {
    let text = include_str!("../../examples/multi-tenant.cors");
    let rules = rules(text);
    assert_eq!(rules.len(), 2);
    let (billing, implicit) = (&rules[0], &rules[1]);
    assert!(!billing.implicit && implicit.implicit);
    assert_eq!(billing.origins[0].node, OriginPattern::Exact("https://billing.example.com".into()));
    assert_eq!(names(&billing.methods.node), ["GET", "POST", "PUT", "DELETE"]);
    assert_eq!(names(&billing.headers.node), ["Content-Type", "X-Tenant", "Authorization"]);
    assert!(billing.credentials.node);
    assert_eq!(billing.max_age.as_ref().map(|m| m.node), Some(600));
    assert_eq!(names(&implicit.headers.node), ["Content-Type", "X-Tenant"]);
    assert!(!implicit.credentials.node);
    assert_eq!(implicit.origins.len(), 2);
    assert_eq!(
        implicit.origins[0].node,
        OriginPattern::Subdomain {
            scheme: "https".into(),
            suffix: "example.com".into(),
            port: PortPattern::Default
        }
    );
    assert!(
        matches!(&implicit.origins[1].node, OriginPattern::Regex(r) if r.contains(r"\.preview"))
    );
    // Rule spans: the `allow` directive, and the first policy-level `origin`.
    assert_eq!(billing.span.line, 7);
    assert_eq!(implicit.span.line, 13);
}

#[test]
fn defaults_and_their_spans() {
    let text = "policy p {\n    allow { origin https://a.com; }\n}\n";
    let loaded = load(text);
    let set = loaded.set.expect("valid");
    let policy = &set.policies[0];
    let rule = &policy.rules[0];
    assert_eq!(policy.rules.len(), 1, "no implicit rule without policy-level origins");
    assert_eq!(rule.methods.node, AllowList::List(vec![]));
    assert_eq!(rule.headers.node, AllowList::List(vec![]));
    assert_eq!(rule.expose.node, AllowList::List(vec![]));
    assert!(!rule.credentials.node && !rule.private_network.node);
    assert!(rule.max_age.is_none());
    assert_eq!(rule.methods.span, policy.name.span);
    assert_eq!(rule.credentials.span, policy.name.span);
    assert_eq!(policy.preflight.mode.node, PreflightMode::Answer);
    assert_eq!(policy.preflight.success_status.node, 204);
    assert_eq!(policy.preflight.refused.node, RefusedPreflight::Status(403));
    assert_eq!(loaded.sources.snippet(policy.span), text.trim_end());
}

#[test]
fn preflight_settings_and_lists() {
    let text =
        "policy p {\n  preflight pass;\n  preflight-status 200;\n  preflight-refused 401;\n  \
                origin HTTPS://A.Example.COM:443 http://[::1]:* null;\n  methods * PATCH;\n  \
                headers * Authorization;\n  expose *;\n  private-network on;\n  max-age 2h;\n}\n";
    let loaded = load(text);
    let set = loaded.set.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    let policy = &set.policies[0];
    assert_eq!(policy.preflight.mode.node, PreflightMode::Pass);
    assert_eq!(policy.preflight.success_status.node, 200);
    assert_eq!(policy.preflight.refused.node, RefusedPreflight::Status(401));
    let rule = &policy.rules[0];
    let origins: Vec<String> = rule.origins.iter().map(|o| o.node.to_string()).collect();
    assert_eq!(origins, ["https://a.example.com", "http://[::1]:*", "null"]);
    assert!(rule.methods.node.is_any());
    assert_eq!(names(&rule.methods.node), ["PATCH"]);
    assert_eq!(names(&rule.headers.node), ["Authorization"]);
    assert!(rule.expose.node.is_any() && rule.private_network.node);
    assert_eq!(rule.max_age.as_ref().map(|m| m.node), Some(7200));
    let pass = load("policy p { preflight-refused pass; }").set.expect("valid");
    assert_eq!(pass.policies[0].preflight.refused.node, RefusedPreflight::Pass);
}

#[test]
fn regex_origins_span_from_tilde_to_pattern() {
    let text = "policy p { origin ~ \"^a$\" ~b https://c.com; }";
    let loaded = load(text);
    let set = loaded.set.expect("valid");
    let o = &set.policies[0].rules[0].origins;
    let shown: Vec<&str> = o.iter().map(|o| loaded.sources.snippet(o.span)).collect();
    assert_eq!(shown, ["~ \"^a$\"", "~b", "https://c.com"]);
    assert_eq!(o[1].node, OriginPattern::Regex("b".into()));
}

#[test]
fn suppressions_apply_to_the_right_line() {
    let text = "# corsc: allow CORS101 \"top\"\npolicy p {\n    # corsc: allow CORS102\n\n    \
                origin *; # corsc: allow CORS103 -- same line\n}\n";
    let set = load(text).set.expect("valid");
    let got: Vec<(&str, Option<&str>, u32)> = set
        .suppressions
        .iter()
        .map(|s| (s.code.as_str(), s.reason.as_deref(), s.applies_to_line))
        .collect();
    assert_eq!(
        got,
        [("CORS101", Some("top"), 2), ("CORS102", None, 5), ("CORS103", Some("same line"), 5)]
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/language/include").join(name)
}

#[test]
fn includes_are_spliced_where_written() {
    let loaded = load_file(&fixture("root.cors"));
    let set = loaded.set.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    let policies: Vec<&str> = set.policies.iter().map(|p| p.name.node.as_str()).collect();
    assert_eq!(policies, ["shared", "api"]);
    let api = &set.policies[1];
    let billing = &api.rules[0];
    assert_eq!(billing.origins[0].node.to_string(), "https://billing.example.com");
    assert!(billing.credentials.node);
    assert_eq!(names(&billing.methods.node), ["GET", "POST"], "inherits included defaults");
    assert_eq!(api.rules[1].origins[0].node.to_string(), "https://app.example.com");
    // Every file is in the source map, root first, spans point into the included file.
    let paths: Vec<String> = loaded
        .sources
        .files()
        .map(|(_, f)| {
            f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        })
        .collect();
    assert_eq!(paths, ["root.cors", "top.cors", "defaults.cors", "billing.cors"]);
    assert!(loaded.sources.path(billing.origins[0].span.file).ends_with("sub/billing.cors"));
    assert_eq!(set.suppressions.len(), 1);
    assert_eq!(set.suppressions[0].applies_to_line, 3);
}

#[test]
fn include_cycles_are_reported_with_the_chain() {
    let loaded = load_file(&fixture("cycle-a.cors"));
    assert!(loaded.set.is_none());
    let [d] = loaded.diagnostics.as_slice() else { panic!("{:#?}", loaded.diagnostics) };
    assert_eq!(d.code, "CORS013");
    assert_eq!(d.message, "include cycle: cycle-a.cors → cycle-b.cors → cycle-a.cors");
    assert!(loaded.sources.path(d.span.file).ends_with("cycle-b.cors"));
    assert_eq!(loaded.sources.snippet(d.span), "include \"cycle-a.cors\";");
}

#[test]
fn unreadable_root_still_yields_a_diagnostic() {
    let loaded = load_file(Path::new("no/such/file.cors"));
    assert!(loaded.set.is_none());
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].code, "CORS012");
    assert_eq!(
        loaded.sources.path(loaded.diagnostics[0].span.file),
        Path::new("no/such/file.cors")
    );
    let dir = load_file(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(dir.diagnostics[0].code, "CORS012", "a directory is not a policy file");
}

#[test]
fn relative_paths_stay_relative() {
    // `cargo test` runs integration tests from the package directory.
    let root = Path::new("tests/fixtures/language/include/root.cors");
    let loaded = load_file(root);
    assert!(loaded.set.is_some(), "{:#?}", loaded.diagnostics);
    let paths: Vec<_> = loaded.sources.files().map(|(_, f)| f.path.clone()).collect();
    assert_eq!(paths[0], root);
    assert_eq!(paths[3], Path::new("tests/fixtures/language/include/sub/billing.cors"));
}

fn origins_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/language/include-origins").join(name)
}

#[test]
fn include_origins_reads_one_origin_per_line() {
    let loaded = load_file(&origins_fixture("root.cors"));
    let set = loaded.set.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    let rules = &set.policies[0].rules;
    let listed: Vec<String> = rules[1].origins.iter().map(|o| o.node.to_string()).collect();
    // Comments and blank lines skipped, blanks and CRLF trimmed, spelling normalised.
    assert_eq!(
        listed,
        [
            "https://t1.customers.example.net",
            "https://t2.customers.example.net",
            "https://t4.customers.example.net"
        ]
    );
    assert_eq!(names(&rules[1].methods.node), ["GET", "POST"], "the policy's defaults apply");
    assert!(!rules[1].credentials.node);
    // Each origin points at its own line and column of the list.
    let t2 = &rules[1].origins[1];
    assert!(loaded.sources.path(t2.span.file).ends_with("tenants.txt"));
    assert_eq!((t2.span.line, t2.span.col), (4, 4));
    assert_eq!(loaded.sources.snippet(t2.span), "https://t2.customers.example.net");
}

#[test]
fn include_origins_reports_a_bad_line_where_it_is() {
    let loaded = load_file(&origins_fixture("bad-root.cors"));
    assert!(loaded.set.is_none());
    let [d] = loaded.diagnostics.as_slice() else { panic!("{:#?}", loaded.diagnostics) };
    assert_eq!(d.code, "CORS004");
    assert!(loaded.sources.path(d.span.file).ends_with("bad.txt"));
    assert_eq!((d.span.line, d.span.col), (2, 3));
    assert_eq!(loaded.sources.snippet(d.span), "https://bad.example.net/path");
}

#[test]
fn include_origins_of_an_empty_list_adds_nothing() {
    let loaded = load_file(&origins_fixture("empty-root.cors"));
    let set = loaded.set.unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    let origins: Vec<String> =
        set.policies[0].rules[0].origins.iter().map(|o| o.node.to_string()).collect();
    assert_eq!(origins, ["https://only.example.com"]);
}

#[test]
fn include_origins_takes_one_path() {
    assert_eq!(codes("policy p { include-origins; }"), ["CORS003"]);
    assert_eq!(codes("policy p { include-origins \"a.txt\" \"b.txt\"; }"), ["CORS003"]);
    assert_eq!(codes("policy p { include-origins \"no-such-list.txt\"; }"), ["CORS012"]);
}

#[test]
fn the_source_limit_is_a_bound_that_says_how_to_raise_it() {
    use cors_dsl::{load_file_with, SourceLimit};
    let root = origins_fixture("root.cors");
    // The list (about 150 bytes) is over a 100-byte limit; the root is not.
    let small = load_file_with(&root, SourceLimit::new(100));
    let [d] = small.diagnostics.as_slice() else { panic!("{:#?}", small.diagnostics) };
    assert_eq!(d.code, "CORS012");
    assert!(
        d.message.contains("larger than the policy source limit of 100 bytes"),
        "{}",
        d.message
    );
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("cors_policy_max_size") && help.contains("--max-source-size"), "{help}");
    assert!(!help.contains("permission"), "{help}");
    let roomy = load_file_with(&root, SourceLimit::new(1 << 10));
    assert!(roomy.set.is_some(), "{:#?}", roomy.diagnostics);
}

/// The loader streams top-level directives (issue #17): an `include-origins` there is
/// still read, and judged as the `origin` statement it stands for (one misplaced
/// `origin`, pointing at the `include-origins`).
#[test]
fn include_origins_at_the_top_level_is_a_misplaced_origin() {
    let root = origins_fixture("top.cors");
    let text = "include-origins \"tenants.txt\";\npolicy p { origin https://a.example; }\n";
    let loaded = cors_dsl::load_str(&root, text);
    let plain = cors_dsl::load_str(&root, "origin https://t1.customers.example.net;\n");
    let got: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
    let want: Vec<_> = plain.diagnostics.iter().map(|d| d.code).collect();
    assert!(!want.is_empty());
    assert_eq!(got, want, "{:#?}", loaded.diagnostics);
    let [d] = loaded.diagnostics.as_slice() else { panic!("{:#?}", loaded.diagnostics) };
    assert_eq!((d.span.line, d.span.col), (1, 1));
}

/// A long generated list is checked a few thousand origins at a time (issue #13); the
/// result is what one `origin` statement with every origin gives: the same origins in
/// order, the same lint findings (a repeat thousands of lines apart is still one), the
/// same error on a bad line far into the list.
#[test]
fn a_long_include_origins_list_is_one_origin_statement() {
    let dir = std::env::temp_dir().join(format!("cors-long-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut origins: Vec<String> =
        (0..10_000).map(|i| format!("https://t{i}.customers.example.net")).collect();
    origins.push("https://t5.customers.example.net".into());
    let run = |list: &[String]| {
        std::fs::write(dir.join("tenants.txt"), list.join("\n")).unwrap();
        let root = dir.join("root.cors");
        let listed = "policy p {\n  include-origins \"tenants.txt\";\n  methods PUT;\n}\n";
        let inline = format!("policy p {{\n  origin {};\n  methods PUT;\n}}\n", list.join(" "));
        let (a, b) = (cors_dsl::load_str(&root, listed), cors_dsl::load_str(&root, &inline));
        let summary = |l: &cors_dsl::Loaded| {
            let mut codes: Vec<_> = l.diagnostics.iter().map(|d| d.code.code).collect();
            if let Some(set) = &l.set {
                codes.extend(cors_dsl::lint::lint(set, &l.sources).iter().map(|d| d.code.code));
            }
            let origins: Vec<String> = l
                .set
                .iter()
                .flat_map(|s| &s.policies[0].rules[0].origins)
                .map(|o| o.node.to_string())
                .collect();
            (codes, origins)
        };
        (summary(&a), summary(&b), a)
    };
    let (listed, inline, loaded) = run(&origins);
    assert_eq!(listed, inline);
    assert_eq!(listed.1.len(), 10_001);
    assert!(listed.0.contains(&"CORS117"), "{:?}", listed.0);
    origins[9_000] = "https://bad.example.net/path".into();
    let (listed, inline, bad) = run(&origins);
    assert_eq!(listed, inline);
    let [d] = bad.diagnostics.as_slice() else { panic!("{:#?}", bad.diagnostics) };
    assert_eq!((d.code.code, d.span.line), ("CORS004", 9_001));
    drop(loaded);
    std::fs::remove_dir_all(&dir).ok();
}
