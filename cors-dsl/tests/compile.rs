//! Golden tests: every example policy compiles to the table its snapshot shows.
//!
//! The JSON dump is what a reviewer reads to see what a policy means at request time:
//! the origin index, the rendered header values, the `Vary` values.

mod common;

#[test]
fn every_example_compiles_to_its_golden_table() {
    // Paths relative to the workspace: stable, machine-independent paths in the dump.
    let examples = common::examples();
    let names: Vec<_> = examples.iter().map(|(path, _)| path.display().to_string()).collect();
    assert!(names.len() >= 4, "the examples are part of the test: {names:?}");
    for (path, text) in &examples {
        let table =
            common::try_table(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
        insta::assert_snapshot!(format!("table_{stem}"), table.to_json());
    }
}
