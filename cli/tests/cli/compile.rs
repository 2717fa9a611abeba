//! `corsc compile`: tables written atomically, JSON dumps, refusals.

use crate::*;

#[test]
fn compile_writes_the_table_atomically() {
    let dir = scratch("compile");
    let out = dir.join("api.corsb");
    let run = corsc(&["compile", "examples/multi-tenant.cors", "-o", &out.display().to_string()]);
    snapshot!("compile_corsb", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(&out).expect("table written");
    let read = cors_dsl::RuleTable::from_bytes(&bytes).expect("table reads back");
    let (built, _) = cors_dsl::build_table(&root().join("examples/multi-tenant.cors"))
        .unwrap_or_else(|l| panic!("{:?}", l.diagnostics));
    // Source locations name the file as corsc was given it (relative here).
    assert_eq!(read.to_json(), built.to_json().replace(&format!("{}/", root().display()), ""));
    let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "temporary file left behind");
}

#[test]
fn compile_emit_json_to_stdout() {
    let run =
        case!("compile_emit_json", 0, &["compile", "examples/spa-api.cors", "--emit", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["policies"][0]["name"], "api");
}

#[test]
fn compile_emit_json_to_file() {
    let dir = scratch("compile-json");
    let out = dir.join("api.json");
    let run = corsc(&[
        "compile",
        "examples/spa-api.cors",
        "--emit",
        "json",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(&out).expect("json written");
    assert_eq!(text, corsc(&["compile", "examples/spa-api.cors", "--emit", "json"]).stdout);
}

#[test]
fn compile_refuses_errors_and_writes_nothing() {
    let dir = scratch("compile-broken");
    let out = dir.join("broken.corsb");
    let run =
        corsc(&["compile", "cli/tests/fixtures/invalid.cors", "-o", &out.display().to_string()]);
    snapshot!("compile_invalid", run.snapshot(Some(&dir)));
    assert_eq!(run.code, 1);
    assert!(!out.exists(), "nothing may be written for a broken policy");
}

#[test]
fn compile_needs_an_output() {
    case!("compile_no_output", 2, &["compile", "examples/spa-api.cors"]);
}
