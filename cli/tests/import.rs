//! `corsc import` end to end: every recipe of the corpus (`tests/import/nginx/*.conf`,
//! `ingress/*.yaml`, `gateway/*.yaml`) imported by the real binary, the policy, the
//! report and the nginx diff snapshotted, faithful and `--fix`.
//!
//! Beyond the snapshots: the `--fix` policy of every recipe loads (the whole point of
//! `--fix`), `--compare` finds no request the imported policy refuses while the recipe
//! allowed it, a configuration rewritten with `--write` has no recipe left to import,
//! and the regex captures recipes rebuild origins with are followed. Real nginx
//! (`nginx -t` of the converted configurations, `--verify`): `nginx_import.rs`.

mod import_common;

use import_common::{copy_dir, corsc, fixtures, root, scratch, Run};
use std::path::Path;

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "snapshots/import", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name.to_string(), text);
    });
}

/// Imports one fixture faithfully (policy to a file, diff on stdout) and with `--fix`.
fn import(source: &str, rel: &str, extra: &[&str]) -> (String, Run, Run) {
    let stem =
        Path::new(rel).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = scratch(&format!("{source}-{stem}"));
    let out = dir.join("imported.cors");
    let out_s = out.display().to_string();
    let mut args = vec!["import", source, rel, "-o", &out_s];
    args.extend_from_slice(extra);
    let faithful = corsc(&args);
    let policy =
        std::fs::read_to_string(&out).unwrap_or_else(|e| format!("(no policy written: {e})"));
    let fix = corsc(&["import", source, rel, "--fix"]);
    let text = format!(
        "exit_code: {}\n----- policy -----\n{policy}\n----- report -----\n{}\n----- stdout -----\n{}\n----- --fix (exit {}) -----\n{}",
        faithful.code,
        faithful.stderr,
        faithful.stdout,
        fix.code,
        fix.stdout
    )
    .replace(&dir.display().to_string(), "[TMP]");
    (text, faithful, fix)
}

#[test]
fn nginx_corpus() {
    let names = fixtures("nginx", ".conf");
    assert!(names.len() >= 20, "the corpus has {} recipes", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let rel = format!("cli/tests/import/nginx/{name}");
        let (text, faithful, fix) = import(
            "nginx",
            &rel,
            &["--diff", "--compare", "--load-module", "modules/ngx_http_cors_module.so"],
        );
        snapshot(&format!("nginx__{}", name.trim_end_matches(".conf")), &text);
        // --compare: wherever a browser concludes differently, the module is the one
        // that accepts (a recipe bug it fixes), never the other way round.
        if faithful.stderr.contains("did not reproduce") {
            failures.push(format!(
                "{name}: the imported policy refuses what the recipe allowed\n{}",
                faithful.stderr
            ));
        }
        if faithful.code == 2 || fix.code != 0 {
            failures.push(format!(
                "{name}: exit {} / --fix exit {}\n{}",
                faithful.code, fix.code, fix.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_broken_recipe_is_reported() {
    // Recipes written to be wrong: the report names the hole at the right line.
    let cases = [
        ("02-map-regex-unanchored.conf", ":6: hole"),
        ("05-reflect-any-credentials.conf", ":8: hole[CORS101]"),
        ("07-star-credentials.conf", ":8: hole"),
        ("08-missing-always.conf", ":12: differs: without `always`"),
        ("09-inheritance-loss.conf", ":12: hole"),
        ("13-duplicate-headers.conf", ":9: hole"),
        ("16-pcre-lookahead.conf", ":8: not imported"),
        ("17-unknown-constructs.conf", ":11: not imported"),
        ("18-broken-syntax.conf", ":7: not imported: nginx syntax"),
        ("19-null-origin.conf", ":6: hole[CORS103]"),
        ("22-unescaped-dot.conf", ":6: hole[CORS102]"),
        ("26-misspelled-header.conf", ":9: not imported: `Access-Control-Allow-Header`"),
        ("28-unknown-condition.conf", ":11: not imported: `$request_uri` is not a variable"),
    ];
    for (name, want) in cases {
        let run = corsc(&["import", "nginx", &format!("cli/tests/import/nginx/{name}")]);
        assert!(run.stderr.contains(want), "{name}: `{want}` not in\n{}", run.stderr);
        // Holes and parts not imported fail the run; a difference the module fixes does not.
        let code = if want.contains("differs") { 0 } else { 1 };
        assert_eq!(run.code, code, "{name}: exit code\n{}", run.stderr);
    }
    let clean = corsc(&["import", "nginx", "cli/tests/import/nginx/10-chained-maps.conf"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
}

#[test]
fn written_configuration_has_no_recipe_left() {
    for name in [
        "01-map-exact.conf",
        "03-if-flag-pattern.conf",
        "10-chained-maps.conf",
        "11-include.conf",
        "15-server-level-many-locations.conf",
    ] {
        let dir = scratch(&format!("write-{name}"));
        copy_dir(&root().join("cli/tests/import/nginx"), &dir);
        let conf = dir.join(name);
        let policy = dir.join("policies.cors");
        let run = corsc(&[
            "import",
            "nginx",
            &conf.display().to_string(),
            "-o",
            &policy.display().to_string(),
            "--write",
        ]);
        assert_ne!(run.code, 2, "{name}: {}", run.stderr);
        let text = std::fs::read_to_string(&conf).unwrap_or_default();
        assert!(text.contains("cors_policy_file") && text.contains("    cors "), "{name}:\n{text}");
        let again = corsc(&["import", "nginx", &conf.display().to_string()]);
        assert!(
            again.stderr.starts_with("0 policies"),
            "{name}: recipe left after --write:\n{}\n{text}",
            again.stderr
        );
    }
}

#[test]
fn ingress_and_gateway_fixtures() {
    for (source, dir) in [("ingress", "ingress"), ("gateway", "gateway")] {
        let names = fixtures(dir, ".yaml");
        assert!(names.len() >= 3, "{dir}: {} fixtures", names.len());
        for name in &names {
            let rel = format!("cli/tests/import/{dir}/{name}");
            let (text, faithful, fix) = import(source, &rel, &[]);
            snapshot(&format!("{source}__{}", name.trim_end_matches(".yaml")), &text);
            assert_ne!(faithful.code, 2, "{rel}: {}", faithful.stderr);
            assert_eq!(
                fix.code, 0,
                "{rel}: the --fix policy must load\n{}{}",
                fix.stdout, fix.stderr
            );
        }
    }
}

#[test]
fn ingress_defaults_and_quirks() {
    let run = corsc(&["import", "ingress", "cli/tests/import/ingress/02-defaults-star.yaml"]);
    // The controller's defaults: `*`, credentials on (refused by browsers), 20 days.
    for want in ["origin *;", "max-age 1728000;", "methods GET PUT POST DELETE PATCH OPTIONS;"] {
        assert!(run.stdout.contains(want), "`{want}` not in\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("credentials on"), "{}", run.stdout);
    assert!(run.stderr.contains(":7: hole: origin `*` with credentials"), "{}", run.stderr);
    let run = corsc(&["import", "ingress", "cli/tests/import/ingress/01-origins.yaml"]);
    // `*.` is one DNS label in ingress-nginx: a regex, not the policy language's `*.`.
    assert!(
        run.stdout.contains(r#"origin ~ "https://[a-z0-9-]+\.preview\.example\.com";"#),
        "{}",
        run.stdout
    );
}

#[test]
fn gateway_star_with_credentials_reflects_every_origin() {
    let run = corsc(&["import", "gateway", "cli/tests/import/gateway/02-star-credentials.yaml"]);
    assert!(run.stdout.contains(r#"origin ~ ".*";"#), "{}", run.stdout);
    assert!(run.stderr.contains("hole[CORS101]"), "{}", run.stderr);
    assert_eq!(run.code, 1);
    let fix =
        corsc(&["import", "gateway", "cli/tests/import/gateway/02-star-credentials.yaml", "--fix"]);
    assert!(
        fix.stdout.contains("origin *;") && !fix.stdout.contains("credentials on"),
        "{}",
        fix.stdout
    );
}

#[test]
fn regex_captures_are_followed() {
    // `$tenant` (a named group of a map regex) and `$1` (of an `if` regex) rebuild the
    // origin: each location lets in what its regex matches, nothing is left out.
    let run = corsc(&["import", "nginx", "cli/tests/import/nginx/27-regex-captures.conf"]);
    for want in [
        r#"origin ~ "https://(?<tenant>[a-z]+)\.example\.com";"#,
        r#"origin ~ "(?i)https://([a-z0-9-]+)\.example\.org";"#,
    ] {
        assert!(run.stdout.contains(want), "`{want}` not in\n{}", run.stdout);
    }
    assert!(!run.stderr.contains("never reach"), "{}", run.stderr);
    assert!(!run.stderr.contains(": not imported"), "{}", run.stderr);
}
