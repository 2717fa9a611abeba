//! Golden tests: every example policy compiles to the table its snapshot shows.
//!
//! The JSON dump is what a reviewer reads to see what a policy means at request time:
//! the origin index, the rendered header values, the `Vary` values.

use std::path::Path;

#[test]
fn every_example_compiles_to_its_golden_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".cors"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "the examples are part of the test: {names:?}");
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).expect("readable example");
        // A stable, machine-independent path in the dump.
        let shown = format!("examples/{name}");
        let loaded = cors_dsl::load_str(Path::new(&shown), &text);
        let set = loaded.set.unwrap_or_else(|| panic!("{name}: {:?}", loaded.diagnostics));
        let table = cors_dsl::compile(&set, &loaded.sources).expect("compiles");
        insta::assert_snapshot!(
            format!("table_{}", name.trim_end_matches(".cors")),
            table.to_json()
        );
    }
}
