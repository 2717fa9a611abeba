//! `corsc` as CI users run linters (shellcheck, ruff, hadolint): stdin, directories,
//! several files loaded together, reports that are never empty, exit-code and
//! selection flags, colours, man pages, and one-line errors for what is not a policy.

use crate::*;

const FINDINGS: &str = "cli/tests/fixtures/findings.cors";

#[test]
fn lint_reads_stdin() {
    let text = std::fs::read(root().join(FINDINGS)).expect("read fixture");
    let run = corsc_io(&["lint", "-", "--stdin-filename", "policies/api.cors"], &text, &[]);
    snapshot!("lint_stdin", run.snapshot(None));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--> policies/api.cors:"), "{}", run.stderr);
    let same_file = corsc(&["lint", FINDINGS]);
    let strip = |s: &str| s.replace(FINDINGS, "policies/api.cors");
    assert_eq!(strip(&same_file.stderr), run.stderr, "stdin and the file must lint alike");
}

#[test]
fn lint_searches_directories_and_loads_files_together() {
    // tree/ holds api.cors (which includes nested/defaults.inc.cors) and
    // nested/other.cors, which defines `api` again; README.txt is not a policy.
    let run = case!("lint_directory", 1, &["lint", "cli/tests/fixtures/tree"]);
    assert!(run.stderr.contains("CORS011"), "{}", run.stderr);
    assert!(!run.stderr.contains("README"), "only *.cors files are read");
    // The fragment is linted as part of api.cors, not as a file of its own (it would
    // fail: `methods` outside a policy).
    assert!(!run.stderr.contains("CORS003"), "{}", run.stderr);
    // Each file alone is clean of errors: the duplicate is a property of the set.
    for file in ["cli/tests/fixtures/tree/api.cors", "cli/tests/fixtures/tree/nested/other.cors"] {
        assert_eq!(corsc(&["check", file]).code, 0, "{file}");
    }
    let run = corsc(&["check", "cli/tests/fixtures/tree"]);
    assert_eq!(run.code, 1, "check loads the files together too:\n{}", run.stderr);
    assert!(run.stderr.contains("is already defined in"), "{}", run.stderr);
}

#[test]
fn machine_reports_record_unreadable_inputs() {
    let missing = "cli/tests/fixtures/does-not-exist.cors";
    let run =
        case!("lint_sarif_missing_input", 2, &["lint", "--format", "sarif", FINDINGS, missing]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("a whole SARIF log");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(note["message"]["text"].as_str().is_some_and(|t| t.contains("no such file")));
    assert!(!sarif["runs"][0]["results"].as_array().expect("results").is_empty());
    // JSON and GitHub too; and with nothing readable at all, still a whole document.
    let run = corsc(&["lint", "--format", "json", missing]);
    assert_eq!(run.code, 2);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("a whole JSON document");
    assert_eq!(json["failures"][0]["file"], missing);
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(0));
    let run = corsc(&["lint", "--format", "github", missing]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.starts_with("::error file="), "{}", run.stdout);
}

#[test]
fn sarif_rules_link_their_docs_and_paths_are_relative() {
    let run = corsc(&["lint", "--format", "sarif", FINDINGS]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("sarif");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    for rule in rules {
        let uri = rule["helpUri"].as_str().expect("helpUri");
        // Absolute: SARIF viewers open it as a link (it is built from the crate's `repository`).
        assert!(
            uri.starts_with("https://github.com/ngx-cors/ngx-cors/blob/main/docs/rules.md#"),
            "{uri}"
        );
        let anchor = uri.split_once("docs/rules.md#").map(|(_, a)| a).expect("rules.md anchor");
        let heading = format!("## {}", rule["id"].as_str().unwrap_or_default());
        let name = rule["name"].as_str().unwrap_or_default();
        assert_eq!(anchor, format!("{}-{name}", rule["id"].as_str().unwrap_or("")).to_lowercase());
        assert!(docs.contains(&format!("{heading}-{name}\n")), "no section for {anchor}");
    }
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], FINDINGS);
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("base");
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
}

#[test]
fn output_file_exit_zero_and_quiet() {
    let dir = scratch("output-file");
    let out = dir.join("report.json");
    let out_arg = out.display().to_string();
    let run = corsc(&["lint", "--format", "json", "--output-file", &out_arg, FINDINGS]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "the report goes to the file only");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report written"))
            .expect("json");
    assert!(report["summary"]["errors"].as_u64().is_some_and(|n| n > 0), "{report}");

    let run = corsc(&["lint", "--exit-zero", FINDINGS]);
    assert_eq!(run.code, 0, "--exit-zero: findings do not fail the run");
    assert!(run.stderr.contains("error["), "but they are still reported");
    let run = corsc(&["lint", "--exit-zero", "cli/tests/fixtures/does-not-exist.cors"]);
    assert_eq!(run.code, 2, "--exit-zero does not hide an unreadable input");

    let loud = corsc(&["lint", FINDINGS]);
    let quiet = corsc(&["lint", "--quiet", FINDINGS]);
    assert_eq!(quiet.code, loud.code);
    let summary = loud.stderr.trim_end().lines().last().unwrap_or_default().to_string();
    assert!(summary.contains(" errors, "), "{summary}");
    assert!(!quiet.stderr.contains(&summary), "--quiet prints no summary:\n{}", quiet.stderr);
    assert!(quiet.stderr.contains("error[CORS"), "--quiet still prints the findings");
}

/// The codes a JSON run reports, with their severities.
fn severities(run: &Run) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (d["code"].as_str().unwrap_or("").into(), d["severity"].as_str().unwrap_or("").into())
        })
        .collect()
}

#[test]
fn rules_are_selected_by_code_or_name() {
    let base = severities(&corsc(&["lint", "--format", "json", FINDINGS]));
    assert!(base.contains(&("CORS114".into(), "warning".into())), "{base:?}");
    assert!(base.contains(&("CORS113".into(), "info".into())), "{base:?}");
    let run = corsc(&[
        "lint",
        "--format",
        "json",
        "--deny",
        "excessive-max-age",
        "--warn",
        "cors113",
        "--allow",
        "null-origin",
        FINDINGS,
    ]);
    let got = severities(&run);
    assert!(got.iter().all(|(c, s)| c != "CORS114" || s == "error"), "{got:?}");
    assert!(got.iter().all(|(c, s)| c != "CORS113" || s == "warning"), "{got:?}");
    assert!(got.iter().all(|(c, _)| c != "CORS103"), "{got:?}");
    assert_eq!(got.len(), base.iter().filter(|(c, _)| c != "CORS103").count());
    case!(
        "lint_two_levels",
        2,
        &["lint", "--warn", "CORS104", "--deny", "insecure-origin", FINDINGS]
    );
    case!("lint_warn_language", 2, &["lint", "--warn", "CORS004", FINDINGS]);
    case!("lint_deny_unknown", 2, &["lint", "--deny", "no-such-rule", FINDINGS]);
}

#[test]
fn colours_follow_the_environment() {
    let esc = |run: &Run| run.stderr.contains('\u{1b}');
    let lint = ["lint", FINDINGS];
    assert!(!esc(&corsc_io(&lint, b"", &[])), "a pipe gets no colours");
    assert!(esc(&corsc_io(&lint, b"", &[("FORCE_COLOR", "1")])), "FORCE_COLOR");
    assert!(esc(&corsc_io(&lint, b"", &[("CLICOLOR_FORCE", "1")])), "CLICOLOR_FORCE");
    assert!(!esc(&corsc_io(&lint, b"", &[("FORCE_COLOR", "0")])), "FORCE_COLOR=0");
    let both = [("FORCE_COLOR", "1"), ("NO_COLOR", "1")];
    assert!(!esc(&corsc_io(&lint, b"", &both)), "NO_COLOR wins");
    let always = ["--color", "always", "lint", FINDINGS];
    assert!(esc(&corsc_io(&always, b"", &[("NO_COLOR", "1"), ("TERM", "dumb")])), "--color always");
}

#[test]
fn a_man_page_for_every_subcommand() {
    let run = corsc(&["man", "lint"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(".ie \\n(.g .ds Aq") || run.stdout.contains(".TH corsc-lint 1"));
    assert!(
        run.stdout.contains(".TH corsc-lint 1"),
        "{}",
        &run.stdout[..200.min(run.stdout.len())]
    );
    assert!(run.stdout.contains("exit\\-zero"), "the page comes from the clap definition");
    let dir = scratch("man");
    let run = corsc(&["man", "--dir", &dir.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("pages")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    pages.sort();
    let want = [
        "check",
        "compile",
        "completions",
        "diff",
        "explain",
        "fmt",
        "import",
        "import-gateway",
        "import-ingress",
        "import-nginx",
        "lint",
        "man",
        "rules",
        "test",
    ];
    let mut expected: Vec<String> = want.iter().map(|c| format!("corsc-{c}.1")).collect();
    expected.push("corsc.1".into());
    expected.sort();
    assert_eq!(pages, expected);
    case!("man_unknown", 2, &["man", "lnit"]);
}

#[test]
fn inputs_that_are_not_policies_get_one_line() {
    for cmd in ["lint", "check"] {
        for (name, what) in [
            ("empty.cors", "is empty"),
            ("binary.cors", "is a binary file"),
            ("table.corsb", "is a compiled rule table"),
            ("damaged.corsb", "is a damaged compiled rule table"),
        ] {
            let file = format!("cli/tests/fixtures/bad/{name}");
            let run = corsc(&[cmd, &file]);
            assert_eq!(run.code, 2, "{cmd} {file}");
            assert_eq!(run.stderr.lines().count(), 1, "{cmd} {file}: one line\n{}", run.stderr);
            assert!(run.stderr.contains(what), "{cmd} {file}: {}", run.stderr);
        }
    }
    case!("lint_bad_inputs", 2, &["lint", "cli/tests/fixtures/bad"]);
}
