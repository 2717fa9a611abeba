//! Table-driven request/response checks: a [`Case`] is a request and the status and
//! headers expected back; [`run`] sends every case to one nginx and reports every
//! failing case at once, each with its request and response.

use crate::http::{Req, Response};
use crate::nginx::Nginx;

/// What a case expects of one header.
#[derive(Debug, Clone, Copy)]
pub enum H {
    /// Exactly one line with this value.
    Is(&'static str, &'static str),
    /// Exactly one line containing this text.
    Has(&'static str, &'static str),
    /// No such header.
    No(&'static str),
}

/// The CORS headers a refused request must not get.
pub const NO_CORS: [H; 4] = [
    H::No("Access-Control-Allow-Origin"),
    H::No("Access-Control-Allow-Methods"),
    H::No("Access-Control-Allow-Credentials"),
    H::No("Access-Control-Expose-Headers"),
];

/// One request and what must come back.
pub struct Case {
    /// Shown when the case fails.
    pub name: &'static str,
    /// The request sent.
    pub req: Req,
    /// The expected status.
    pub status: u16,
    /// The expected headers.
    pub expect: Vec<H>,
}

/// A [`Case`].
pub fn case(name: &'static str, req: Req, status: u16, expect: &[H]) -> Case {
    Case { name, req, status, expect: expect.to_vec() }
}

/// What is wrong with `resp` (empty when it has `status` and every `expect`).
pub fn check(name: &str, resp: &Response, status: u16, expect: &[H]) -> Vec<String> {
    let mut failures = Vec::new();
    if resp.status != status {
        failures.push(format!("{name}: status {} instead of {status}", resp.status));
    }
    for h in expect {
        let (header, ok) = match *h {
            H::Is(n, v) => (n, resp.all(n) == [v]),
            H::Has(n, v) => (n, matches!(resp.all(n)[..], [one] if one.contains(v))),
            H::No(n) => (n, resp.all(n).is_empty()),
        };
        if !ok {
            failures.push(format!("{name}: expected {h:?}, got {header}: {:?}", resp.all(header)));
        }
    }
    failures
}

/// Sends every case to `nginx`; fails listing every failing case.
pub fn run(nginx: &Nginx, cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in cases {
        let resp = nginx.send(&c.req);
        let f = check(c.name, &resp, c.status, &c.expect);
        if !f.is_empty() {
            failures.push(format!(
                "{}\n  request: {:?}\n  response: {:?}",
                f.join("\n"),
                c.req,
                resp.headers
            ));
        }
    }
    assert!(failures.is_empty(), "{} failing case(s):\n{}", failures.len(), failures.join("\n\n"));
}

/// A preflight of `method` on `path` from `origin`.
pub fn pf(path: &str, origin: &str, method: &str) -> Req {
    Req::preflight(path, origin, method)
}

/// A `GET` of `path` from `origin`.
pub fn get(path: &str, origin: &str) -> Req {
    Req::get(path).origin(origin)
}

/// A `&'static str` for expectations built at run time.
pub fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// `(status, every Access-Control-* line, Vary tokens)`: what a browser or cache acts on.
pub fn cors_view(r: &Response) -> (u16, Vec<(String, String)>, Vec<String>) {
    let cors = r.cors_headers().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    (r.status, cors, r.vary_tokens())
}
