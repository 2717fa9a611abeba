//! The table's [`Decision`] next to the reference's [`Answer`]: same decision, same
//! rule, status and reason, the same `Vary` tokens and the same headers, each header
//! once, values compared as the reference means them (exact bytes, or a list in any
//! order).

use crate::case::Case;
use crate::probe::wire;
use crate::reference::{self, Answer, Value, Wire, WireHeaders, WireOrigin};
use cors_dsl::{Decision, OriginHeader, Request, RequestHeaders, RuleTable};
use std::collections::BTreeSet;
use std::path::Path;

/// Compiles the case's policy (load, check, compile: the linter has no say in what a
/// table decides) and decides every request both ways. `Ok(false)` when the language
/// refuses the policy (nothing to compare), `Err` on the first disagreement.
pub fn differential(case: &Case) -> Result<bool, String> {
    differential_counting(case, &mut |_| {})
}

/// [`differential`], calling `seen` with every decision both sides agreed on.
pub fn differential_counting(case: &Case, seen: &mut dyn FnMut(&Answer)) -> Result<bool, String> {
    let text = case.policy.text();
    let loaded = cors_dsl::load_str(Path::new("/nonexistent/fuzz.cors"), &text);
    let Some(set) = loaded.set.as_ref() else { return Ok(false) };
    let Ok(table) = cors_dsl::compile(set, &loaded.sources) else { return Ok(false) };
    for r in &case.requests {
        let w = wire(&case.policy, r);
        let want = reference::decide(&case.policy, &w);
        let got = decide(&table, &w);
        if let Err(e) = same(&got, &want) {
            return Err(format!(
                "policy:\n{text}\nrequest: {}\ntable:     {got:?}\nreference: {want:?}\n{e}",
                show(&w)
            ));
        }
        seen(&want);
    }
    Ok(true)
}

/// The request in readable form.
fn show(w: &Wire) -> String {
    let b = |v: &[u8]| format!("{:?}", String::from_utf8_lossy(v));
    format!(
        "method {} origin {} request-method {} request-headers {} private-network {}",
        b(&w.method),
        match &w.origin {
            WireOrigin::Absent => "absent".into(),
            WireOrigin::Many => "several lines".into(),
            WireOrigin::One(o) => b(o),
        },
        w.request_method.as_deref().map_or("absent".into(), b),
        match &w.request_headers {
            WireHeaders::Absent => "absent".into(),
            WireHeaders::TooLong => "too long".into(),
            WireHeaders::Value(v) => b(v),
        },
        w.private_network
    )
}

/// The table's decision, flattened like an [`Answer`] (header values as bytes).
#[derive(Debug)]
pub struct Got {
    decision: &'static str,
    rule: Option<usize>,
    status: Option<u16>,
    reason: Option<&'static str>,
    headers: Option<Vec<(&'static str, Vec<u8>)>>,
    vary: Option<String>,
}

fn decide(table: &RuleTable, w: &Wire) -> Got {
    let id = table.policy_id("p").expect("the policy is called p");
    let req = Request {
        method: &w.method,
        origin: match &w.origin {
            WireOrigin::Absent => OriginHeader::Absent,
            WireOrigin::Many => OriginHeader::Many,
            WireOrigin::One(o) => OriginHeader::One(o),
        },
        request_method: w.request_method.as_deref(),
        request_headers: match &w.request_headers {
            WireHeaders::Absent => RequestHeaders::Absent,
            WireHeaders::TooLong => RequestHeaders::TooLong,
            WireHeaders::Value(v) => RequestHeaders::Value(v),
        },
        request_private_network: w.private_network,
    };
    let d: Decision<'_> = table.decide(id, &req);
    Got {
        decision: d.as_str(),
        rule: d.rule(),
        status: d.respond_with(),
        reason: d.reason().map(|r| r.code()),
        headers: d.headers().map(|h| h.iter().map(|(n, v)| (n.as_str(), v.to_vec())).collect()),
        vary: d.vary().map(str::to_string),
    }
}

fn list(v: &[u8], lowercase: bool) -> BTreeSet<String> {
    String::from_utf8_lossy(v)
        .split(',')
        .map(|e| e.trim_matches([' ', '\t']))
        .filter(|e| !e.is_empty())
        .map(|e| if lowercase { e.to_ascii_lowercase() } else { e.to_string() })
        .collect()
}

fn same(got: &Got, want: &Answer) -> Result<(), String> {
    let fields = [
        ("decision", got.decision == want.decision),
        ("rule", got.rule == want.rule),
        ("status", got.status == want.status),
        ("reason", got.reason == want.reason),
    ];
    for (what, ok) in fields {
        if !ok {
            return Err(format!("{what} differs"));
        }
    }
    let want_vary: Option<BTreeSet<String>> =
        want.vary.as_ref().map(|v| v.iter().map(|t| t.to_ascii_lowercase()).collect());
    if got.vary.as_ref().map(|v| list(v.as_bytes(), true)) != want_vary {
        return Err("Vary differs".into());
    }
    match (&got.headers, &want.headers) {
        (None, None) => Ok(()),
        (Some(g), Some(w)) => {
            let names: Vec<&str> = g.iter().map(|(n, _)| *n).collect();
            let unique: BTreeSet<&str> = names.iter().copied().collect();
            if unique.len() != names.len() {
                return Err(format!("a header is sent twice: {names:?}"));
            }
            let want_names: BTreeSet<&str> = w.iter().map(|(n, _)| *n).collect();
            if unique != want_names {
                return Err(format!("header names differ: {unique:?} vs {want_names:?}"));
            }
            for (name, value) in w {
                let sent = &g.iter().find(|(n, _)| n == name).expect("names are equal").1;
                let ok = match value {
                    Value::Exact(bytes) => sent == bytes,
                    Value::Methods(m) => list(sent, false) == m.iter().cloned().collect(),
                    Value::Names(n) => {
                        list(sent, true) == n.iter().map(|n| n.to_ascii_lowercase()).collect()
                    }
                };
                if !ok {
                    return Err(format!("{name} differs"));
                }
            }
            Ok(())
        }
        _ => Err("headers sent by one side only".into()),
    }
}
