//! One fixture per language error code (`tests/fixtures/language/CORS0NN.cors`): each
//! must report its code, and the rendered diagnostics are pinned by a snapshot so a
//! change in wording, span or hint is a visible diff.

use cors_dsl::codes::CodeKind;
use cors_dsl::lint::registry;
use cors_dsl::render::human;
use cors_dsl::{compile, load_file};
use std::path::{Path, PathBuf};

/// Fixture files, relative to the package directory (where `cargo test` runs), so
/// rendered paths are the same on every machine.
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new("tests/fixtures/language");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cors"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_language_code_has_a_fixture() {
    let have: Vec<String> = fixtures()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let language: Vec<&str> =
        registry::all().filter(|m| m.kind == CodeKind::Language).map(|m| m.code).collect();
    for code in &language {
        assert!(have.iter().any(|h| h == code), "no fixture for {code}");
    }
}

#[test]
fn each_fixture_reports_its_code() {
    for path in fixtures() {
        let code = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut loaded = load_file(&path);
        // CORS006 is the one language error found by the compiler, not the loader.
        if let Some(set) = &loaded.set {
            if let Err(errors) = compile(set, &loaded.sources) {
                loaded.diagnostics.extend(errors);
            }
        }
        assert!(
            loaded.diagnostics.iter().any(|d| d.code == code.as_str()),
            "{}: expected {code}, got {:#?}",
            path.display(),
            loaded.diagnostics
        );
        assert!(
            loaded.diagnostics.iter().all(|d| d.is_error() && d.code.as_str().starts_with("CORS0")),
            "{}: {:#?}",
            path.display(),
            loaded.diagnostics
        );
        let rendered = human::render(&loaded.sources, &loaded.diagnostics, false);
        assert!(rendered.contains(&code), "{}: {rendered}", path.display());
        insta::assert_snapshot!(code, rendered);
    }
}
