//! Policy source → diagnostics, never a panic: any bytes (read as UTF-8, invalid
//! sequences replaced, as `corsc` refuses them earlier) go through the whole build
//! (`cors_dsl::build`: parse, includes, check, compile, lint, policy tests), and the
//! findings through the renderers.
//!
//! Beside "no panic":
//! - a policy is accepted exactly when no finding is an error, and an accepted
//!   policy's table survives `.corsb` and back unchanged;
//! - every finding's span lies in its file, on character boundaries;
//! - a coarse linearity guard that cannot flake (it counts, it does not time): at most
//!   4 findings per input byte, and the JSON rendering of all of them at most 1 KiB per
//!   input byte (plus a constant): a finding that quotes the whole file once per line,
//!   or a lint that reports every pair of rules, fails it on large inputs;
//! - text without syntax errors formats (`corsc fmt`) to a fixed point.
#![no_main]

use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{printer, render, syntax, RuleTable};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Includes resolve against a directory that does not exist, so they fail fast
/// (`CORS012`) and the target never depends on what is on disk (but for absolute
/// paths, which read regular files only, bounded).
const PATH: &str = "/nonexistent-cors-fuzz/input.cors";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new(PATH);
    let (table, loaded) = match cors_dsl::build(path, &text) {
        Ok((table, loaded)) => (Some(table), loaded),
        Err(loaded) => (None, loaded),
    };
    assert_eq!(table.is_some(), !loaded.has_errors(), "accepted exactly when no error");
    assert_eq!(table.is_some(), loaded.set.is_some());
    for d in &loaded.diagnostics {
        let file = loaded.sources.get(d.span.file).expect("a finding's file is loaded");
        assert!(file.text.get(d.span.range()).is_some(), "span {:?} outside its file", d.span);
    }
    let n = loaded.diagnostics.len();
    assert!(n <= 4 * text.len() + 16, "{n} findings for {} bytes", text.len());
    let json = render::json::render(&loaded.sources, &loaded.diagnostics);
    assert!(
        json.len() <= 1024 * (text.len() + 64),
        "{} bytes of JSON for {} bytes of input",
        json.len(),
        text.len()
    );
    // The human renderer lays out whole lines (a known cost, docs/security.md
    // "Reading cost"): the first few findings are enough to reach its code.
    let first = &loaded.diagnostics[..n.min(8)];
    let _ = render::human::render(&loaded.sources, first, false);
    if let Some(table) = table {
        let bytes = table.to_bytes();
        assert_eq!(RuleTable::from_bytes(&bytes).as_ref(), Ok(&table), "round trip via .corsb");
    }
    let file = SourceFile::new(path, &*text);
    let (_, syntax_errors) = syntax::parse(&file, FileId(0));
    if syntax_errors.is_empty() {
        let once = printer::format(&file).expect("parsed text formats");
        let again = printer::format(&SourceFile::new(path, &*once)).expect("formatted text parses");
        assert_eq!(once, again, "fmt is idempotent");
    }
});
