//! The module's configuration in a real nginx: `cors`/`cors off` inheritance across
//! `http`, `server` and nested locations; `nginx -t` rejections with nginx-worded
//! errors (snapshots); where the directives are allowed; reloads that keep the old
//! policy when the new one is broken; relative policy paths and globs (resolved like
//! `include`); and `.corsb` tables answering like their source.

use cors_tests::cases::{case, cors_view, get, pf, run, H, NO_CORS};
use cors_tests::fixtures::{main_setup, APP, HTTP, POLICIES};
use cors_tests::{nginx_t, our_lines, require_nginx, wait_for, Files, Nginx, Prefix, Req, Setup};

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
fn nginx_t_broken_policy() {
    let broken = "policy api {\n    origin https://app.example.com/;\n    methods GET;\n}\n";
    let http = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", broken)]) else { return };
    assert!(!ok, "{out}");
    assert!(out.contains("CORS004"), "{out}");
    insta::assert_snapshot!(our_lines(&out));
}

/// Issue #16: a lint error refuses the configuration like a language error, with the
/// same `file:line:col`, code and hint as `corsc lint`; a reasoned suppression loads.
#[test]
fn nginx_t_refuses_lint_errors_and_loads_a_reasoned_suppression() {
    let unsafe_policy = "policy api {\n    origin ~ \".*\";\n    credentials on;\n}\n";
    let http = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", unsafe_policy)]) else { return };
    assert!(!ok, "{out}");
    let emerg = out.lines().find(|l| l.contains("[emerg]") && l.contains("CORS101"));
    let emerg = emerg.unwrap_or_else(|| panic!("no [emerg] line with CORS101:\n{out}"));
    assert!(emerg.contains("policies.cors:2:12"), "{emerg}");
    assert!(emerg.contains("hint:"), "{emerg}");

    let suppressed = "policy api {\n    # corsc: allow CORS101 \"internal tool: every origin is ours\"\n    origin ~ \".*\";\n    credentials on;\n}\n";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", suppressed)]) else { return };
    assert!(ok, "{out}");
    assert!(!out.contains("[emerg]"), "{out}");
}

#[test]
fn nginx_t_unknown_policy() {
    let http = "cors_policy_file policies.cors;\nserver {\n    listen 127.0.0.1:{PORT};\n    cors nope;\n}";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", POLICIES)]) else { return };
    assert!(!ok, "{out}");
    insta::assert_snapshot!(our_lines(&out));
}

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
fn nginx_t_duplicate_policy_names_both_files() {
    let a = "policy api { origin https://a.example; }\n";
    let b = "policy web { origin https://w.example; }\npolicy api { origin https://b.example; }\n";
    let http = "cors_policy_file a.cors;\ncors_policy_file sub/b.cors;";
    let Some((ok, out)) = nginx_t(http, &[("a.cors", a), ("sub/b.cors", b)]) else { return };
    assert!(!ok, "{out}");
    let emerg = out.lines().find(|l| l.contains("[emerg]")).unwrap_or_default();
    for name in ["[PREFIX]/sub/b.cors", "[PREFIX]/a.cors", "\"api\""] {
        assert!(emerg.contains(name), "{name} not in {emerg:?}");
    }
    insta::assert_snapshot!(our_lines(&out));
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

/// Issue #16: reloading to a policy with a lint error keeps the old configuration.
#[test]
fn reload_to_an_unsafe_policy_keeps_the_old_one() {
    let env = require_nginx!();
    let safe = "policy api { origin https://one.example; }\n";
    let unsafe_policy = "policy api { origin ~ \".*\"; credentials on; }\n";
    let http =
        "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; root html; cors api; }";
    let setup =
        Setup::new(http).file("policies.cors", safe).file("html/data.txt", "data\n").master();
    let nginx = Nginx::start(&env, &setup);
    let acao = |origin: &str| {
        nginx.send(&get("/data.txt", origin)).all("Access-Control-Allow-Origin").join(",")
    };
    assert_eq!(acao("https://one.example"), "https://one.example");
    nginx.prefix.write("policies.cors", unsafe_policy);
    nginx.reload();
    let logged = wait_for(|| nginx.prefix.error_log().contains("CORS101"));
    assert!(logged, "no error for the unsafe policy:\n{}", nginx.prefix.error_log());
    assert_eq!(acao("https://one.example"), "https://one.example", "old policy must stay");
    assert_eq!(acao("https://evil.example"), "", "the unsafe policy must not be served");
}

/// Issue #10: a policy that breaks its own `expect` statement is refused by `nginx -t`
/// with the expectation's `file:line:col` and code (the verdict of `cors_dsl::build`);
/// the same policy with the expectation kept loads.
#[test]
fn nginx_t_refuses_a_policy_that_breaks_its_expectations() {
    let broken = "policy api {\n    origin https://app.example.com;\n    methods GET PUT;\n\n    expect allow https://app.example.com PUT;\n    expect allow https://app.example.com DELETE;\n}\n";
    let http = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", broken)]) else { return };
    assert!(!ok, "{out}");
    let emerg = out.lines().find(|l| l.contains("[emerg]") && l.contains("CORS201"));
    let emerg = emerg.unwrap_or_else(|| panic!("no [emerg] line with CORS201:\n{out}"));
    assert!(emerg.contains("policies.cors:6:5"), "{emerg}");
    assert!(emerg.contains("DELETE"), "{emerg}");
    insta::assert_snapshot!(our_lines(&out));

    let kept = broken.replace("methods GET PUT;", "methods GET PUT DELETE;");
    let Some((ok, out)) = nginx_t(http, &[("policies.cors", &kept)]) else { return };
    assert!(ok, "{out}");
    assert!(!out.contains("[emerg]"), "{out}");
}

/// Issue #10: reloading to a policy that breaks its expectations keeps the old one.
#[test]
fn reload_to_a_policy_that_breaks_its_expectations_keeps_the_old_one() {
    let env = require_nginx!();
    let old = "policy api {\n    origin https://one.example;\n    expect refuse https://two.example;\n}\n";
    let new = "policy api {\n    origin https://one.example https://two.example;\n    expect refuse https://two.example;\n}\n";
    let http =
        "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; root html; cors api; }";
    let setup =
        Setup::new(http).file("policies.cors", old).file("html/data.txt", "data\n").master();
    let nginx = Nginx::start(&env, &setup);
    let acao = |origin: &str| {
        nginx.send(&get("/data.txt", origin)).all("Access-Control-Allow-Origin").join(",")
    };
    assert_eq!(acao("https://one.example"), "https://one.example");
    nginx.prefix.write("policies.cors", new);
    nginx.reload();
    let logged = wait_for(|| nginx.prefix.error_log().contains("CORS201"));
    assert!(logged, "no error for the broken expectation:\n{}", nginx.prefix.error_log());
    assert_eq!(acao("https://one.example"), "https://one.example", "old policy must stay");
    assert_eq!(acao("https://two.example"), "", "the new policy must not be served");
}

/// `nginx -t` with nginx.conf in `conf/` under the prefix, so that the configuration
/// prefix (where `include` and now `cors_policy_file` resolve relative paths) is not the
/// prefix: (success, output with the prefix redacted to `[PREFIX]`).
fn nginx_t_conf_dir(http: &str, files: Files) -> Option<(bool, String)> {
    let env = cors_tests::env()?;
    let setup =
        files.iter().fold(Setup::new(http).conf_at("conf/nginx.conf"), |s, (p, c)| s.file(p, c));
    Some(Prefix::new(&env, &setup).check())
}

/// Issue #16: a relative path resolves against the directory of nginx.conf, like
/// `include` and `ssl_certificate`. Until then it resolved against the prefix (`-p`),
/// and this test asserted the opposite (it was `relative_policy_file_resolves_against_the_prefix`).
#[test]
fn relative_policy_file_resolves_against_the_conf_dir() {
    let env = require_nginx!();
    // nginx.conf lives in conf/, so the prefix and the configuration prefix differ; a
    // decoy policy under the prefix must not be the one loaded.
    let http = "cors_policy_file policies/p.cors;\n\
                server { listen 127.0.0.1:{PORT}; root html; cors api; location / { } }";
    let setup = Setup::new(http)
        .conf_at("conf/nginx.conf")
        .file("policies/p.cors", "policy api { origin https://prefix.example; }\n")
        .file("conf/policies/p.cors", "policy api { origin https://conf.example; }\n")
        .file("html/data.txt", "data\n");
    let nginx = Nginx::start(&env, &setup);
    let acao = |origin: &str| {
        nginx.send(&get("/data.txt", origin)).all("Access-Control-Allow-Origin").join(",")
    };
    assert_eq!(acao("https://conf.example"), "https://conf.example");
    assert_eq!(acao("https://prefix.example"), "");
    // Missing: the message shows the resolved path.
    let Some((ok, out)) = nginx_t_conf_dir("cors_policy_file nothere/p.cors;", &[]) else {
        return;
    };
    assert!(!ok, "{out}");
    assert!(out.contains("\"[PREFIX]/conf/nothere/p.cors\": cannot read"), "{out}");
}

/// Issue #16: a glob loads every match in name order, as `include` does (nginx's own
/// `ngx_open_glob`): here `a.cors` before `b.cors` though `b.cors` was written first,
/// and neither the hidden file nor the `.txt`. Both files' policies serve.
#[test]
fn glob_loads_every_match_in_name_order() {
    let env = require_nginx!();
    let http = "cors_policy_file cors/*.cors;\n\
                server { listen 127.0.0.1:{PORT}; root html;\n\
                location / { cors first; }\n\
                location /second/ { cors second; alias html/; } }";
    let b = "policy second { origin https://b.example; }\n";
    let a = "policy first { origin https://a.example; }\n";
    let hidden = "policy hidden { origin https://h.example; }\n";
    let setup = Setup::new(http)
        .conf_at("conf/nginx.conf")
        .file("conf/cors/b.cors", b)
        .file("conf/cors/a.cors", a)
        .file("conf/cors/.hidden.cors", hidden)
        .file("conf/cors/notes.txt", "not a policy")
        .file("html/data.txt", "data\n");
    let nginx = Nginx::start(&env, &setup);
    let r = nginx.send(&get("/data.txt", "https://a.example"));
    assert_eq!(r.all("Access-Control-Allow-Origin"), ["https://a.example"], "{r:?}");
    let r = nginx.send(&get("/second/data.txt", "https://b.example"));
    assert_eq!(r.all("Access-Control-Allow-Origin"), ["https://b.example"], "{r:?}");
    drop(nginx);

    // The order shows in the list of loaded policies; the hidden file is not loaded.
    let files: Files =
        &[("conf/cors/b.cors", b), ("conf/cors/a.cors", a), ("conf/cors/.h.cors", hidden)];
    let http = "cors_policy_file cors/*.cors;\ncors hidden_policy;";
    let Some((ok, out)) = nginx_t_conf_dir(http, files) else { return };
    assert!(!ok, "{out}");
    let expected = "unknown cors policy \"hidden_policy\" (loaded: \"first\", \"second\")";
    assert!(out.contains(expected), "{out}");

    // A name defined in two matches is refused, naming the first file.
    let dup = "policy first { origin https://c.example; }\n";
    let files: Files = &[("conf/cors/b.cors", dup), ("conf/cors/a.cors", a)];
    let Some((ok, out)) = nginx_t_conf_dir("cors_policy_file cors/*.cors;", files) else {
        return;
    };
    assert!(!ok, "{out}");
    let expected = "cors_policy_file \"[PREFIX]/conf/cors/b.cors\": policy \"first\" is \
                    already defined in \"[PREFIX]/conf/cors/a.cors\"";
    assert!(out.contains(expected), "{out}");
}

/// Issue #16: a glob that matches nothing is accepted, as by `include`; a `cors NAME`
/// that then finds nothing says so.
#[test]
fn glob_without_a_match() {
    let Some((ok, out)) = nginx_t_conf_dir("cors_policy_file cors/*.cors;", &[]) else {
        return;
    };
    assert!(ok, "{out}");
    assert!(!out.contains("[warn]"), "{out}");
    let http = "cors_policy_file cors/*.cors;\ncors api;";
    let Some((ok, out)) = nginx_t_conf_dir(http, &[("conf/cors/api.txt", "")]) else { return };
    assert!(!ok, "{out}");
    let expected = "unknown cors policy \"api\" (cors_policy_file \
                    \"[PREFIX]/conf/cors/*.cors\" matched no files)";
    assert!(out.contains(expected), "{out}");
}

/// Issues #16 and #18: a policy file that defines no policies loads with a warning.
#[test]
fn empty_policy_file_warns() {
    let files: Files = &[("empty.cors", "# policies come later\n")];
    let Some((ok, out)) = nginx_t("cors_policy_file empty.cors;", files) else { return };
    assert!(ok, "{out}");
    let expected =
        "[warn] cors_policy_file \"[PREFIX]/empty.cors\": defines no policies in [PREFIX]/nginx.conf:";
    assert!(out.contains(expected), "{out}");
    let Some((ok, out)) = nginx_t("cors_policy_file empty.cors;\ncors api;", files) else {
        return;
    };
    assert!(!ok, "{out}");
    let expected = "unknown cors policy \"api\" (the policy files loaded before this line \
                    define no policies)";
    assert!(out.contains(expected), "{out}");
}

/// Issue #18: a policy saved with a byte-order mark loads, and a table whose magic bytes
/// were damaged is called a damaged table (not "not UTF-8 text").
#[test]
fn a_byte_order_mark_loads_and_a_damaged_magic_is_named() {
    let files: Files = &[
        ("bom.cors", "\u{feff}policy api { origin https://app.example.com; }\n"),
        ("damaged.corsb", "XORSB\0\r\n\u{3}\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
    ];
    let Some((ok, out)) = nginx_t("cors_policy_file bom.cors;\ncors api;", files) else { return };
    assert!(ok, "{out}");
    let Some((ok, out)) = nginx_t("cors_policy_file damaged.corsb;", files) else { return };
    assert!(!ok, "{out}");
    assert!(out.contains("damaged.corsb\": damaged rule table"), "{out}");
}

/// Issue #16: `cors NAME` that names no loaded policy suggests the nearest one (a
/// different case first, then a small edit distance) or lists what is loaded.
#[test]
fn unknown_policy_suggests_the_nearest_or_lists_the_loaded() {
    let policies = "policy api { origin https://a.example; }\npolicy web { origin https://w.example; }\npolicy apix { origin https://x.example; }\n";
    let table = [
        ("Api", "(did you mean \"api\"?)"),
        ("WEB", "(did you mean \"web\"?)"),
        ("wbe", "(did you mean \"web\"?)"),
        ("apixx", "(did you mean \"apix\"?)"),
        ("payments", "(loaded: \"api\", \"web\", \"apix\")"),
    ];
    for (name, hint) in table {
        let http = format!("cors_policy_file p.cors;\ncors {name};");
        let Some((ok, out)) = nginx_t(&http, &[("p.cors", policies)]) else { return };
        assert!(!ok, "{out}");
        let expected =
            format!("[emerg] unknown cors policy \"{name}\" {hint} in [PREFIX]/nginx.conf:");
        assert!(out.contains(&expected), "expected {expected:?} in:\n{out}");
    }
}

/// Where the directives are not allowed, in nginx's own words: `cors` in `if` (server
/// or location) and `limit_except`, `cors_policy_file` below `http`.
#[test]
fn nginx_t_directive_contexts() {
    let p = "policy api { origin https://a.example; }\n";
    let server = |body: &str| {
        format!("cors_policy_file p.cors;\nserver {{ listen 127.0.0.1:{{PORT}}; {body} }}")
    };
    let refused = [
        (
            server("location / { if ($arg_x) { cors api; } }"),
            "\"cors\" directive is not allowed here",
        ),
        (server("if ($arg_x) { cors api; }"), "\"cors\" directive is not allowed here"),
        (
            server("location / { limit_except GET { cors api; } }"),
            "\"cors\" directive is not allowed here",
        ),
        (server("cors_policy_file p.cors;"), "\"cors_policy_file\" directive is not allowed here"),
    ];
    for (http, expected) in &refused {
        let Some((ok, out)) = nginx_t(http, &[("p.cors", p)]) else { return };
        assert!(!ok, "accepted:\n{http}\n{out}");
        assert!(out.contains(expected), "for\n{http}\nexpected {expected:?} in:\n{out}");
    }
    let accepted = server("cors api; location / { cors off; location /n/ { cors api; } }");
    let Some((ok, out)) = nginx_t(&accepted, &[("p.cors", p)]) else { return };
    assert!(ok, "{accepted}\n{out}");
}

/// `cors` is not allowed in `limit_except`, but a location with `limit_except` keeps
/// its policy there, and the preflight is answered before the method check denies it.
#[test]
fn limit_except_inherits_the_policy_and_never_blocks_a_preflight() {
    let env = require_nginx!();
    let http = "cors_policy_file p.cors;\n\
                server { listen 127.0.0.1:{PORT}; root html; cors api;\n\
                location / { limit_except GET { deny all; } } }";
    let setup = Setup::new(http)
        .file("p.cors", "policy api { origin https://a.example; methods PUT; }\n")
        .file("html/data.txt", "data\n");
    let nginx = Nginx::start(&env, &setup);
    let r = nginx.send(&pf("/data.txt", "https://a.example", "PUT"));
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.all("Access-Control-Allow-Origin"), ["https://a.example"], "{r:?}");
    let r = nginx.send(&get("/data.txt", "https://a.example"));
    assert_eq!(r.all("Access-Control-Allow-Origin"), ["https://a.example"], "{r:?}");
}

#[test]
fn corsb_table_answers_like_its_source() {
    let env = require_nginx!();
    // Both nginx serve the same configuration; one loads policies.cors, the other the
    // table compiled from it (written with cors_dsl, as `corsc compile` does).
    let source = Nginx::start(&env, &main_setup());
    let http = HTTP.replace("cors_policy_file policies.cors;", "cors_policy_file tables.corsb;");
    assert_ne!(http, HTTP, "the main setup loads policies.cors");
    let prefix = Prefix::new(&env, &Setup { http, ..main_setup() });
    let policy = prefix.dir.path().join("policies.cors");
    let (table, _) =
        cors_dsl::build_table(&policy).unwrap_or_else(|l| panic!("{:?}", l.diagnostics));
    let bytes = table.to_bytes();
    assert!(cors_dsl::corsb::is_table(&bytes));
    std::fs::write(prefix.dir.path().join("tables.corsb"), &bytes).expect("write table");
    // Without the source the module could only be reading the table.
    std::fs::remove_file(&policy).expect("remove source");
    let table = prefix.start();

    let requests = [
        pf("/data.txt", APP, "DELETE").header("Access-Control-Request-Headers", "x-request-id"),
        pf("/data.txt", APP, "PATCH"),
        pf("/data.txt", "https://evil.example", "PUT"),
        pf("/star/data.txt", "https://anyone.example", "PUT"),
        pf("/sub/data.txt", "https://a.b.example.com", "PUT"),
        pf("/regex/data.txt", "https://pr-7.preview.example.dev", "PUT"),
        pf("/regex/data.txt", "https://pr-x.preview.example.dev", "PUT"),
        pf("/null/data.txt", "null", "PUT"),
        pf("/ok200/data.txt", APP, "PUT"),
        pf("/passrefused/x", APP, "PATCH"),
        get("/data.txt", APP),
        get("/proxy/x", "https://evil.example"),
        Req::get("/data.txt"),
    ];
    for req in &requests {
        let (a, b) = (source.send(req), table.send(req));
        assert_eq!(cors_view(&a), cors_view(&b), "source vs .corsb for {req:?}");
    }
    // And the answers are real ones, not two identical failures.
    let r = table.send(&requests[0]);
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.all("Access-Control-Allow-Origin"), [APP], "{r:?}");
    assert_eq!(table.send(&requests[2]).status, 403);
}

/// The module keeps per-request state in two indexed-variable entries (`ffi/slot.rs`)
/// whose names contain `:` so that no configuration can read or overwrite them: every
/// way of writing such a reference is refused by `nginx -t` (nginx takes `$cors` as the
/// variable, which does not exist) or is not a variable at all.
#[test]
fn the_modules_request_slots_cannot_be_referenced() {
    for reference in ["$cors:decider", "${cors:decider}", "$cors:decision"] {
        let http = format!(
            "server {{ listen 127.0.0.1:{{PORT}}; location / {{ return 200 \"{reference}\"; }} }}"
        );
        let Some((ok, out)) = nginx_t(&http, &[]) else { return };
        assert!(!ok, "{reference} must not compile:\n{out}");
    }
    // `set` cannot create a variable by that name either.
    let http = "server { listen 127.0.0.1:{PORT}; location / { set $cors:decider x; } }";
    let Some((ok, out)) = nginx_t(http, &[]) else { return };
    assert!(!ok, "set must refuse the name:\n{out}");
}

/// Issue #13: a generated tenants list (`include-origins`) loads into nginx and answers;
/// `cors_policy_max_size` bounds each source file read, with a hint naming the directive,
/// and raising it lets the same file load.
#[test]
fn include_origins_and_the_source_size_bound() {
    let tenants: String =
        (0..200).map(|i| format!("https://t{i}.customers.example.net\n")).collect();
    let policy = "policy api {\n    include-origins \"tenants.txt\";\n    credentials on;\n}\n";
    let files: Files = &[("api.cors", policy), ("tenants.txt", &tenants)];
    let http = |max: &str| {
        format!(
            "{max}cors_policy_file api.cors;\n\
             server {{ listen 127.0.0.1:{{PORT}}; root html; location / {{ cors api; }} }}"
        )
    };
    let Some((ok, out)) = nginx_t(&http("cors_policy_max_size 1k;\n"), files) else { return };
    assert!(!ok, "a 7 KB list over a 1 KiB bound must not load:\n{out}");
    assert!(out.contains("tenants.txt") && out.contains("cors_policy_max_size"), "{out}");
    let Some((ok, out)) = nginx_t(&http("cors_policy_max_size 64k;\n"), files) else { return };
    assert!(ok, "{out}");

    let env = require_nginx!();
    let setup = files
        .iter()
        .fold(Setup::new(&http("")), |s, (p, c)| s.file(p, c))
        .file("html/x.txt", "x\n");
    let nginx = Nginx::start(&env, &setup);
    let allowed = "https://t199.customers.example.net";
    let resp = nginx.send(&Req::get("/x.txt").origin(allowed));
    assert_eq!(resp.get("access-control-allow-origin"), Some(allowed));
    let refused = nginx.send(&Req::get("/x.txt").origin("https://t200.customers.example.net"));
    assert!(refused.cors_headers().is_empty(), "{:?}", refused.cors_headers());
}
