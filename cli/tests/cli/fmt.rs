//! `corsc fmt`: check mode, rewriting, idempotence, meaning kept.

use crate::*;

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
    snapshot!("fmt_write", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let formatted = std::fs::read_to_string(&file).expect("read");
    snapshot!("fmt_unformatted_result", formatted);
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
    snapshot!("fmt_syntax_error", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 1);
    assert_eq!(before, std::fs::read(&file).expect("read"));
}
