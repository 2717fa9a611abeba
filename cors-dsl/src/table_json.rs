//! A deterministic JSON view of a [`RuleTable`], for humans and snapshot tests.
//!
//! Hash maps are printed sorted so the same policy always dumps to the same text.

use crate::fetch::HeaderName;
use crate::table::{CompiledPolicy, RenderedHeader, RenderedValue, RuleTable};
use serde_json::{json, Map, Value};

impl RuleTable {
    /// A JSON dump for humans and snapshot tests (not a stable interchange format;
    /// `.corsb` is what the module loads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&dump(self))
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn dump(table: &RuleTable) -> Value {
    json!({
        "format_version": crate::corsb::FORMAT_VERSION,
        "policies": table.policies.iter().map(policy).collect::<Vec<_>>(),
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The fixed text `headers` give `name`; `None` when they do not send it, or send the
/// request's own origin.
fn fixed(headers: &[RenderedHeader], name: HeaderName) -> Option<&str> {
    headers.iter().find(|h| h.name == name).and_then(|h| match &h.value {
        RenderedValue::Text(t) => Some(&**t),
        RenderedValue::RequestOrigin
        | RenderedValue::RequestMethod
        | RenderedValue::RequestHeaders => None,
    })
}

fn policy(p: &CompiledPolicy) -> Value {
    let o = &p.origins;
    let mut exact: Vec<_> = o.exact.iter().map(|(k, v)| (text(k), v)).collect();
    exact.sort();
    let schemes = |m: &std::collections::HashMap<Box<[u8]>, Vec<crate::origin::SchemeRule>, _>| {
        let mut rows: Vec<(String, Value)> = m
            .iter()
            .map(|(k, v)| {
                let list: Map<String, Value> =
                    v.iter().map(|e| (e.scheme.to_string(), json!(e.rule))).collect();
                (text(k), Value::Object(list))
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Object(rows.into_iter().collect())
    };
    json!({
        "name": p.name,
        "preflight": {
            "answer": p.preflight.answer,
            "success_status": p.preflight.success_status,
            "refused_status": p.preflight.refused_status,
        },
        "vary": p.vary,
        "preflight_vary": p.preflight_vary,
        "origins": {
            "exact": Value::Object(exact.into_iter().map(|(k, v)| (k, json!(v))).collect()),
            "subdomain": schemes(&o.subdomain),
            "subdomain_any_port": schemes(&o.subdomain_any_port),
            "any_port": schemes(&o.any_port),
            "any": o.any,
            "null": o.null,
            "regex": o.regexes.iter().map(|(r, i)| json!({"pattern": r, "rule": i})).collect::<Vec<_>>(),
        },
        "rules": p.rules.iter().map(|r| json!({
            "source": r.source.to_string(),
            "methods": r.methods,
            "headers": r.headers,
            "any_header": r.any_header,
            "any_origin": fixed(&r.actual, HeaderName::AllowOrigin) == Some("*"),
            "credentials": fixed(&r.actual, HeaderName::AllowCredentials).is_some(),
            "private_network": r.private_network,
            "Access-Control-Allow-Methods": fixed(&r.preflight, HeaderName::AllowMethods),
            "Access-Control-Allow-Headers": fixed(&r.preflight, HeaderName::AllowHeaders),
            "Access-Control-Expose-Headers": fixed(&r.actual, HeaderName::ExposeHeaders),
            "Access-Control-Max-Age": fixed(&r.preflight, HeaderName::MaxAge),
        })).collect::<Vec<_>>(),
    })
}
