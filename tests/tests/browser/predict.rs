//! The browser half of the Fetch standard, on top of `decide()`: what a browser
//! concludes about one cross-origin `fetch()` given the policy's compiled table.
//!
//! This module knows nothing of the scenario matrix, nginx or WebDriver. Its interface
//! is [`Fetch`] in, [`Prediction`] out ([`predict`]), plus
//! [`safelisted_response_header`], so it can be swapped for a browser model shared
//! with `corsc explain`.

use cors_dsl::{Decision, Request, RuleTable};

/// A `fetch()` as the page script makes it.
#[derive(Debug, Clone, Copy)]
pub struct Fetch<'a> {
    /// The page's origin (`http://127.0.0.1:8080`, `null`).
    pub origin: &'a str,
    /// The request method.
    pub method: &'a str,
    /// The request headers the script sets.
    pub headers: &'a [(&'a str, &'a str)],
    /// `credentials: "include"`.
    pub credentials: bool,
}

/// What the browser should conclude, derived from `decide()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Whether `fetch()` resolves (otherwise it rejects with a `TypeError`).
    pub resolved: bool,
    /// Lower-cased names of the probed response headers the script can read.
    pub readable: Vec<String>,
    /// `(method, "$cors_decision ($cors_reason)")` for each request the browser should
    /// send, in order.
    pub log: Vec<(String, String)>,
}

/// A decision as the access log shows it: `$cors_decision`, and ` ($cors_reason)` when
/// there is one.
fn logged(d: &Decision<'_>) -> String {
    match d.reason() {
        Some(r) => format!("{} ({})", d.as_str(), r.code()),
        None => d.as_str().to_string(),
    }
}

/// <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>, for the headers
/// this suite sends (no value-length or byte checks beyond those).
fn safelisted_request_header(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    match name.as_str() {
        "accept" | "accept-language" | "content-language" => true,
        "content-type" => {
            let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            matches!(
                essence.as_str(),
                "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
            )
        }
        _ => false,
    }
}

/// <https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>.
const SAFELISTED_RESPONSE: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether a script may read response header `name` (lower-case) without it being
/// exposed: <https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>.
pub fn safelisted_response_header(name: &str) -> bool {
    SAFELISTED_RESPONSE.contains(&name)
}

/// Splits a comma-separated header value into trimmed, non-empty items.
fn items(v: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(v)
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn header<'a>(d: &'a Decision<'a>, name: &str) -> Option<&'a [u8]> {
    d.headers()?.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// <https://fetch.spec.whatwg.org/#cors-check>.
fn cors_check(d: &Decision<'_>, origin: &str, credentials: bool) -> bool {
    let Some(acao) = header(d, "Access-Control-Allow-Origin") else { return false };
    if acao == b"*" && !credentials {
        return true;
    }
    if acao != origin.as_bytes() {
        return false;
    }
    !credentials || header(d, "Access-Control-Allow-Credentials") == Some(b"true")
}

/// Predicts the browser's conclusion for `fetch` under `policy` of `table`. `probed`
/// are the lower-cased names of headers the response carries whose readability the
/// page reports.
pub fn predict(table: &RuleTable, policy: &str, fetch: &Fetch<'_>, probed: &[&str]) -> Prediction {
    let (origin, method, creds) = (fetch.origin, fetch.method, fetch.credentials);
    let policy = table
        .policy_id(policy)
        .unwrap_or_else(|| panic!("policy {policy} not in the compiled table"));
    let mut unsafe_names: Vec<String> = fetch
        .headers
        .iter()
        .filter(|(n, v)| !safelisted_request_header(n, v))
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    unsafe_names.sort();
    let safelisted_method = matches!(method, "GET" | "HEAD" | "POST");
    let mut log = Vec::new();
    let blocked = |log| Prediction { resolved: false, readable: Vec::new(), log };

    // https://fetch.spec.whatwg.org/#cors-preflight-fetch; Chromium sends the unsafe
    // names lower-cased, sorted, comma-joined without spaces.
    if !safelisted_method || !unsafe_names.is_empty() {
        let acrh = unsafe_names.join(",");
        let mut req = Request::preflight(origin.as_bytes(), method.as_bytes());
        if !acrh.is_empty() {
            req = req.with_request_headers(acrh.as_bytes());
        }
        let d = table.decide(policy, &req);
        log.push(("OPTIONS".to_string(), logged(&d)));
        let Decision::PreflightAllowed { status, .. } = d else { return blocked(log) };
        if !(200..300).contains(&status) || !cors_check(&d, origin, creds) {
            return blocked(log);
        }
        let methods = header(&d, "Access-Control-Allow-Methods").map(items).unwrap_or_default();
        let method_ok = safelisted_method
            || methods.iter().any(|m| m == method)
            || (!creds && methods.iter().any(|m| m == "*"));
        let allowed = header(&d, "Access-Control-Allow-Headers").map(items).unwrap_or_default();
        let star = !creds && allowed.iter().any(|h| h == "*");
        let headers_ok = unsafe_names.iter().all(|n| {
            allowed.iter().any(|h| h.eq_ignore_ascii_case(n)) || (star && n != "authorization")
        });
        if !method_ok || !headers_ok {
            return blocked(log);
        }
    }

    let d = table.decide(policy, &Request::actual(method.as_bytes(), Some(origin.as_bytes())));
    log.push((method.to_string(), logged(&d)));
    if !matches!(d, Decision::Allowed { .. }) || !cors_check(&d, origin, creds) {
        return blocked(log);
    }
    let exposed = header(&d, "Access-Control-Expose-Headers").map(items).unwrap_or_default();
    let readable = probed
        .iter()
        .filter(|p| {
            exposed.iter().any(|e| e.eq_ignore_ascii_case(p))
                || (!creds && exposed.iter().any(|e| e == "*"))
        })
        .map(|p| (*p).to_string())
        .collect();
    Prediction { resolved: true, readable, log }
}
