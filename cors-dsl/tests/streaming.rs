//! The loader checks a `policy` block statement by statement, as the parser reads it
//! (issue #13: a million-origin policy is never a tree). Held here to the plain way,
//! parsing the whole file into a tree and checking that: the same diagnostics, the same
//! policies and the same suppressions, for every policy in the fixtures and examples
//! and for texts made to test the block's edges (comments around `{` and `}`, an
//! unclosed block, errors inside and around it, `expect`, two policies of one name).

use cors_dsl::check::check;
use cors_dsl::lint::suppress;
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::syntax::parse_counted;
use std::path::{Path, PathBuf};

fn cors_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            cors_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "cors") {
            out.push(path);
        }
    }
}

const EDGES: &[&str] = &[
    "policy p { # after open\n  # lead\n  origin https://a.example; # trail\n  # end of block\n} # after close\n# end of file\n",
    "policy p {\n  origin https://a.example;\n} # corsc: allow CORS133 \"public\"\n",
    "# corsc: allow CORS104\npolicy p { origin http://a.example; credentials on; }\n",
    "policy p {\n  origin https://a.example;\n",
    "policy p { origin https://a.example }",
    "policy { origin https://a.example; }",
    "policy a b { origin https://a.example; methods PUT; }",
    "policy p { origin https://a.example; } policy p { origin https://b.example; }",
    "policy p { origin https://a.example; expect allow https://a.example; expect refuse https://b.example; }",
    "policy p { allow { origin https://a.example; } origin https://b.example; max-age 1h; max-age 2h; }",
    "policy p { policy q { } test t { } ~ x; ; } } policy r { origin HTTPS://R.example:443; }",
    "policy p { origin https://a.example/ https://a.example; unknown-thing 1; }",
    "policy p;\norigin https://a.example;\npolicy q { origin https://q.example; }",
    "test t { expect allow https://a.example; }\npolicy p { origin https://a.example; }",
    "policy p { origin 'https://a.example\n",
    "policy p { a { b { c { d { e { f { g { h { i { j { k { l { m { n { o { p { q { } } } } } } } } } } } } } } } } } }",
];

fn same(text: &str, name: &str) {
    let path = Path::new("t.cors");
    let loaded = cors_dsl::load_str(path, text);
    let file = SourceFile::new(path, text);
    let (doc, syntax_diags) = parse_counted(&file, FileId(0));
    let mut suppressions = suppress::collect(&doc);
    let (policies, expectations, check_diags) = check(doc.directives);
    let (mut syntax_diags, _) = syntax_diags.finish();
    syntax_diags.extend(check_diags);
    let key = |d: &cors_dsl::Diagnostic| format!("{:?}", (d.span, d.code.code, &d.message, d));
    let mut want: Vec<String> = syntax_diags.iter().map(key).collect();
    let mut got: Vec<String> = loaded.diagnostics.iter().map(key).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{name}: diagnostics");
    assert_eq!(loaded.expectations, expectations.len(), "{name}: expectations");
    if let Some(set) = &loaded.set {
        assert_eq!(format!("{:?}", set.policies), format!("{policies:?}"), "{name}: policies");
        let mut got = set.suppressions.clone();
        got.sort_by_key(|s| s.span.start);
        suppressions.sort_by_key(|s| s.span.start);
        assert_eq!(got, suppressions, "{name}: suppressions");
    }
}

#[test]
fn a_streamed_policy_checks_as_its_whole_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    cors_files(&root.join("tests/fixtures"), &mut files);
    cors_files(&root.join("../examples"), &mut files);
    files.sort();
    let mut compared = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        // Includes are read by the loader only; the plain way has no files.
        if text.contains("include") {
            continue;
        }
        same(&text, &path.display().to_string());
        compared += 1;
    }
    assert!(compared >= 50, "only {compared} policy files compared");
    for (i, text) in EDGES.iter().enumerate() {
        same(text, &format!("edge case {i}"));
    }
}
