//! `corsc rules`, completions, the man page, colours and `--help`.

use crate::*;

#[test]
fn rules_lists_every_code() {
    let run = case!("rules", 0, &["rules"]);
    for meta in cors_dsl::lint::registry::all() {
        assert!(run.stdout.contains(meta.code), "{} missing", meta.code);
    }
}

#[test]
fn rules_shows_one_code() {
    let run = case!("rules_cors007", 0, &["rules", "cors007"]);
    assert!(run.stdout.contains("## Why is this bad?"));
    case!("rules_unknown", 2, &["rules", "CORS999"]);
}

#[test]
fn completions_and_man_page() {
    let bash = corsc(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("explain") && bash.stdout.contains("--preflight"));
    let man = corsc(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH corsc"), "{}", man.stdout);
}

#[test]
fn colours_follow_the_flag() {
    let args = ["explain", "examples/spa-api.cors", "--origin", "https://app.example.com"];
    let always = corsc(&[&["--color", "always"][..], &args].concat());
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    // Not a terminal: `auto` means no colour, and so does `never`.
    assert!(!corsc(&args).stdout.contains('\x1b'));
    assert!(!corsc(&[&["--color", "never"][..], &args].concat()).stdout.contains('\x1b'));
}

#[test]
fn help_documents_exit_codes() {
    let run = corsc(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    assert_eq!(corsc(&["frobnicate"]).code, 2, "usage errors exit 2");
}
