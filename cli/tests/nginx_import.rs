//! `corsc import nginx` against real nginx (the one `cors_tests::env` finds:
//! `CORS_TEST_NGINX`/`CORS_TEST_MODULE`, the vendored build by default; CI runs this
//! file with the vendored nginx and with Debian's): every converted configuration
//! passes `nginx -t` with the module, and every runnable recipe of the corpus is
//! `--verify`ed, faithful and `--fix`: the report of differences is snapshotted (the
//! same with every nginx), no difference is left unexplained, the recipe bugs the
//! corpus was written with are found, and an import that misses part of a recipe is
//! caught.

mod import_common;

use import_common::{copy_dir, corsc, fixtures, root, scratch};
use std::process::Command;

/// Recipes that are not a whole nginx configuration (a conf.d snippet), not a valid
/// one (written broken, or using variables of modules not loaded here), or one that
/// only `--verify`'s loopback copy can run (an upstream host that does not resolve,
/// TLS without certificates, system paths).
const NOT_A_RUNNABLE_CONFIG: &[&str] = &[
    "17-unknown-constructs.conf",
    "18-broken-syntax.conf",
    "23-server-snippet.conf",
    "29-one-line.conf",
];

/// Recipes `--verify` cannot start, and why (reported as "not verified").
const NOT_VERIFIABLE: &[(&str, &str)] = &[
    ("12-more-set-headers.conf", "unknown directive \"more_set_headers\""),
    ("17-unknown-constructs.conf", "unknown \"cors_from_lua\" variable"),
    ("18-broken-syntax.conf", "unexpected end of file"),
];

/// The recipe written so that the import misses part of it (a condition on a variable
/// it cannot evaluate): `--verify` must say so.
const IMPORT_MISSES: &str = "28-unknown-condition.conf";

#[test]
fn converted_configurations_pass_nginx_t() {
    let Some(env) = cors_tests::env() else { return }; // skipped loudly (fails under CI=true)
    let module = env.module.display().to_string();
    let mut failures = Vec::new();
    for name in
        fixtures("nginx", ".conf").iter().filter(|n| !NOT_A_RUNNABLE_CONFIG.contains(&n.as_str()))
    {
        let dir = scratch(&format!("nginx-t-{name}"));
        copy_dir(&root().join("cli/tests/import/nginx"), &dir);
        let conf = dir.join(name);
        let policy = dir.join("policies.cors").display().to_string();
        let run = corsc(&[
            "import",
            "nginx",
            &conf.display().to_string(),
            "-o",
            &policy,
            "--fix",
            "--write",
            "--load-module",
            &module,
        ]);
        assert_eq!(run.code, 0, "{name}: the --fix policy must load\n{}", run.stderr);
        std::fs::create_dir_all(dir.join("logs")).unwrap_or_else(|e| panic!("{e}"));
        let out = Command::new(&env.nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("logs/error.log"))
            .arg("-g")
            .arg(format!("pid {};", dir.join("logs/nginx.pid").display()))
            .arg("-t")
            .output()
            .unwrap_or_else(|e| panic!("run nginx: {e}"));
        if !out.status.success() {
            let text = std::fs::read_to_string(&conf).unwrap_or_default();
            failures.push(format!("{name}:\n{}\n{text}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The lines of a `--verify` report that are about requests, and its summary, with
/// the nginx version left out (the snapshot holds for every nginx).
fn verify_lines(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        let about_requests = line.contains(": a read") || line.contains(": a preflight");
        if about_requests || line.contains("--verify") {
            let line = match line.split_once("--verify with nginx/") {
                Some((a, b)) => {
                    format!("{a}--verify with nginx/[VERSION]{}", &b[b.find(':').unwrap_or(0)..])
                }
                None => line.to_string(),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn every_runnable_recipe_verifies_against_real_nginx() {
    let Some(env) = cors_tests::env() else { return }; // skipped loudly (fails under CI=true)
    let (nginx, module) = (env.nginx.display().to_string(), env.module.display().to_string());
    let mut report = String::new();
    let mut failures = Vec::new();
    let names = fixtures("nginx", ".conf");
    let runnable: Vec<&String> =
        names.iter().filter(|n| !NOT_VERIFIABLE.iter().any(|(u, _)| u == n)).collect();
    assert!(runnable.len() >= 20, "only {} recipes can be verified", runnable.len());
    for name in runnable {
        let rel = format!("cli/tests/import/nginx/{name}");
        for fix in [false, true] {
            let mut args = vec![
                "import",
                "nginx",
                rel.as_str(),
                "--verify",
                "--nginx",
                &nginx,
                "--module",
                &module,
            ];
            if fix {
                args.push("--fix");
            }
            let run = corsc(&args);
            let lines = verify_lines(&run.stderr);
            report.push_str(&format!("== {name}{}\n{lines}", if fix { " --fix" } else { "" }));
            if !run.stderr.contains("--verify with nginx/") || run.stderr.contains("not verified") {
                failures.push(format!("{name}: --verify did not run\n{}", run.stderr));
            }
            if run.code == 2 {
                failures.push(format!("{name}: exit 2\n{}", run.stderr));
            }
            let unexplained = run.stderr.contains("did not reproduce");
            if unexplained != (name == IMPORT_MISSES && !fix) {
                failures.push(format!(
                    "{name}{}: unexplained differences: {unexplained}\n{}",
                    if fix { " --fix" } else { "" },
                    run.stderr
                ));
            }
        }
    }
    // The recipe bugs the corpus was written with, seen in real nginx.
    for (name, bug) in [
        ("08-missing-always.conf", "recipe bug: no `always`"),
        ("13-duplicate-headers.conf", "recipe bug: `Access-Control-Allow-Origin` sent twice"),
        (
            "03-if-flag-pattern.conf",
            "recipe bug: its answer fails the browser's check: no Access-Control-Allow-Credentials",
        ),
    ] {
        let section =
            report.split("== ").find(|s| s.starts_with(&format!("{name}\n"))).unwrap_or("");
        if !section.contains(bug) {
            failures.push(format!("{name}: `{bug}` not found by --verify:\n{section}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    insta::with_settings!({ snapshot_path => "snapshots/import", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("verify", report);
    });
}

#[test]
fn recipes_that_cannot_run_are_reported_not_verified() {
    let Some(env) = cors_tests::env() else { return }; // skipped loudly (fails under CI=true)
    let (nginx, module) = (env.nginx.display().to_string(), env.module.display().to_string());
    for (name, why) in NOT_VERIFIABLE {
        let rel = format!("cli/tests/import/nginx/{name}");
        let run =
            corsc(&["import", "nginx", &rel, "--verify", "--nginx", &nginx, "--module", &module]);
        assert!(
            run.stderr.contains("not imported: not verified") && run.stderr.contains(why),
            "{name}: `{why}` not in\n{}",
            run.stderr
        );
        assert_eq!(run.code, 1, "{name}\n{}", run.stderr);
    }
    // Without a module there is nothing to verify with: a usage error.
    let run = corsc(&["import", "nginx", "cli/tests/import/nginx/01-map-exact.conf", "--verify"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--verify needs the module"), "{}", run.stderr);
}
