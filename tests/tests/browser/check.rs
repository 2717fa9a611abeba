//! Checking what the browser concluded against the scenario and the prediction, and
//! reading what nginx logged.

use crate::matrix::{Call, Expect, Target, PROBED};
use crate::predict::Prediction;
use cors_tests::Nginx;
use serde_json::Value;
use std::fmt::Write as _;

/// Access-log lines as `(method, request_uri, "decision (reason)")`.
pub fn access_log(nginx: &Nginx) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(nginx.prefix.dir.path().join("logs/access.log"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let method = parts.next()?.to_string();
            let uri = parts.next()?.to_string();
            let field = |name: &str| l.split(name).nth(1)?.split(' ').next();
            let decision = match (field(" cors=")?, field(" reason=")?) {
                (d, "") => d.to_string(),
                (d, r) => format!("{d} ({r})"),
            };
            Some((method, uri, decision))
        })
        .collect()
}

/// Compares one browser result with the expectation and the prediction; returns
/// problems (empty when all three agree) and a summary cell for the report.
pub fn check_call(
    call: &Call,
    origin: &str,
    got: &Value,
    pred: &Prediction,
) -> (Vec<String>, String) {
    let mut problems = Vec::new();
    let resolved = got["outcome"] == "resolved";
    let outcome = if resolved {
        format!("resolved {}", got["status"])
    } else {
        format!(
            "{} ({})",
            got["outcome"].as_str().unwrap_or("?"),
            got["message"].as_str().unwrap_or("")
        )
    };
    let expected = call.expect.label();
    let ctx =
        format!("[{}] {} from {origin} {} {}", call.case, call.method, call.policy, call.what);
    match call.expect {
        Expect::Resolved(status) => {
            if !resolved || got["status"] != status {
                problems.push(format!("{ctx}: browser {outcome}, scenario expects {expected}"));
            }
        }
        Expect::Blocked => {
            if resolved || got["outcome"] != "TypeError" {
                problems.push(format!("{ctx}: browser {outcome}, scenario expects TypeError"));
            }
        }
    }
    if resolved != pred.resolved {
        problems.push(format!(
            "{ctx}: browser {outcome}, decide() predicts {}",
            if pred.resolved { "resolved" } else { "blocked" }
        ));
    }
    let mut readable = Vec::new();
    if resolved {
        for p in PROBED {
            if !got["probe"][p].is_null() {
                readable.push(p.to_string());
            }
        }
        if readable != pred.readable {
            problems.push(format!(
                "{ctx}: script can read {readable:?} of {PROBED:?}, decide() predicts {:?}",
                pred.readable
            ));
        }
        let listed: Vec<&str> = got["headers"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for h in &listed {
            if !pred.can_read(h) {
                problems.push(format!(
                    "{ctx}: script sees header {h:?}, which the browser model says it cannot read"
                ));
            }
        }
        if call.target == Target::Ok && got["body"] != format!("{} ok", call.method) {
            problems.push(format!("{ctx}: body {} (expected \"{} ok\")", got["body"], call.method));
        }
        if call.target == Target::ErrorPage && got["body"] != crate::setup::ERROR_BODY {
            problems.push(format!("{ctx}: body {} (expected the error page)", got["body"]));
        }
    }
    let cell = if readable.is_empty() {
        outcome
    } else {
        format!("{outcome}, reads {}", readable.join(" "))
    };
    (problems, cell)
}

/// The report's markdown row for `call`: `cell` is what Chromium concluded, `sent` the
/// `(method, decision)` nginx logged for it.
pub fn report_row(call: &Call, cell: &str, sent: &[(String, String)]) -> String {
    let mut req = call.method.to_string();
    for (k, v) in call.headers {
        let _ = write!(req, " `{k}: {v}`");
    }
    if call.credentials {
        req.push_str(" credentials");
    }
    if call.target != Target::Ok {
        let _ = write!(req, " → {}", call.target.path());
    }
    let logged: Vec<String> = sent.iter().map(|(m, d)| format!("{m} {d}")).collect();
    format!(
        "| `{}` | {} | {} | {} | {req} | {} | {} | {} |\n",
        call.case,
        call.what,
        call.page.label(),
        call.policy,
        call.expect.label(),
        cell.split(" (").next().unwrap_or(cell),
        logged.join(", ")
    )
}
