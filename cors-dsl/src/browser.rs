//! The browser's side of the Fetch standard's CORS protocol: given what a page asks for
//! and what the server answers, does the browser let the page have it?
//!
//! `decide()` is the server's half; this is the other half, written from the standard
//! and independently of `decide()`, so the two can be held against each other.
//! `corsc explain` uses it for its "browser" line, policy tests (`expect`,
//! [`crate::expect`]) judge the compiled policy's answers with it, and the Chromium suite
//! (`tests/tests/browser/`) holds it against real Chromium, so what `explain` says a
//! browser does is what a browser does.
//!
//! Modelled: when a preflight is sent and what it carries
//! (<https://fetch.spec.whatwg.org/#cors-preflight-fetch>), the CORS check
//! (<https://fetch.spec.whatwg.org/#cors-check>), the preflight's status, method and
//! header checks with the credentials rules (`*` is a name, not a wildcard, when the
//! request carries credentials; `Authorization` is never covered by `*`), and which
//! response headers a script can read. Not modelled: the preflight cache, private
//! network access, redirects, and the byte and length limits on safelisted values.

use crate::fetch::{
    is_safelisted_request_header, FORBIDDEN_RESPONSE_HEADERS, SAFELISTED_METHODS,
    SAFELISTED_RESPONSE_HEADERS,
};

/// What a page's `fetch()` asks for, as far as CORS is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The page's origin as the browser serialises it (`https://app.example.com`,
    /// `null`).
    pub origin: String,
    /// The request method (case-sensitive).
    pub method: String,
    /// The names of the request headers the script sets that are not CORS-safelisted,
    /// in the order the preflight lists them.
    pub unsafe_headers: Vec<String>,
    /// Credentials mode `include`: cookies and HTTP authentication are sent.
    pub credentials: bool,
}

impl PageRequest {
    /// A request with no script-set headers and no credentials.
    pub fn new(origin: impl Into<String>, method: impl Into<String>) -> Self {
        PageRequest {
            origin: origin.into(),
            method: method.into(),
            unsafe_headers: Vec::new(),
            credentials: false,
        }
    }

    /// Sets the headers a script adds (`name`, `value`): the ones that are not
    /// CORS-safelisted become the request's unsafe names, lower-cased, sorted and
    /// deduplicated as browsers list them in `Access-Control-Request-Headers`.
    pub fn with_script_headers(self, headers: &[(&str, &str)]) -> Self {
        let unsafe_names =
            headers.iter().filter(|(n, v)| !is_safelisted_request_header(n, v)).map(|(n, _)| *n);
        self.with_unsafe_header_names(unsafe_names)
    }

    /// Sets the names of headers a script sets with values that are not CORS-safelisted
    /// (`Content-Type` for JSON, `X-Request-ID`): lower-cased, sorted and deduplicated
    /// as browsers list them in `Access-Control-Request-Headers`.
    pub fn with_unsafe_header_names<'n>(
        mut self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Self {
        let mut names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
        names.sort();
        names.dedup();
        self.unsafe_headers = names;
        self
    }

    /// Sets the unsafe header names as given (e.g. read from an
    /// `Access-Control-Request-Headers` line).
    pub fn with_unsafe_headers<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.unsafe_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets credentials mode `include` (or not).
    pub fn with_credentials(mut self, credentials: bool) -> Self {
        self.credentials = credentials;
        self
    }

    /// Whether the method is CORS-safelisted (`GET`, `HEAD`, `POST`).
    pub fn has_safelisted_method(&self) -> bool {
        SAFELISTED_METHODS.contains(&self.method.as_str())
    }

    /// Whether the browser sends a preflight before the request: a method that is not
    /// safelisted, or any unsafe header.
    pub fn needs_preflight(&self) -> bool {
        !self.has_safelisted_method() || !self.unsafe_headers.is_empty()
    }

    /// The preflight's `Access-Control-Request-Headers` value (`None` when there are no
    /// unsafe headers): the names joined with `,`, no spaces, as Chromium sends it.
    pub fn preflight_request_headers(&self) -> Option<String> {
        (!self.unsafe_headers.is_empty()).then(|| self.unsafe_headers.join(","))
    }
}

/// A response as the browser receives it: status and header lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Response {
    /// A response with `status` and `headers`.
    pub fn new<N: Into<String>, V: Into<Vec<u8>>>(
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        Response {
            status,
            headers: headers.into_iter().map(|(n, v)| (n.into(), v.into())).collect(),
        }
    }

    /// The value of header `name` the way Fetch "gets" it: every line with that name
    /// (any case) combined with `, `; `None` when there is none. Two
    /// `Access-Control-Allow-Origin` lines therefore never equal an origin.
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let mut lines = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let mut value = lines.next()?.1.clone();
        for (_, more) in lines {
            value.extend_from_slice(b", ");
            value.extend_from_slice(more);
        }
        Some(value)
    }

    /// The items of a comma-separated header, whitespace trimmed, empty items dropped.
    fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                String::from_utf8_lossy(&v)
                    .split(',')
                    .map(|s| s.trim_matches([' ', '\t']).to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Why the browser refuses an answer. Every check that fails is reported, in the
/// order the standard runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A preflight answered with a status outside 200–299.
    PreflightStatus(u16),
    /// No `Access-Control-Allow-Origin`.
    NoAllowOrigin,
    /// `Access-Control-Allow-Origin: *` on a request with credentials.
    WildcardOriginWithCredentials,
    /// `Access-Control-Allow-Origin` is neither `*` nor the page's origin (several lines
    /// included).
    OriginMismatch(String),
    /// A request with credentials, and `Access-Control-Allow-Credentials` is not `true`.
    NoAllowCredentials,
    /// The preflight answer does not allow the method.
    MethodNotAllowed {
        /// `*` was listed, but the request carries credentials, so it is read as a name.
        wildcard_ignored: bool,
    },
    /// The preflight answer does not allow these request headers.
    HeadersNotAllowed {
        /// The names, as the request gave them.
        names: Vec<String>,
        /// `*` was listed, but the request carries credentials, so it is read as a name.
        wildcard_ignored: bool,
    },
}

/// The CORS check (<https://fetch.spec.whatwg.org/#cors-check>) of a response to
/// `req` (the actual response, or a preflight answer).
pub fn cors_check(req: &PageRequest, resp: &Response) -> Vec<Problem> {
    let mut problems = Vec::new();
    match resp.get("Access-Control-Allow-Origin") {
        None => problems.push(Problem::NoAllowOrigin),
        Some(acao) if acao == b"*" => {
            if req.credentials {
                problems.push(Problem::WildcardOriginWithCredentials);
            }
        }
        Some(acao) if acao == req.origin.as_bytes() => {}
        Some(acao) => {
            problems.push(Problem::OriginMismatch(String::from_utf8_lossy(&acao).into_owned()))
        }
    }
    if req.credentials && resp.get("Access-Control-Allow-Credentials").as_deref() != Some(b"true") {
        problems.push(Problem::NoAllowCredentials);
    }
    problems
}

/// Everything the browser checks on a preflight answer
/// (<https://fetch.spec.whatwg.org/#cors-preflight-fetch>): an ok status, the CORS
/// check, then the method and every unsafe header.
pub fn preflight_check(req: &PageRequest, resp: &Response) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !(200..300).contains(&resp.status) {
        problems.push(Problem::PreflightStatus(resp.status));
    }
    problems.extend(cors_check(req, resp));

    let methods = resp.list("Access-Control-Allow-Methods");
    let method_star = methods.iter().any(|m| m == "*");
    let method_ok = req.has_safelisted_method()
        || methods.contains(&req.method)
        || (method_star && !req.credentials);
    if !method_ok {
        problems.push(Problem::MethodNotAllowed { wildcard_ignored: method_star });
    }

    let allowed = resp.list("Access-Control-Allow-Headers");
    let header_star = allowed.iter().any(|h| h == "*");
    // `Authorization` is a "CORS non-wildcard request-header name": only listed by name.
    let covered = |name: &str| {
        allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
            || (header_star && !req.credentials && !name.eq_ignore_ascii_case("authorization"))
    };
    let missing: Vec<String> = req.unsafe_headers.iter().filter(|n| !covered(n)).cloned().collect();
    if !missing.is_empty() {
        problems.push(Problem::HeadersNotAllowed { names: missing, wildcard_ignored: header_star });
    }
    problems
}

/// Whether a script can read response header `name` of a response that passed the
/// CORS check (<https://fetch.spec.whatwg.org/#cors-filtered-response>): a safelisted
/// response header, or one listed in `Access-Control-Expose-Headers` (`*` counts only
/// without credentials); never `Set-Cookie`.
pub fn can_read(req: &PageRequest, resp: &Response, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if FORBIDDEN_RESPONSE_HEADERS.contains(&lower.as_str()) {
        return false;
    }
    if SAFELISTED_RESPONSE_HEADERS.contains(&lower.as_str()) {
        return true;
    }
    let exposed = resp.list("Access-Control-Expose-Headers");
    exposed.iter().any(|e| e.eq_ignore_ascii_case(name))
        || (!req.credentials && exposed.iter().any(|e| e == "*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "https://app.example.com";

    fn answer(headers: &[(&str, &str)]) -> Response {
        Response::new(204, headers.iter().map(|(n, v)| (*n, v.as_bytes())))
    }

    #[test]
    fn preflight_is_sent_for_unsafe_methods_and_headers_only() {
        let get = PageRequest::new(APP, "GET");
        assert!(!get.needs_preflight());
        let form = get.clone().with_script_headers(&[("Content-Type", "text/plain;charset=x")]);
        assert!(!form.needs_preflight());
        let json = get.clone().with_script_headers(&[
            ("X-B", "1"),
            ("Content-Type", "application/json"),
            ("x-b", "2"),
        ]);
        assert_eq!(json.preflight_request_headers().as_deref(), Some("content-type,x-b"));
        assert!(PageRequest::new(APP, "PUT").needs_preflight());
        assert!(PageRequest::new(APP, "get").needs_preflight(), "methods are case-sensitive");
    }

    #[test]
    fn cors_check_follows_the_credentials_rules() {
        let plain = PageRequest::new(APP, "GET");
        let creds = plain.clone().with_credentials(true);
        let star = answer(&[("Access-Control-Allow-Origin", "*")]);
        assert_eq!(cors_check(&plain, &star), vec![]);
        assert_eq!(
            cors_check(&creds, &star),
            vec![Problem::WildcardOriginWithCredentials, Problem::NoAllowCredentials]
        );
        let reflected = answer(&[
            ("access-control-allow-origin", APP),
            ("Access-Control-Allow-Credentials", "true"),
        ]);
        assert_eq!(cors_check(&creds, &reflected), vec![]);
        let twice =
            answer(&[("Access-Control-Allow-Origin", APP), ("Access-Control-Allow-Origin", APP)]);
        assert!(matches!(cors_check(&plain, &twice)[..], [Problem::OriginMismatch(_)]));
        assert_eq!(cors_check(&plain, &answer(&[])), vec![Problem::NoAllowOrigin]);
    }

    #[test]
    fn wildcards_in_preflight_answers_need_no_credentials() {
        let req = PageRequest::new(APP, "PATCH").with_unsafe_headers(["X-A", "Authorization"]);
        let resp = answer(&[
            ("Access-Control-Allow-Origin", APP),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "*"),
            ("Access-Control-Allow-Headers", "*"),
        ]);
        assert_eq!(
            preflight_check(&req, &resp),
            vec![Problem::HeadersNotAllowed {
                names: vec!["Authorization".into()],
                wildcard_ignored: true
            }]
        );
        let creds = req.with_credentials(true);
        assert_eq!(
            preflight_check(&creds, &resp),
            vec![
                Problem::MethodNotAllowed { wildcard_ignored: true },
                Problem::HeadersNotAllowed {
                    names: vec!["X-A".into(), "Authorization".into()],
                    wildcard_ignored: true
                },
            ]
        );
        let listed = answer(&[
            ("Access-Control-Allow-Origin", APP),
            ("Access-Control-Allow-Methods", "GET, PATCH"),
            ("Access-Control-Allow-Headers", "x-a ,authorization"),
        ]);
        let plain = PageRequest::new(APP, "PATCH").with_unsafe_headers(["X-A", "Authorization"]);
        assert_eq!(preflight_check(&plain, &listed), vec![]);
        let failed = Response { status: 403, ..listed };
        assert_eq!(preflight_check(&plain, &failed), vec![Problem::PreflightStatus(403)]);
    }

    #[test]
    fn readable_response_headers() {
        let plain = PageRequest::new(APP, "GET");
        let creds = plain.clone().with_credentials(true);
        let star = answer(&[("Access-Control-Expose-Headers", "*")]);
        let listed = answer(&[("Access-Control-Expose-Headers", "X-Request-ID, Set-Cookie")]);
        assert!(can_read(&plain, &star, "X-Secret"));
        assert!(!can_read(&creds, &star, "X-Secret"));
        assert!(can_read(&creds, &listed, "x-request-id"));
        assert!(!can_read(&plain, &listed, "Set-Cookie"));
        assert!(can_read(&creds, &answer(&[]), "Content-Type"));
    }
}
