//! Helpers shared by the integration tests (`mod common;` in each): loading policy
//! text, compiling it, the example policies, and a policy's meaning.
//!
//! `cli/tests` includes this file too (`#[path]`), so both crates read the examples
//! and compare meanings the same way. Each test target uses only some helpers.
#![allow(dead_code)]

use cors_dsl::{compile, load_str, Loaded, RuleTable};
use std::path::{Path, PathBuf};

/// Loads `text` as the file `test.cors`, diagnostics and all.
pub fn load(text: &str) -> Loaded {
    load_str(Path::new("test.cors"), text)
}

/// Loads and compiles `text` as the file `path`; `Err` says why it does not.
pub fn try_table(path: &Path, text: &str) -> Result<RuleTable, String> {
    let loaded = load_str(path, text);
    let set = loaded
        .set
        .as_ref()
        .ok_or_else(|| format!("policy must load: {:#?}", loaded.diagnostics))?;
    compile(set, &loaded.sources).map_err(|e| format!("policy must compile: {e:#?}"))
}

/// The compiled table of a valid `text` (as `test.cors`).
pub fn table(text: &str) -> RuleTable {
    try_table(Path::new("test.cors"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// The compiled table without source locations: what a policy means, not where it was
/// written (formatting legitimately moves lines). `None` when `text` is not a valid
/// policy.
pub fn try_meaning(path: &Path, text: &str) -> Option<RuleTable> {
    try_table(path, text).ok().map(RuleTable::without_sources)
}

/// [`try_meaning`] of a valid policy.
pub fn meaning(path: &Path, text: &str) -> RuleTable {
    try_table(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).without_sources()
}

/// [`meaning`] of the policy file at `path`.
pub fn file_meaning(path: &Path) -> RuleTable {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} is not readable: {e}", path.display()));
    meaning(path, &text)
}

/// Every `examples/*.cors` file, sorted, as an absolute path.
pub fn example_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cors"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "expected the example policies in {}", dir.display());
    files
}

/// Every example policy: its path relative to the workspace (`examples/NAME.cors`, the
/// same on every machine) and its text.
pub fn examples() -> Vec<(PathBuf, String)> {
    example_paths()
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("example is readable");
            let rel = Path::new("examples").join(p.file_name().expect("file name"));
            (rel, text)
        })
        .collect()
}
