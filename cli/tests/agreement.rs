//! One verdict: the library (`cors_dsl::build`), `corsc check`, `corsc compile` and
//! `nginx -t` with the module accept and refuse exactly the same policies.
//!
//! The policies cover every way a policy can be refused (language error, lint error,
//! a suppression without a reason) and every way a doubtful one still loads
//! (warnings, a reasoned suppression, a credentialed wildcard). `nginx -t` runs the
//! vendored nginx (`scripts/build-module.sh`); the real-nginx suites test the same
//! refusals against Debian's nginx.

use std::path::Path;
use std::process::Command;

/// `(what, policy text, accepted)`.
const POLICIES: &[(&str, &str, bool)] = &[
    ("clean", "origin https://app.example.com;\nmethods PUT;", true),
    ("language error", "origin https://app.example.com/;", false),
    ("expose * with credentials", "origin https://app.example.com;\nexpose *;\ncredentials on;", false),
    ("lint error", "origin ~ \".*\";\ncredentials on;", false),
    (
        "lint error, reasoned suppression",
        "# corsc: allow CORS101 \"internal tool: every origin here is ours\"\norigin ~ \".*\";\ncredentials on;",
        true,
    ),
    ("lint error, bare suppression", "# corsc: allow CORS101\norigin ~ \".*\";\ncredentials on;", false),
    ("warning only", "origin https://*.example.com;\ncredentials on;", true),
    ("credentialed wildcards", "origin https://app.example.com;\nmethods *;\nheaders *;\ncredentials on;", true),
    ("forbidden request header (lint warning)", "origin https://app.example.com;\nheaders Cookie;", true),
];

fn corsc_ok(args: &[&str]) -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_corsc")).args(args).output().expect("run corsc");
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        other => {
            panic!("corsc {args:?} exited {other:?}: {}", String::from_utf8_lossy(&out.stderr))
        }
    }
}

#[test]
fn library_corsc_and_nginx_agree() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corsc-agreement");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let http = "cors_policy_file policies.cors;\nserver { listen 127.0.0.1:{PORT}; cors api; }";
    let mut disagreements = Vec::new();
    for (i, (what, body, accepted)) in POLICIES.iter().enumerate() {
        let text = format!("policy api {{\n{body}\n}}\n");
        let path = dir.join(format!("p{i}.cors"));
        std::fs::write(&path, &text).expect("write policy");
        let file = path.display().to_string();
        let out = dir.join(format!("p{i}.corsb")).display().to_string();
        let mut verdicts = vec![
            ("library", cors_dsl::build(&path, &text).is_ok()),
            ("corsc check", corsc_ok(&["check", &file])),
            ("corsc compile", corsc_ok(&["compile", &file, "-o", &out])),
        ];
        match cors_tests::nginx_t(http, &[("policies.cors", &text)]) {
            Some((ok, _)) => verdicts.push(("nginx -t", ok)),
            None => return, // skipped loudly (fails under CI=true)
        }
        for (tool, ok) in verdicts {
            if ok != *accepted {
                disagreements.push(format!(
                    "{what}: {tool} {} it, expected {}\n{text}",
                    if ok { "accepts" } else { "refuses" },
                    if *accepted { "accepted" } else { "refused" }
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
