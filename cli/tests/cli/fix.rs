//! `corsc lint --fix` on every fixture and example: fixing twice is fixing once, no
//! machine-applicable fix is left behind, comments and line structure survive.

use crate::*;

/// Copies `from` (a directory) into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").filter_map(Result::ok) {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Every `*.cors` under `dir` that is a policy file of its own (not in an `include`
/// directory, not an `.inc.cors` fragment, not one of the deliberately bad inputs).
fn roots(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            if name != "include" && name != "bad" {
                roots(&path, out);
            }
        } else if name.ends_with(".cors") && !name.ends_with(".inc.cors") {
            out.push(path);
        }
    }
}

/// Whether a JSON lint report still offers a fix `--fix` would apply.
fn machine_fixes(json: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(json).expect("json");
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["fix"]["applicability"] == "machine-applicable")
        .map(|d| format!("{} {}", d["code"], d["message"]))
        .collect()
}

#[test]
fn fix_is_idempotent_on_every_fixture() {
    let dir = scratch("fix-all");
    for tree in ["cors-dsl/tests/fixtures", "cli/tests/fixtures", "examples"] {
        copy_tree(&root().join(tree), &dir.join(tree));
    }
    let mut files = Vec::new();
    roots(&dir, &mut files);
    assert!(files.len() >= 40, "expected every fixture, found {}", files.len());
    let mut fixed_some = 0;
    for file in files {
        let path = file.display().to_string();
        let before = std::fs::read_to_string(&file).expect("read");
        let run = corsc(&["lint", "--fix", "--exit-zero", &path]);
        assert_eq!(run.code, 0, "{path}: {}", run.stderr);
        let once = std::fs::read_to_string(&file).expect("read");
        if once != before {
            fixed_some += 1;
        }
        let left = machine_fixes(&corsc(&["lint", "--format", "json", &path]).stdout);
        assert!(left.is_empty(), "{path}: fixes left after --fix: {left:?}\n{once}");
        let again = corsc(&["lint", "--fix", "--exit-zero", &path]);
        assert_eq!(again.code, 0, "{path}: {}", again.stderr);
        let twice = std::fs::read_to_string(&file).expect("read");
        assert_eq!(once, twice, "{path}: fixing twice differs from fixing once");
        assert!(!again.stderr.contains("fixed "), "{path}: {}", again.stderr);
        // Fixes edit inside lines: every line and every comment is still there.
        assert_eq!(once.lines().count(), before.lines().count(), "{path}:\n{once}");
        for comment in before.lines().filter_map(|l| l.find('#').map(|i| &l[i..])) {
            assert!(once.contains(comment), "{path}: comment `{comment}` lost:\n{once}");
        }
    }
    assert!(fixed_some >= 5, "only {fixed_some} fixtures had something to fix");
}

#[test]
fn fix_rewrites_what_it_can_and_keeps_the_rest() {
    let dir = scratch("fix-one");
    let file = dir.join("fixable.cors");
    std::fs::copy(root().join("cli/tests/fixtures/fixable.cors"), &file).expect("copy");
    let path = file.display().to_string();
    let before = corsc(&["lint", "--format", "json", &path]);
    assert!(!machine_fixes(&before.stdout).is_empty());
    let run = corsc(&["lint", "--fix", &path]);
    snapshot!("lint_fix", run.snapshot(Some(&dir)));
    let fixed = std::fs::read_to_string(&file).expect("read");
    snapshot!("lint_fix_result", fixed);
    // The policy means what it meant, minus what never did anything: one origin list
    // spelt canonically, and `PATCH` now really allowed.
    let meaning = file_meaning(&file);
    let table = format!("{meaning:?}");
    assert!(table.contains("PATCH") && !table.contains("patch"), "{table}");
    // With `-`, the fixed text goes to stdout and nothing is written.
    let text = std::fs::read(root().join("cli/tests/fixtures/fixable.cors")).expect("read");
    let run = corsc_io(&["lint", "--fix", "-"], &text, &[]);
    assert_eq!(run.stdout, fixed, "stdin --fix prints the same fixed text");
}

#[test]
fn fmt_diff_shows_the_change_and_writes_nothing() {
    let file = "cli/tests/fixtures/unformatted.cors";
    let before = std::fs::read(root().join(file)).expect("read");
    let run = case!("fmt_diff", 1, &["fmt", "--diff", file]);
    assert!(run.stdout.starts_with(&format!("--- a/{file}\n+++ b/{file}\n")), "{}", run.stdout);
    assert_eq!(std::fs::read(root().join(file)).expect("read"), before, "--diff must not write");
    let clean = corsc(&["fmt", "--diff", "examples/spa-api.cors"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""), "{}", clean.stderr);
}
