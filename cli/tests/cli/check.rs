//! `corsc check`: the one verdict, every error reported, exit codes.

use crate::*;

#[test]
fn check_clean() {
    let run = case!("check_clean", 0, &["check", "examples/spa-api.cors"]);
    assert!(run.stderr.is_empty(), "a clean check is silent: {}", run.stderr);
}

#[test]
fn check_every_example() {
    for file in example_paths() {
        let run = corsc(&["check", &file.display().to_string()]);
        assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
    }
}

#[test]
fn check_invalid_reports_every_error() {
    let run = case!("check_invalid", 1, &["check", "cli/tests/fixtures/invalid.cors"]);
    for code in ["CORS002", "CORS003", "CORS004", "CORS008", "CORS011"] {
        assert!(run.stderr.contains(code), "{code} missing from:\n{}", run.stderr);
    }
}

#[test]
fn check_syntax_error() {
    case!("check_syntax_error", 1, &["check", "cli/tests/fixtures/syntax-error.cors"]);
}

#[test]
fn check_several_files_fails_if_any_does() {
    let run = corsc(&["check", "examples/spa-api.cors", "cli/tests/fixtures/invalid.cors"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cli/tests/fixtures/invalid.cors:3:12"), "{}", run.stderr);
}

#[test]
fn lint_errors_refuse_like_nginx_and_a_reasoned_suppression_loads() {
    let refused = "cli/tests/fixtures/lint-error.cors";
    let suppressed = "cli/tests/fixtures/lint-error-suppressed.cors";
    let check = case!("check_lint_error", 1, &["check", refused]);
    assert!(check.stderr.contains("error[CORS101]"), "{}", check.stderr);
    let dir = scratch("lint-error");
    let out = dir.join("t.corsb").display().to_string();
    let compile = corsc(&["compile", refused, "-o", &out]);
    assert_eq!(compile.code, 1, "{}", compile.stderr);
    assert!(!dir.join("t.corsb").exists(), "a refused policy must not be written");
    let explain = corsc(&["explain", refused, "--origin", "https://evil.example"]);
    assert_eq!(explain.code, 1, "{}", explain.stderr);
    assert!(explain.stderr.contains("cannot explain a policy that does not load"));
    for args in [vec!["check", suppressed], vec!["compile", suppressed, "-o", &out]] {
        let run = corsc(&args);
        assert_eq!(run.code, 0, "corsc {args:?}: {}", run.stderr);
    }
}

#[test]
fn check_missing_file_is_an_io_error() {
    case!("check_missing_file", 2, &["check", "cli/tests/fixtures/does-not-exist.cors"]);
}

/// Issue #17: a file of thousands of mistakes shows the first `MAX_DIAGNOSTICS`, one
/// line for the rest, and a summary that counts them all; output grows with what is
/// shown, not with the file.
#[test]
fn check_caps_the_diagnostics_it_shows() {
    let dir = scratch("check-cap");
    let cap = cors_dsl::MAX_DIAGNOSTICS;
    for (n, name) in [(2_000, "small.cors"), (20_000, "large.cors")] {
        let file = dir.join(name);
        std::fs::write(&file, "orign x;\n".repeat(n)).expect("write");
        let run = corsc(&["check", &file.display().to_string()]);
        assert_eq!(run.code, 1, "{:.2000}", run.stderr);
        assert_eq!(run.stderr.matches("error[CORS002]").count(), cap, "{:.2000}", run.stderr);
        assert!(run.stderr.contains(&format!("… and {} more", n - cap)), "{:.2000}", run.stderr);
        assert!(run.stderr.contains(&format!("{n} errors")), "{:.2000}", run.stderr);
        // About 300 bytes per shown diagnostic, however many there are.
        assert!(run.stderr.len() < cap * 600, "{} bytes for {n} mistakes", run.stderr.len());
    }
    // Machine formats list the kept ones and count every one: a CI job that reads the
    // JSON summary or the SARIF log must not see 100 where there are 2,000.
    let file = dir.join("small.cors").display().to_string();
    let n = 2_000;
    let json = corsc(&["lint", "--format", "json", &file]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(doc["diagnostics"].as_array().map(Vec::len), Some(cap), "{:.500}", json.stdout);
    assert_eq!(doc["summary"]["errors"], n, "{}", doc["summary"]);
    assert_eq!(doc["omitted"]["errors"], n - cap, "{}", doc["omitted"]);
    let sarif = corsc(&["lint", "--format", "sarif", &file]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(cap));
    let notes = run["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains(&format!("… and {} more", n - cap)), "{notes}");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let github = corsc(&["lint", "--format", "github", &file]);
    assert_eq!(github.stdout.matches("::error ").count(), cap);
    assert!(github.stdout.contains(&format!("::notice title=corsc::… and {} more", n - cap)));

    // One huge word: two diagnostics, quoted short, not the megabyte twice.
    let file = dir.join("word.cors");
    std::fs::write(&file, "a".repeat(1 << 20)).expect("write");
    let run = corsc(&["check", &file.display().to_string()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.len() < 4096, "{} bytes of output for one word", run.stderr.len());
}
