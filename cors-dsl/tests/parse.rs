//! Parser and printer tests on real policy files: every example loads and compiles,
//! the AST of one example is pinned by a snapshot, and `fmt` is idempotent and keeps
//! meaning on every example.

mod common;

use common::{examples, meaning};
use cors_dsl::printer;
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{compile, load_str};

#[test]
fn every_example_loads_and_compiles() {
    for (path, text) in examples() {
        let loaded = load_str(&path, &text);
        assert!(loaded.diagnostics.is_empty(), "{}: {:#?}", path.display(), loaded.diagnostics);
        let set = loaded.set.as_ref().unwrap_or_else(|| panic!("{}: no set", path.display()));
        assert!(!set.policies.is_empty(), "{}", path.display());
        if let Err(e) = compile(set, &loaded.sources) {
            panic!("{}: {e:#?}", path.display());
        }
    }
}

#[test]
fn multi_tenant_ast_snapshot() {
    let text = include_str!("../../examples/multi-tenant.cors");
    let file = SourceFile::new("examples/multi-tenant.cors", text);
    let (doc, diags) = cors_dsl::syntax::parse(&file, FileId(0));
    assert!(diags.is_empty(), "{diags:#?}");
    insta::assert_json_snapshot!(doc);
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning_on_examples() {
    for (path, text) in examples() {
        let once = printer::format(&SourceFile::new(&path, &*text))
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        let twice = printer::format(&SourceFile::new(&path, &*once))
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        assert_eq!(once, twice, "{}: fmt is not idempotent", path.display());

        let before = load_str(&path, &text);
        let after = load_str(&path, &once);
        let (Some(a), Some(b)) = (&before.set, &after.set) else {
            panic!("{}: {:#?} / {:#?}", path.display(), before.diagnostics, after.diagnostics)
        };
        let ta = compile(a, &before.sources).expect("compiles");
        let tb = compile(b, &after.sources).expect("compiles");
        assert_eq!(ta, tb, "{}: formatting changed the compiled table", path.display());
    }
}

#[test]
fn fmt_keeps_meaning_of_messy_layouts() {
    for (path, text) in examples() {
        // Same tokens, hostile layout: tabs, CRLF, extra blank lines, odd spacing.
        // Same tokens, hostile layout: tabs, CRLF, extra blank lines, odd spacing
        // (comments left alone: their text is kept verbatim).
        let messy: String = text
            .lines()
            .map(|line| {
                let cut = line.find(" #").or_else(|| line.starts_with('#').then_some(0));
                let (code, comment) = line.split_at(cut.unwrap_or(line.len()));
                let code = code
                    .replace("    ", "\t \t")
                    .replace(';', " ;\r\n\r\n\r\n")
                    .replace('{', "\r\n{ ")
                    .replace(' ', "   ");
                format!("{code}{comment}\r\n")
            })
            .collect();
        let formatted = printer::format(&SourceFile::new(&path, &*messy))
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        assert_eq!(meaning(&path, &messy), meaning(&path, &text), "{}", path.display());
        assert_eq!(meaning(&path, &formatted), meaning(&path, &text), "{}", path.display());
        let again = printer::format(&SourceFile::new(&path, &*formatted)).expect("parses");
        assert_eq!(again, formatted, "{}: not idempotent", path.display());
        // The examples are canonical: apart from blank lines (kept from the messy
        // layout, at most one per gap), formatting restores them exactly.
        let solid =
            |s: &str| s.lines().filter(|l| !l.is_empty()).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(solid(&formatted), solid(&text), "{}", path.display());
        assert!(!formatted.contains("\n\n\n"), "{}", path.display());
    }
}
