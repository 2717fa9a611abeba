//! One verdict for every tool: [`cors_dsl::build`] accepts a policy exactly when it has
//! no error of any kind — language, compile, or lint finding of error severity — once
//! `# corsc: allow CODE reason` comments are applied. `corsc check`, `corsc compile`,
//! `corsc explain` and `nginx -t` all take this verdict (their own tests check that
//! they agree with it).

use cors_dsl::Severity;
use std::path::Path;

/// The findings of a policy: code and severity.
type Findings = Vec<(String, Severity)>;

/// `Ok` with the remaining findings when the policy is accepted, `Err` with all of them.
fn build(text: &str) -> Result<Findings, Findings> {
    let codes = |l: cors_dsl::Loaded| {
        l.diagnostics.iter().map(|d| (d.code.to_string(), d.severity)).collect::<Vec<_>>()
    };
    match cors_dsl::build(Path::new("test.cors"), text) {
        Ok((_, loaded)) => Ok(codes(loaded)),
        Err(loaded) => Err(codes(loaded)),
    }
}

fn policy(body: &str) -> String {
    format!("policy api {{\n{body}\n}}\n")
}

#[test]
fn lint_errors_refuse_the_policy_and_warnings_do_not() {
    // Every origin reflected, with credentials: an error.
    let refused = build(&policy("    origin ~ \".*\";\n    credentials on;"));
    assert!(
        refused.as_ref().is_err_and(|f| f.contains(&("CORS101".into(), Severity::Error))),
        "{refused:?}"
    );
    // A warning (credentialed subdomain wildcard) loads, and is reported.
    let warned = build(&policy("    origin https://*.example.com;\n    credentials on;"));
    assert!(
        warned.as_ref().is_ok_and(|f| f.iter().any(|(_, s)| *s == Severity::Warning)),
        "{warned:?}"
    );
    // A language error is refused as before.
    assert!(build(&policy("    origin https://a.example.com/;")).is_err());
}

#[test]
fn a_reasoned_suppression_lets_an_error_load_and_a_bare_one_does_not() {
    let reasoned = build(&policy(
        "    # corsc: allow CORS101 \"an internal tool: every origin on this network is ours\"\n    origin ~ \".*\";\n    credentials on;",
    ));
    assert_eq!(reasoned, Ok(vec![]));
    let bare =
        build(&policy("    # corsc: allow CORS101\n    origin ~ \".*\";\n    credentials on;"));
    assert_eq!(bare, Err(vec![("CORS190".into(), Severity::Error)]));
    // A bare suppression of a warning stays a warning: the policy loads.
    let bare_warning = build(&policy(
        "    # corsc: allow CORS105\n    origin https://*.example.com;\n    credentials on;",
    ));
    assert_eq!(bare_warning, Ok(vec![("CORS190".into(), Severity::Warning)]));
}
