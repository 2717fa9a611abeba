//! Snapshot and property tests for the four diagnostic renderers.
//!
//! The diagnostics are built by hand against a fixture file so these tests exercise
//! rendering alone: spans on one line, spans across lines, non-ASCII columns,
//! secondary labels, help and fixes.

use cors_dsl::codes;
use cors_dsl::diag::Diagnostic;
use cors_dsl::render::{github, human, json, sarif};
use cors_dsl::span::{FileId, SourceFile, SourceMap, Span};
use cors_dsl::Severity;

const FIXTURE: &str = include_str!("fixtures/render/several.cors");

/// The span of the first occurrence of `needle` in the fixture.
fn span_of(file: &SourceFile, needle: &str) -> Span {
    let start = file.text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in fixture"));
    let (line, col) = file.line_col(start);
    Span { file: FileId(0), start: start as u32, end: (start + needle.len()) as u32, line, col }
}

fn fixture() -> (SourceMap, Vec<Diagnostic>) {
    let file = SourceFile::new("policies/several.cors", FIXTURE);
    let slash = span_of(&file, "https://app.example.com/");
    let slash_end = Span {
        start: slash.end - 1,
        col: slash.col + "https://app.example.com".len() as u32,
        ..slash
    };
    let star = span_of(&file, "*;");
    let star = Span { end: star.start + 1, ..star };
    let comma = span_of(&file, "GET,");
    let block = span_of(
        &file,
        "allow {\n        origin https://ünïcode.example;\n        credentials on;\n    }",
    );
    let unicode = span_of(&file, "https://ünïcode.example");
    let credentials = span_of(&file, "credentials on;");
    let diags = vec![
        Diagnostic::new(
            codes::MALFORMED_ORIGIN,
            slash,
            "origin `https://app.example.com/` has a trailing slash",
        )
        .label("a browser never sends a path")
        .help("remove the trailing slash")
        .fix(slash_end, "", "remove the trailing slash"),
        Diagnostic::new(codes::INVALID_METHOD, comma, "method `GET,` is not a valid HTTP token")
            .label("not a token")
            .help("separate methods with spaces, not commas")
            .secondary(star, "the `*` origin is on the line before"),
        Diagnostic::new(
            codes::CREDENTIALS_WITH_WILDCARD_ORIGIN,
            block,
            "`credentials on` together with the `*` origin",
        )
        .label("this rule")
        .secondary(credentials, "credentials turned on here")
        .severity(Severity::Warning),
        Diagnostic::new(
            codes::MALFORMED_ORIGIN,
            unicode,
            "origin host `ünïcode.example` is not punycode",
        )
        .label("100% wrong, see: \"docs\", ok")
        .severity(Severity::Info),
    ];
    let mut sources = SourceMap::new();
    sources.add(file);
    (sources, diags)
}

#[test]
fn human_snapshot() {
    let (sources, diags) = fixture();
    insta::assert_snapshot!(human::render(&sources, &diags, false));
}

#[test]
fn human_colour_only_when_asked() {
    let (sources, diags) = fixture();
    assert!(!human::render(&sources, &diags, false).contains('\x1b'));
    assert!(human::render(&sources, &diags, true).contains('\x1b'));
}

#[test]
fn human_empty_is_empty() {
    let (sources, _) = fixture();
    assert_eq!(human::render(&sources, &[], false), "");
}

#[test]
fn json_snapshot() {
    let (sources, diags) = fixture();
    insta::assert_snapshot!(json::render(&sources, &diags));
}

#[test]
fn json_positions_are_one_based_and_end_exclusive() {
    let (sources, diags) = fixture();
    let doc: serde_json::Value = serde_json::from_str(&json::render(&sources, &diags)).unwrap();
    assert_eq!(doc["version"], 1);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 12);
    assert_eq!(first["end_line"], 3);
    // `https://app.example.com/` is 24 characters long.
    assert_eq!(first["end_column"], 12 + 24);
    assert_eq!(first["fix"]["replacement"], "");
    // Non-ASCII: columns count characters, not bytes.
    let unicode = &doc["diagnostics"][3];
    assert_eq!(unicode["column"], 16);
    assert_eq!(unicode["end_column"], 16 + "https://ünïcode.example".chars().count());
    assert_eq!(doc["summary"], serde_json::json!({"errors": 2, "warnings": 1, "infos": 1}));
}

#[test]
fn sarif_snapshot() {
    let (sources, diags) = fixture();
    insta::assert_snapshot!(sarif::render(&sources, &diags));
}

#[test]
fn sarif_has_the_required_shape() {
    let (sources, diags) = fixture();
    let log: serde_json::Value = serde_json::from_str(&sarif::render(&sources, &diags)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), cors_dsl::lint::registry::all().count());
    for result in run["results"].as_array().unwrap() {
        let id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        let region = &result["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
        }
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "policies/several.cors"
        );
    }
    let fixes = &run["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(fixes["deletedRegion"]["startColumn"], 35);
    assert_eq!(fixes["insertedContent"]["text"], "");
    assert!(run["results"][1].get("fixes").is_none());
    // The typed model round-trips: what we wrote is what serde-sarif reads.
    let parsed: serde_sarif::sarif::Sarif =
        serde_json::from_str(&sarif::render(&sources, &diags)).unwrap();
    assert_eq!(parsed.runs.len(), 1);
}

#[test]
fn github_snapshot() {
    let (sources, diags) = fixture();
    insta::assert_snapshot!(github::render(&sources, &diags));
}

#[test]
fn github_omits_columns_on_multi_line_spans() {
    let (sources, diags) = fixture();
    let out = github::render(&sources, &diags);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), diags.len());
    assert!(lines[0]
        .starts_with("::error file=policies/several.cors,line=3,col=12,endLine=3,endColumn=36,"));
    assert!(lines[2].starts_with("::warning file=policies/several.cors,line=5,endLine=8,title="));
    assert!(!lines[2].contains("col="));
    assert!(lines[3].starts_with("::notice "));
}
