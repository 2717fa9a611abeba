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

/// Every policy the project shows people: `examples/*.cors`, and each fenced block of
/// the README and `docs/` that defines a policy (`docs/rules.md` is left out: its
/// examples are wrong on purpose; blocks with `{PORT…}` are test templates).
fn shown_policies() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = example_paths()
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("example is readable");
            (p.display().to_string(), text)
        })
        .collect();
    let mut docs = vec![root().join("README.md")];
    let mut dir: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("rules.md"))
        .collect();
    dir.sort();
    docs.extend(dir);
    for doc in docs {
        let text = std::fs::read_to_string(&doc).expect("doc is readable");
        let mut block: Option<(usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            match block.take() {
                None if line.starts_with("```") => block = Some((n + 1, String::new())),
                None => {}
                Some((start, body)) if line.starts_with("```") => {
                    let defines_policy = body.lines().any(|l| {
                        let l = l.trim_start();
                        l.starts_with("policy ") && l.trim_end().ends_with('{')
                    });
                    if defines_policy && !body.contains("{PORT") {
                        out.push((format!("{}:{start}", doc.display()), body));
                    }
                }
                Some((start, mut body)) => {
                    body.push_str(line);
                    body.push('\n');
                    block = Some((start, body));
                }
            }
        }
    }
    out
}

#[test]
fn shown_policies_pass_deny_warnings() {
    let dir = scratch("shown-policies");
    let shown = shown_policies();
    assert!(shown.len() >= 8, "expected the examples and the docs' policies, got {}", shown.len());
    for (i, (origin, text)) in shown.iter().enumerate() {
        let file = dir.join(format!("shown-{i}.cors"));
        std::fs::write(&file, text).expect("write policy");
        let run = corsc(&["lint", "--deny", "warnings", &file.display().to_string()]);
        assert_eq!(run.code, 0, "{origin} fails `corsc lint --deny warnings`:\n{}", run.stderr);
    }
}
