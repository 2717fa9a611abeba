//! What a browser concludes about one cross-origin `fetch()`: the server's answers come
//! from `decide()` on the policy's compiled table, and the browser's judgement of them
//! from [`cors_dsl::browser`], the model `corsc explain` uses. Comparing this prediction
//! with what Chromium does is what holds that model to a real browser.
//!
//! This module knows nothing of the scenario matrix, nginx or WebDriver: [`Fetch`] in,
//! [`Prediction`] out ([`predict`]).

use cors_dsl::browser::{self, PageRequest, Response};
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

/// What the browser should conclude.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Whether `fetch()` resolves (otherwise it rejects with a `TypeError`).
    pub resolved: bool,
    /// Lower-cased names of the probed response headers the script can read.
    pub readable: Vec<String>,
    /// `(method, "$cors_decision ($cors_reason)")` for each request the browser should
    /// send, in order.
    pub log: Vec<(String, String)>,
    /// The page's request and the answer it gets, when it gets one.
    answer: Option<(PageRequest, Response)>,
}

impl Prediction {
    /// Whether the script can read response header `name` (any header the response
    /// carries, not only the probed ones).
    pub fn can_read(&self, name: &str) -> bool {
        self.answer.as_ref().is_some_and(|(page, resp)| browser::can_read(page, resp, name))
    }
}

/// A decision as the access log shows it: `$cors_decision`, and ` ($cors_reason)` when
/// there is one.
fn logged(d: &Decision<'_>) -> String {
    match d.reason() {
        Some(r) => format!("{} ({})", d.as_str(), r.code()),
        None => d.as_str().to_string(),
    }
}

/// The answer nginx sends for decision `d`, as the browser receives it: the
/// decision's CORS headers, and for an actual request any status (the CORS check
/// ignores it).
fn answer(d: &Decision<'_>) -> Response {
    let headers: Vec<(String, Vec<u8>)> = d
        .headers()
        .map(|h| h.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect())
        .unwrap_or_default();
    Response::new(d.respond_with().unwrap_or(200), headers)
}

/// Predicts the browser's conclusion for `fetch` under `policy` of `table`. `probed`
/// are the lower-cased names of headers the response carries whose readability the
/// page reports.
pub fn predict(table: &RuleTable, policy: &str, fetch: &Fetch<'_>, probed: &[&str]) -> Prediction {
    let policy = table
        .policy_id(policy)
        .unwrap_or_else(|| panic!("policy {policy} not in the compiled table"));
    let page = PageRequest::new(fetch.origin, fetch.method)
        .with_script_headers(fetch.headers)
        .with_credentials(fetch.credentials);
    let origin = fetch.origin.as_bytes();
    let mut log = Vec::new();
    let blocked = |log| Prediction { resolved: false, readable: Vec::new(), log, answer: None };

    if page.needs_preflight() {
        let acrh = page.preflight_request_headers();
        let mut req = Request::preflight(origin, fetch.method.as_bytes());
        if let Some(acrh) = &acrh {
            req = req.with_request_headers(acrh.as_bytes());
        }
        let d = table.decide(policy, &req);
        log.push(("OPTIONS".to_string(), logged(&d)));
        if !browser::preflight_check(&page, &answer(&d)).is_empty() {
            return blocked(log);
        }
    }

    let d = table.decide(policy, &Request::actual(fetch.method.as_bytes(), Some(origin)));
    log.push((fetch.method.to_string(), logged(&d)));
    let response = answer(&d);
    if !browser::cors_check(&page, &response).is_empty() {
        return blocked(log);
    }
    let readable = probed
        .iter()
        .filter(|p| browser::can_read(&page, &response, p))
        .map(|p| (*p).to_string())
        .collect();
    Prediction { resolved: true, readable, log, answer: Some((page, response)) }
}
