//! The rule registry's invariants, and `docs/rules.md` kept in step with it.

use cors_dsl::codes::CodeKind;
use cors_dsl::lint::registry;

#[test]
fn codes_are_unique_sorted_and_well_formed() {
    let metas: Vec<_> = registry::all().collect();
    for pair in metas.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "{} then {}: not sorted or duplicate",
            pair[0].code,
            pair[1].code
        );
    }
    for m in &metas {
        let digits = m.code.strip_prefix("CORS").unwrap_or("");
        assert!(digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()), "code {}", m.code);
        let kebab = !m.name.is_empty()
            && !m.name.starts_with('-')
            && !m.name.ends_with('-')
            && !m.name.contains("--")
            && m.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(kebab, "{}: name {:?} is not kebab-case", m.code, m.name);
        assert_eq!(m.kind == CodeKind::Language, m.code.starts_with("CORS0"), "{}: kind", m.code);
        assert!(!m.summary.is_empty() && !m.summary.ends_with('.'), "{}: summary", m.code);
    }
    let names: std::collections::HashSet<_> = metas.iter().map(|m| m.name).collect();
    assert_eq!(names.len(), metas.len(), "names are unique");
}

#[test]
fn lint_rules_document_every_section() {
    for m in registry::all() {
        assert!(m.docs.contains("## Why is this bad?\n"), "{}: no `## Why is this bad?`", m.code);
        if m.kind == CodeKind::Lint {
            for section in ["## Example\n", "## Use instead\n"] {
                assert!(m.docs.contains(section), "{}: no `{}`", m.code, section.trim());
            }
        }
    }
}

#[test]
fn meta_lookup_is_case_insensitive() {
    assert_eq!(registry::lookup("cors101").map(|m| m.name), Some("permissive-origin-regex"));
    assert!(registry::lookup("CORS999").is_none());
}

/// `docs/rules.md` is generated; set `UPDATE_DOCS=1` to rewrite it.
#[test]
fn docs_rules_md_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules.md");
    let want = registry::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/rules.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test -p cors-dsl --test lint_registry`"
    );
}
