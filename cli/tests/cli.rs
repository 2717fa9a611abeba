//! End-to-end tests of the `corsc` binary: run the real executable, snapshot its exit
//! code, stdout and stderr (ruff's layout), and check the behaviour snapshots cannot
//! show on their own (files written, tables equal, idempotence).
//!
//! Commands run from the workspace root so paths in the output are the short relative
//! ones a user types (`examples/spa-api.cors`); temporary paths are redacted.

// The example and meaning helpers of cors-dsl's own tests.
#[path = "../../cors-dsl/tests/common/mod.rs"]
mod common;

use common::{example_paths, file_meaning};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the examples and fixtures are addressed from there.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A fresh scratch directory for one test, under cargo's target tmp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("corsc-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The snapshot text, with `scratch` (if any) replaced by `[TMP]`.
    fn snapshot(&self, scratch: Option<&Path>) -> String {
        let text = format!(
            "exit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        );
        match scratch {
            Some(dir) => text.replace(&dir.display().to_string(), "[TMP]"),
            None => text,
        }
    }
}

fn corsc(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_corsc"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run corsc");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs, asserts the exit code, snapshots everything.
macro_rules! case {
    ($name:literal, $code:expr, $args:expr) => {{
        let run = corsc($args);
        insta::assert_snapshot!($name, run.snapshot(None));
        assert_eq!(run.code, $code, "exit code of corsc {:?}\n{}", $args, run.stderr);
        run
    }};
}

// ---- check ----------------------------------------------------------------------

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
fn check_missing_file_is_an_io_error() {
    case!("check_missing_file", 2, &["check", "cli/tests/fixtures/does-not-exist.cors"]);
}

// ---- lint -----------------------------------------------------------------------

#[test]
fn lint_human() {
    case!("lint_human", 1, &["lint", "cli/tests/fixtures/findings.cors"]);
}

#[test]
fn lint_json() {
    let run =
        case!("lint_json", 1, &["lint", "--format", "json", "cli/tests/fixtures/findings.cors"]);
    let _: serde_json::Value = serde_json::from_str(&run.stdout).expect("lint json is json");
}

#[test]
fn lint_sarif() {
    let run =
        case!("lint_sarif", 1, &["lint", "--format", "sarif", "cli/tests/fixtures/findings.cors"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("sarif is json");
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn lint_github() {
    let run = case!(
        "lint_github",
        1,
        &["lint", "--format", "github", "cli/tests/fixtures/findings.cors"]
    );
    assert!(run.stdout.lines().all(|l| l.starts_with("::")), "{}", run.stdout);
}

#[test]
fn lint_language_errors_in_machine_format() {
    case!("lint_invalid_json", 1, &["lint", "--format", "json", "cli/tests/fixtures/invalid.cors"]);
}

#[test]
fn lint_every_example_has_no_error() {
    for file in example_paths() {
        let run = corsc(&["lint", &file.display().to_string()]);
        assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
    }
}

/// The codes and severities of a JSON lint run, however the renderer nests them.
fn findings(json: &str) -> Vec<(String, String)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                if let (Some(c), Some(s)) = (m.get("code"), m.get("severity")) {
                    if let (Some(c), Some(s)) = (c.as_str(), s.as_str()) {
                        out.push((c.to_string(), s.to_string()));
                    }
                }
                m.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::from_str(json).expect("json"), &mut out);
    out
}

#[test]
fn lint_deny_warnings_and_allow() {
    let file = "cli/tests/fixtures/findings.cors";
    let all = findings(&corsc(&["lint", "--format", "json", file]).stdout);
    assert!(!all.is_empty(), "the fixture must produce findings");
    // Allowing every code found leaves a clean run, whatever the rules are.
    let codes: Vec<&str> = all.iter().map(|(c, _)| c.as_str()).collect();
    let allow = codes.join(",");
    let run = corsc(&["lint", "--format", "json", "--deny", "warnings", "--allow", &allow, file]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(findings(&run.stdout).is_empty(), "{}", run.stdout);
    // Allowing one code drops exactly that code.
    let first = codes[0];
    let run = corsc(&["lint", "--format", "json", "--allow", first, file]);
    let left = findings(&run.stdout);
    assert!(left.iter().all(|(c, _)| c != first), "{first} still reported");
    assert_eq!(left.len(), all.iter().filter(|(c, _)| c != first).count());
    // Warnings fail only with --deny warnings.
    let error_codes: Vec<&str> =
        all.iter().filter(|(_, s)| s == "error").map(|(c, _)| c.as_str()).collect();
    if all.iter().any(|(_, s)| s == "warning") {
        let mut args = vec!["lint", "--format", "json", file];
        let allow_errors = error_codes.join(",");
        if !error_codes.is_empty() {
            args.extend(["--allow", &allow_errors]);
        }
        assert_eq!(corsc(&args).code, 0, "warnings alone must not fail");
        args.extend(["--deny", "warnings"]);
        assert_eq!(corsc(&args).code, 1, "warnings fail with --deny warnings");
    }
}

#[test]
fn lint_allow_refuses_language_and_unknown_codes() {
    case!("lint_allow_language", 2, &["lint", "--allow", "CORS001", "examples/spa-api.cors"]);
    case!("lint_allow_unknown", 2, &["lint", "--allow", "CORS999", "examples/spa-api.cors"]);
}

// ---- compile --------------------------------------------------------------------

#[test]
fn compile_writes_the_table_atomically() {
    let dir = scratch("compile");
    let out = dir.join("api.corsb");
    let run = corsc(&["compile", "examples/multi-tenant.cors", "-o", &out.display().to_string()]);
    insta::assert_snapshot!("compile_corsb", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(&out).expect("table written");
    let read = cors_dsl::RuleTable::from_bytes(&bytes).expect("table reads back");
    let (built, _) = cors_dsl::build_table(&root().join("examples/multi-tenant.cors"))
        .unwrap_or_else(|l| panic!("{:?}", l.diagnostics));
    // Source locations name the file as corsc was given it (relative here).
    assert_eq!(read.to_json(), built.to_json().replace(&format!("{}/", root().display()), ""));
    let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "temporary file left behind");
}

#[test]
fn compile_emit_json_to_stdout() {
    let run =
        case!("compile_emit_json", 0, &["compile", "examples/spa-api.cors", "--emit", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["policies"][0]["name"], "api");
}

#[test]
fn compile_emit_json_to_file() {
    let dir = scratch("compile-json");
    let out = dir.join("api.json");
    let run = corsc(&[
        "compile",
        "examples/spa-api.cors",
        "--emit",
        "json",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(&out).expect("json written");
    assert_eq!(text, corsc(&["compile", "examples/spa-api.cors", "--emit", "json"]).stdout);
}

#[test]
fn compile_refuses_errors_and_writes_nothing() {
    let dir = scratch("compile-broken");
    let out = dir.join("broken.corsb");
    let run =
        corsc(&["compile", "cli/tests/fixtures/invalid.cors", "-o", &out.display().to_string()]);
    insta::assert_snapshot!("compile_invalid", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 1);
    assert!(!out.exists(), "nothing may be written for a broken policy");
}

#[test]
fn compile_needs_an_output() {
    case!("compile_no_output", 2, &["compile", "examples/spa-api.cors"]);
}

// ---- explain --------------------------------------------------------------------

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
        ("http://localhost:65536", "no browser sends this origin"),
        ("http://localhost:0", "no browser sends this origin"),
    ];
    for (origin, hint) in cases {
        let run = corsc(&["explain", "examples/spa-api.cors", "--origin", origin]);
        assert_eq!(run.code, 1, "{origin}: {}", run.stdout);
        assert!(run.stdout.contains(hint), "{origin}: no `{hint}` in\n{}", run.stdout);
    }
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
        1,
        &[&without_credentials[..], &["--credentials"]].concat()
    );
    assert!(run.stdout.contains("`PUT` is not allowed"), "{}", run.stdout);
    assert!(run.stdout.contains("`X-Custom` is not allowed"), "{}", run.stdout);
    // Without credentials, `*` is a wildcard and the browser accepts.
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

// ---- fmt ------------------------------------------------------------------------

#[test]
fn fmt_check_lists_files_that_would_change() {
    let before = std::fs::read(root().join("cli/tests/fixtures/unformatted.cors")).expect("read");
    case!("fmt_check_unformatted", 1, &["fmt", "--check", "cli/tests/fixtures/unformatted.cors"]);
    let after = std::fs::read(root().join("cli/tests/fixtures/unformatted.cors")).expect("read");
    assert_eq!(before, after, "--check must not write");
}

#[test]
fn fmt_rewrites_in_place_and_is_idempotent() {
    let dir = scratch("fmt");
    let file = dir.join("unformatted.cors");
    std::fs::copy(root().join("cli/tests/fixtures/unformatted.cors"), &file).expect("copy");
    let path = file.display().to_string();
    let run = corsc(&["fmt", &path]);
    insta::assert_snapshot!("fmt_write", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let formatted = std::fs::read_to_string(&file).expect("read");
    insta::assert_snapshot!("fmt_unformatted_result", formatted);
    assert!(formatted.contains("# keep this comment"), "comments are kept");
    let again = corsc(&["fmt", "--check", &path]);
    assert_eq!(again.code, 0, "not idempotent:\n{}", again.stdout);
    assert_eq!(
        file_meaning(&file),
        file_meaning(&root().join("cli/tests/fixtures/unformatted.cors"))
    );
}

#[test]
fn fmt_every_example_is_idempotent_and_keeps_its_meaning() {
    let dir = scratch("fmt-examples");
    for example in example_paths() {
        let name = example.file_name().expect("file name");
        let copy = dir.join(name);
        std::fs::copy(&example, &copy).expect("copy");
        let path = copy.display().to_string();
        let run = corsc(&["fmt", &path]);
        assert_eq!(run.code, 0, "{path}: {}", run.stderr);
        let once = std::fs::read_to_string(&copy).expect("read");
        let run = corsc(&["fmt", "--check", &path]);
        assert_eq!(run.code, 0, "{path}: second fmt would change it again:\n{}", run.stdout);
        assert_eq!(once, std::fs::read_to_string(&copy).expect("read"));
        assert_eq!(
            file_meaning(&copy),
            file_meaning(&example),
            "{path}: formatting changed the table"
        );
    }
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let dir = scratch("fmt-broken");
    let file = dir.join("syntax-error.cors");
    std::fs::copy(root().join("cli/tests/fixtures/syntax-error.cors"), &file).expect("copy");
    let before = std::fs::read(&file).expect("read");
    let run = corsc(&["fmt", &file.display().to_string()]);
    insta::assert_snapshot!("fmt_syntax_error", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 1);
    assert_eq!(before, std::fs::read(&file).expect("read"));
}

// ---- rules, completions, man, colours -------------------------------------------

#[test]
fn rules_lists_every_code() {
    let run = case!("rules", 0, &["rules"]);
    for meta in cors_dsl::lint::registry::all() {
        assert!(run.stdout.contains(meta.code), "{} missing", meta.code);
    }
}

#[test]
fn rules_shows_one_code() {
    let run = case!("rules_cors007", 0, &["rules", "cors007"]);
    assert!(run.stdout.contains("## Why is this bad?"));
    case!("rules_unknown", 2, &["rules", "CORS999"]);
}

#[test]
fn completions_and_man_page() {
    let bash = corsc(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("explain") && bash.stdout.contains("--preflight"));
    let man = corsc(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH corsc"), "{}", man.stdout);
}

#[test]
fn colours_follow_the_flag() {
    let args = ["explain", "examples/spa-api.cors", "--origin", "https://app.example.com"];
    let always = corsc(&[&["--color", "always"][..], &args].concat());
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    // Not a terminal: `auto` means no colour, and so does `never`.
    assert!(!corsc(&args).stdout.contains('\x1b'));
    assert!(!corsc(&[&["--color", "never"][..], &args].concat()).stdout.contains('\x1b'));
}

#[test]
fn help_documents_exit_codes() {
    let run = corsc(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    assert_eq!(corsc(&["frobnicate"]).code, 2, "usage errors exit 2");
}
