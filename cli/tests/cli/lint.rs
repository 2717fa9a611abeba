//! `corsc lint`: every output format, `--deny` and `--allow`.

use crate::*;

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
