//! Inputs the cargo-fuzz targets (`fuzz/`, `scripts/fuzz.sh`; docs/security.md,
//! "Fuzzing") found crashing, kept as ordinary tests so they run on every build.

use cors_dsl::render;
use cors_dsl::span::SourceFile;
use std::path::Path;

/// `policy` target: the end column of a finding at the very end of a non-ASCII file
/// whose length is a multiple of 64 bytes underflowed (a panic with overflow checks,
/// a wild column without): the per-64-byte character marks had none for the end.
#[test]
fn column_at_the_end_of_a_non_ascii_file_of_64_bytes() {
    // `é` (2 bytes), a newline, 61 × `a`: 64 bytes, line 2 holds 61 characters.
    let text = format!("é\n{}", "a".repeat(61));
    assert_eq!(text.len(), 64);
    let file = SourceFile::new("t.cors", text.as_str());
    assert_eq!(file.line_col(64), (2, 62), "end of {text:?}");
    assert_eq!(file.line_col(63), (2, 61));
    let long = format!("é\n{}", "a".repeat(125));
    assert_eq!(SourceFile::new("t.cors", long.as_str()).line_col(128), (2, 126));
}

/// The input the fuzzer found (invalid UTF-8 read lossily, as the target does): it
/// builds to diagnostics that render without a panic.
#[test]
fn fuzz_policy_crash_end_column_renders() {
    let input: &[u8] =
        b"# CORS109: near misses, must not be rpolicy api {\n    origin https://aepo\xce\
        \x00\x00\x00\x00\x00\x00\x00licy cors109_1 {\npp.example.com;\n    he    ao";
    let text = String::from_utf8_lossy(input);
    assert_eq!(text.len(), 128, "the replacement character makes it 2 × 64 bytes");
    let loaded = match cors_dsl::build(Path::new("crash.cors"), &text) {
        Ok((_, loaded)) | Err(loaded) => loaded,
    };
    assert!(loaded.has_errors());
    let json = render::json::render(&loaded.sources, &loaded.diagnostics);
    assert!(json.contains("\"code\""), "{json}");
    let _ = render::human::render(&loaded.sources, &loaded.diagnostics, false);
}

/// `decide_differential` target: a subdomain wildcard matches at most 32 labels in
/// front of its suffix (docs/language.md), so a deeper host is refused, with or
/// without a port pattern; the reference decider models the bound.
#[test]
fn wildcards_match_at_most_32_labels() {
    let policy = "policy p { origin https://*.example.com https://*.example.org:*; }";
    let (table, _) = cors_dsl::build(Path::new("p.cors"), policy).expect("valid policy");
    let id = table.policy_id("p").expect("policy p");
    for (suffix, port) in [("example.com", ""), ("example.org", ":8443")] {
        for (labels, allowed) in [(1, true), (32, true), (33, false), (40, false)] {
            let host: String = (0..labels).map(|i| format!("l{i}.")).collect();
            let origin = format!("https://{host}{suffix}{port}");
            let d = table.decide(id, &cors_dsl::Request::actual(b"GET", Some(origin.as_bytes())));
            assert_eq!(d.as_str() == "allowed", allowed, "{origin}: {d:?}");
        }
    }
}
