//! Report-only mode: would a browser conclude differently from the policy's answer than
//! from the response that actually goes out?
//!
//! The module decides every request of a `report-only` location as if enforcing, leaves
//! the response alone, and asks this module how the two answers differ for a browser
//! (`$cors_report`). Both are judged by the one browser model ([`crate::browser`]), in
//! both credentials modes, since the server cannot tell whether the page sent
//! credentials. No allocation: this runs per request inside nginx.

use crate::browser::{self, Asked, ResponseLines};
use crate::decide::{Decision, OriginHeader, Request, RequestHeaders};

/// How a browser's conclusion would change if the policy were enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The same in both credentials modes.
    Same,
    /// The policy would refuse what the response now allows.
    WouldRefuse,
    /// The policy would allow what the response now refuses.
    WouldAllow,
    /// Both, in different credentials modes.
    WouldRefuseAndAllow,
}

impl Report {
    /// The value of `$cors_report`: `same`, `would-refuse`, `would-allow`,
    /// `would-refuse-and-allow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Report::Same => "same",
            Report::WouldRefuse => "would-refuse",
            Report::WouldAllow => "would-allow",
            Report::WouldRefuseAndAllow => "would-refuse-and-allow",
        }
    }
}

/// The policy's answer to a request, as a browser would receive it: the decision's
/// headers, and the status the module would answer a preflight with (else the
/// response's own status, since the request would reach its content handler).
pub struct PolicyAnswer<'a> {
    /// The decision.
    pub decision: &'a Decision<'a>,
    /// The status of the response that goes out.
    pub status: u16,
}

impl ResponseLines for PolicyAnswer<'_> {
    fn status(&self) -> u16 {
        self.decision.respond_with().unwrap_or(self.status)
    }

    fn for_each_line(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for (n, v) in self.decision.headers().iter().flat_map(|h| h.iter()) {
            if n.as_str().eq_ignore_ascii_case(name) {
                f(v);
            }
        }
    }
}

/// How enforcing `decision` (made for `req`) would change what a browser concludes from
/// `current`, the response that goes out; `None` for a request a browser does not check
/// (no `Origin`, or several), or a preflight the policy passes through untouched.
pub fn compare(req: &Request, decision: &Decision, current: &impl ResponseLines) -> Option<Report> {
    let OriginHeader::One(origin) = req.origin else { return None };
    if matches!(decision, Decision::PreflightPassThrough) {
        return Some(Report::Same);
    }
    let preflight = req.is_preflight();
    let unsafe_headers = match (preflight, req.request_headers) {
        (true, RequestHeaders::Value(v)) => v,
        _ => b"",
    };
    let method = if preflight { req.request_method.unwrap_or_default() } else { req.method };
    let policy = PolicyAnswer { decision, status: current.status() };
    let (mut refuse, mut allow) = (false, false);
    for credentials in [false, true] {
        let asked = Asked { origin, method, unsafe_headers, credentials };
        let now = browser::passes(&asked, current, preflight);
        let enforced = browser::passes(&asked, &policy, preflight);
        refuse |= now && !enforced;
        allow |= enforced && !now;
    }
    Some(match (refuse, allow) {
        (false, false) => Report::Same,
        (true, false) => Report::WouldRefuse,
        (false, true) => Report::WouldAllow,
        (true, true) => Report::WouldRefuseAndAllow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::Response;

    const APP: &[u8] = b"https://app.example.com";

    fn table() -> crate::RuleTable {
        let src = "policy api { origin https://app.example.com; methods GET PUT; \
                   headers X-A; credentials on; }";
        match crate::build(std::path::Path::new("t.cors"), src) {
            Ok((table, _)) => table,
            Err(loaded) => panic!("the policy builds: {:?}", loaded.diagnostics),
        }
    }

    fn report(req: &Request, status: u16, headers: &[(&str, &str)]) -> Option<Report> {
        let t = table();
        let id = t.policy_id("api").expect("api");
        let d = t.decide(id, req);
        let current = Response::new(status, headers.iter().map(|(n, v)| (*n, v.as_bytes())));
        compare(req, &d, &current)
    }

    #[test]
    fn the_recipe_and_the_policy_are_compared_as_a_browser_sees_them() {
        let get = Request::actual(b"GET", Some(APP));
        let app = "https://app.example.com";
        let reflect =
            [("Access-Control-Allow-Origin", app), ("Access-Control-Allow-Credentials", "true")];
        assert_eq!(report(&get, 200, &reflect), Some(Report::Same));
        // Header order and case do not matter to a browser.
        let spelled =
            [("access-control-allow-credentials", "true"), ("ACCESS-CONTROL-ALLOW-ORIGIN", app)];
        assert_eq!(report(&get, 200, &spelled), Some(Report::Same));
        assert_eq!(report(&get, 200, &[]), Some(Report::WouldAllow));
        // `*` is readable without credentials only; the policy allows both modes.
        assert_eq!(
            report(&get, 200, &[("Access-Control-Allow-Origin", "*")]),
            Some(Report::WouldAllow)
        );
        let evil = Request::actual(b"GET", Some(b"https://evil.example"));
        let star = [("Access-Control-Allow-Origin", "*")];
        assert_eq!(report(&evil, 200, &star), Some(Report::WouldRefuse));
        assert_eq!(report(&evil, 200, &[]), Some(Report::Same));
        assert_eq!(report(&Request::actual(b"GET", None), 200, &star), None);
    }

    #[test]
    fn preflights_compare_status_methods_and_headers() {
        let app = "https://app.example.com";
        let put = Request::preflight(APP, b"PUT").with_request_headers(b"x-a");
        let recipe = [
            ("Access-Control-Allow-Origin", app),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "GET, PUT"),
            ("Access-Control-Allow-Headers", "X-A"),
        ];
        assert_eq!(report(&put, 204, &recipe), Some(Report::Same));
        // An `if ($request_method = OPTIONS)` that forgot the headers.
        assert_eq!(report(&put, 204, &recipe[..2]), Some(Report::WouldAllow));
        // The recipe allows DELETE; the policy does not.
        let delete = Request::preflight(APP, b"DELETE");
        let any = [
            ("Access-Control-Allow-Origin", app),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "*"),
        ];
        // `*` covers DELETE only without credentials: refused in one mode, as the policy.
        assert_eq!(report(&delete, 204, &any), Some(Report::WouldRefuse));
        // A recipe answering the preflight with its upstream's 404 fails the status check.
        assert_eq!(report(&put, 404, &recipe), Some(Report::WouldAllow));
    }
}
