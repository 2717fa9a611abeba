//! `corsc diff`: fixture pairs under `cli/tests/fixtures/diff/` (one directory each,
//! `old.cors` and `new.cors`), snapshots of the report, the counts of each kind of
//! change read from the JSON report, `--fail-on`, git revisions, unreadable sides.

use crate::*;
use std::process::Command;

const FIXTURES: &str = "cli/tests/fixtures/diff";

/// (fixture, widen, narrow, unknown, neutral, sentences the report must hold)
type Case = (&'static str, usize, usize, usize, usize, &'static [&'static str]);

const CASES: &[Case] = &[
    ("reorder", 0, 0, 0, 0, &["no change for browsers"]),
    ("reformat", 0, 0, 0, 0, &["no change for browsers"]),
    (
        "lookalike",
        1,
        0,
        0,
        0,
        &[r#"`~ "https://pr-[0-9]+\.preview\.example\.dev.*"` now also accepts origins such as `https://pr-0.preview.example.dev.evil.net`"#],
    ),
    (
        "shadowing",
        0,
        2,
        0,
        0,
        &[
            "no longer allows credentials for `https://beta.example.com`",
            "no longer allows method `PUT` for `https://beta.example.com`",
        ],
    ),
    ("credentials", 0, 1, 0, 0, &["no longer allows credentials for `https://app.example.com`"]),
    (
        "methods",
        1,
        1,
        0,
        0,
        &[
            "now also allows every method (`*`) beyond `PUT` for `https://app.example.com`",
            "no longer allows method `PUT` for `https://admin.example.com`",
        ],
    ),
    ("max-age", 0, 0, 0, 1, &["max-age 2h → 1d for `https://app.example.com`"]),
    (
        "policies",
        1,
        1,
        0,
        0,
        &[
            "policy `staging`: added",
            "now also allows `https://*.staging.example.com`, e.g. `https://x.staging.example.com` (with credentials)",
            "policy `legacy`: removed",
            "no longer allows `https://old.example.com` (it had credentials)",
        ],
    ),
    (
        "headers",
        2,
        1,
        0,
        0,
        &[
            "now also allows every request header (`*`) beyond `Content-Type` except `Authorization`",
            "no longer allows request header `Authorization`",
            "now lets `https://app.example.com` read every response header (`*`) beyond `X-Request-Id`",
        ],
    ),
    // Methods do not matter once the upstream answers preflights: only the hand-over.
    ("preflight", 0, 0, 1, 0, &["preflights now go to the upstream (`preflight pass`)"]),
    ("too-complex", 0, 0, 1, 0, &["is too complex to analyse"]),
    // The example of docs/cli.md.
    (
        "docs-example",
        2,
        2,
        0,
        1,
        &[
            "now also allows `https://*.staging.example.net`, e.g. `https://x.staging.example.net` (with credentials; method `PUT`)",
            "no longer allows credentials for `https://beta.example.com`",
            "max-age 2h → 1d for",
        ],
    ),
];

fn pair(case: &str) -> (String, String) {
    (format!("{FIXTURES}/{case}/old.cors"), format!("{FIXTURES}/{case}/new.cors"))
}

fn counts(json: &str) -> [usize; 4] {
    let v: serde_json::Value = serde_json::from_str(json).expect("diff --format json is JSON");
    let n = |k: &str| v["summary"][k].as_u64().unwrap_or(u64::MAX) as usize;
    [n("widen"), n("narrow"), n("unknown"), n("neutral")]
}

#[test]
fn diff_fixture_pairs() {
    for &(case, widen, narrow, unknown, neutral, sentences) in CASES {
        let (old, new) = pair(case);
        let run = corsc(&["diff", &old, &new]);
        assert_eq!(run.code, 0, "{case}: {}", run.stderr);
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("cli__diff_{}", case.replace('-', "_")), run.snapshot(None));
        });
        for s in sentences {
            assert!(run.stdout.contains(s), "{case}: no `{s}` in\n{}", run.stdout);
        }
        let json = corsc(&["diff", &old, &new, "--format", "json"]);
        assert_eq!(json.code, 0, "{case}: {}", json.stderr);
        assert_eq!(counts(&json.stdout), [widen, narrow, unknown, neutral], "{case}");
    }
}

/// The comparison is symmetric: what one direction gains, the other loses.
#[test]
fn diff_backwards_swaps_widen_and_narrow() {
    for case in ["lookalike", "shadowing", "credentials", "methods", "policies", "headers"] {
        let (old, new) = pair(case);
        let forward = counts(&corsc(&["diff", &old, &new, "--format", "json"]).stdout);
        let back = counts(&corsc(&["diff", &new, &old, "--format", "json"]).stdout);
        assert_eq!([forward[0], forward[1]], [back[1], back[0]], "{case}");
    }
}

#[test]
fn diff_markdown_and_json() {
    let (old, new) = pair("policies");
    case!("diff_markdown", 0, &["diff", &old, &new, "--format", "markdown"]);
    let (old, new) = pair("shadowing");
    case!("diff_json", 0, &["diff", &old, &new, "--format", "json"]);
}

#[test]
fn diff_fail_on() {
    // (fixture, --fail-on, exit code)
    let cases = [
        ("lookalike", "widen", 1),
        ("shadowing", "widen", 0),
        ("shadowing", "any", 1),
        ("max-age", "widen", 0),
        ("max-age", "any", 1),
        ("reorder", "any", 0),
        // Cannot be told, so it cannot be waved through.
        ("too-complex", "widen", 1),
        ("preflight", "widen", 1),
    ];
    for (case, kind, code) in cases {
        let (old, new) = pair(case);
        let run = corsc(&["diff", &old, &new, "--fail-on", kind]);
        assert_eq!(run.code, code, "{case} --fail-on {kind}: {}", run.stdout);
    }
}

#[test]
fn diff_unreadable_sides_exit_2() {
    let good = format!("{FIXTURES}/max-age/old.cors");
    let cases = [
        ("cli/tests/fixtures/no-such.cors", "no such file"),
        ("cli/tests/fixtures/syntax-error.cors", "has errors; cannot compare it"),
        ("cli/tests/fixtures/bad/binary.cors", "binary file"),
        ("no-such-revision-xyz:policies.cors", "git"),
    ];
    for (bad, says) in cases {
        for args in [["diff", bad, &good], ["diff", &good, bad]] {
            let run = corsc(&args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains(says), "{args:?}: no `{says}` in\n{}", run.stderr);
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        }
    }
    case!("diff_missing_file", 2, &["diff", "cli/tests/fixtures/no-such.cors", &good]);
}

/// `corsc` run in `dir`.
fn corsc_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_corsc"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("run corsc");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    std::fs::write(path, text).expect("write file");
}

#[test]
fn diff_git_revision_against_the_work_tree() {
    let repo = scratch("diff-git");
    git(&repo, &["init", "-q"]);
    write(
        &repo.join("conf/policies.cors"),
        "policy api {\n    include \"shared/origins.cors\";\n    credentials on;\n}\n",
    );
    write(&repo.join("conf/shared/origins.cors"), "origin https://app.example.com;\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    // The work tree widens the included origins: only the include changed.
    write(
        &repo.join("conf/shared/origins.cors"),
        "origin https://app.example.com https://*.staging.example.com;\n",
    );
    let run = corsc_in(&repo, &["diff", "main:conf/policies.cors", "conf/policies.cors"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("now also allows `https://*.staging.example.com`"),
        "{}",
        run.stdout
    );
    snapshot!("diff_git_revision", run.snapshot(Some(&repo)));

    // The revision against itself, from a subdirectory with a `./` path: no change.
    let sub = repo.join("conf");
    let run = corsc_in(&sub, &["diff", "HEAD:./policies.cors", "main:conf/policies.cors"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("no change for browsers"), "{}", run.stdout);

    // A committed change, revision to revision.
    git(&repo, &["commit", "-q", "-am", "second"]);
    let run = corsc_in(
        &repo,
        &["diff", "HEAD~1:conf/policies.cors", "HEAD:conf/policies.cors", "--fail-on", "widen"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);

    // An include the revision cannot resolve is reported, not skipped.
    write(
        &repo.join("conf/policies.cors"),
        "policy api {\n    include \"/etc/cors/origins.cors\";\n}\n",
    );
    git(&repo, &["commit", "-q", "-am", "absolute"]);
    let run = corsc_in(&repo, &["diff", "HEAD:conf/policies.cors", "HEAD~1:conf/policies.cors"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("which is not followed in a revision"), "{}", run.stderr);
    // A path the revision does not have.
    let run = corsc_in(&repo, &["diff", "HEAD~3:conf/policies.cors", "HEAD:conf/nothing.cors"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
}
