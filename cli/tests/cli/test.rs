//! `corsc test`: policy tests through the real binary, and the other commands taking
//! the same verdict (`check` and `compile` refuse a policy that breaks its
//! expectations).

use crate::*;

const FAILING: &str = "cli/tests/fixtures/expect-failing.cors";

#[test]
fn test_examples_pass() {
    let run = case!("test_examples", 0, &["test", "examples/", "examples/spa-api.cors"]);
    assert!(run.stderr.contains("examples/spa-api.cors-test: "), "{}", run.stderr);
    assert!(run.stderr.contains(" 0 failed"), "{}", run.stderr);
}

#[test]
fn test_failing_human() {
    let run = case!("test_failing_human", 1, &["test", FAILING]);
    assert_eq!(run.stderr.matches("error[CORS201]").count(), 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("{FAILING}:9:5")), "{}", run.stderr);
}

#[test]
fn test_failing_machine_formats() {
    let run = case!("test_failing_json", 1, &["test", FAILING, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let text = v.to_string();
    assert_eq!(text.matches("\"CORS201\"").count(), 2, "{text}");
    let sarif = corsc(&["test", FAILING, "--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let results = v["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert_eq!(results, 2, "{}", sarif.stdout);
    let github = corsc(&["test", FAILING, "--format", "github"]);
    assert_eq!(github.code, 1);
    assert_eq!(github.stdout.matches("::error file=").count(), 2, "{}", github.stdout);
    assert!(github.stdout.contains(&format!("file={FAILING},line=9")), "{}", github.stdout);
}

#[test]
fn check_and_compile_refuse_a_broken_expectation() {
    let check = corsc(&["check", FAILING]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stderr.contains("error[CORS201]"), "{}", check.stderr);
    let dir = scratch("expect-compile");
    let out = dir.join("t.corsb");
    let compile = corsc(&["compile", FAILING, "-o", &out.display().to_string()]);
    assert_eq!(compile.code, 1, "{}", compile.stderr);
    assert!(compile.stderr.contains("error[CORS201]"), "{}", compile.stderr);
    assert!(!out.exists(), "a policy that breaks its expectations must not be written");
}

#[test]
fn test_finds_test_files_and_fails_when_nothing_is_tested() {
    let dir = scratch("expect-dirs");
    let nested = dir.join("team/api");
    std::fs::create_dir_all(&nested).expect("dirs");
    std::fs::write(nested.join("api.cors"), "policy api { origin https://a.example; }\n")
        .expect("policy");
    let d = dir.display().to_string();
    let none = corsc(&["test", &d]);
    assert_eq!(none.code, 2, "a directory without test files: {}", none.stderr);
    let untested = corsc(&["test", &nested.join("api.cors").display().to_string()]);
    assert_eq!(untested.code, 1, "nothing tested: {}", untested.stderr);
    assert!(untested.stderr.contains("no expectations"), "{}", untested.stderr);
    std::fs::write(
        nested.join("api.cors-test"),
        "include \"api.cors\";\ntest api { expect allow https://a.example; expect refuse null; }\n",
    )
    .expect("test file");
    let found = corsc(&["test", &d]);
    snapshot!("test_directory", found.snapshot(Some(&dir)));
    assert_eq!(found.code, 0, "{}", found.stderr);
}

#[test]
fn policy_tests_cannot_be_allowed_away() {
    let run = corsc(&["lint", FAILING, "--allow", "CORS201"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("failed policy test"), "{}", run.stderr);
}
