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
//!
//! Two faces of the one model: [`cors_check`] and [`preflight_check`] explain every
//! failed check (for `corsc explain` and the tests), and [`passes`] only answers whether
//! a browser accepts, over borrowed headers and without allocating, for the module's
//! report-only mode. Both are made of the same per-check functions below.

use crate::fetch::{
    is_safelisted_method, is_safelisted_request_header, list_elements, FORBIDDEN_RESPONSE_HEADERS,
    SAFELISTED_METHODS, SAFELISTED_RESPONSE_HEADERS,
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
    /// A request with no script-set headers and no credentials. The method is what
    /// the page passes to `fetch()`, normalised as browsers do ([`normalize_method`]:
    /// `delete` is sent as `DELETE`, `patch` stays `patch`).
    pub fn new(origin: impl Into<String>, method: impl Into<String>) -> Self {
        PageRequest {
            origin: origin.into(),
            method: normalize_method(method.into()),
            unsafe_headers: Vec::new(),
            credentials: false,
        }
    }

    /// Sets the headers a script adds (`name`, `value`): the ones that are not
    /// CORS-safelisted become the request's unsafe names, lower-cased, sorted and
    /// deduplicated as browsers list them in `Access-Control-Request-Headers`. When
    /// the safelisted values add up to more than 1,024 bytes, they are all unsafe
    /// (Fetch, "CORS-unsafe request-header names").
    pub fn with_script_headers(self, headers: &[(&str, &str)]) -> Self {
        let safelisted = |(n, v): &&(&str, &str)| is_safelisted_request_header(n, v);
        let safelisted_size: usize = headers.iter().filter(safelisted).map(|(_, v)| v.len()).sum();
        let unsafe_names =
            headers.iter().filter(|h| safelisted_size > 1024 || !safelisted(h)).map(|(n, _)| *n);
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

/// Fetch's "normalize a method": `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT`
/// in any case are upper-cased; every other method is sent as written (so `patch`
/// is not `PATCH`, and a policy listing `PATCH` refuses it).
pub fn normalize_method(method: String) -> String {
    const NORMALISED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match NORMALISED.iter().find(|m| m.eq_ignore_ascii_case(&method)) {
        Some(m) => (*m).to_string(),
        None => method,
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

/// A response's header lines as the browser reads them, without copying: what the
/// checks need of a response (an owned [`Response`], or the module's output headers).
pub trait ResponseLines {
    /// The status code.
    fn status(&self) -> u16;
    /// Calls `f` with the value of every line named `name` (any case), in order.
    fn for_each_line(&self, name: &str, f: &mut dyn FnMut(&[u8]));
}

impl ResponseLines for Response {
    fn status(&self) -> u16 {
        self.status
    }

    fn for_each_line(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for (n, v) in &self.headers {
            if n.eq_ignore_ascii_case(name) {
                f(v);
            }
        }
    }
}

/// What the browser knows of the request it checks an answer against, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The page's origin, serialised.
    pub origin: &'a [u8],
    /// The method (case-sensitive).
    pub method: &'a [u8],
    /// The unsafe request header names, as an `Access-Control-Request-Headers` value
    /// (a comma-separated list; empty for none).
    pub unsafe_headers: &'a [u8],
    /// Credentials mode `include`.
    pub credentials: bool,
}

/// How `Access-Control-Allow-Origin` fails the CORS check, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OriginFailure {
    Missing,
    WildcardWithCredentials,
    Mismatch,
}

/// The `Access-Control-Allow-Origin` part of the CORS check
/// (<https://fetch.spec.whatwg.org/#cors-check>). Fetch "gets" a header's lines combined
/// with `, `, which never equals `*` or an origin: the value must be exactly one line.
fn origin_failure(asked: &Asked, resp: &impl ResponseLines) -> Option<OriginFailure> {
    let (mut lines, mut star, mut same) = (0usize, false, false);
    resp.for_each_line("Access-Control-Allow-Origin", &mut |v| {
        lines += 1;
        star = v == b"*";
        same = v == asked.origin;
    });
    match lines {
        0 => Some(OriginFailure::Missing),
        1 if star && asked.credentials => Some(OriginFailure::WildcardWithCredentials),
        1 if star || same => None,
        _ => Some(OriginFailure::Mismatch),
    }
}

/// Whether header `name` is exactly one line equal to `expected` (for values too long
/// for [`single_line`]'s buffer).
fn long_line_equals(resp: &impl ResponseLines, name: &str, expected: &[u8]) -> bool {
    let (mut count, mut equal) = (0usize, false);
    resp.for_each_line(name, &mut |v| {
        count += 1;
        equal = v == expected;
    });
    count == 1 && equal
}

/// The credentials part of the CORS check: `Access-Control-Allow-Credentials` must be
/// exactly `true` when the request carries credentials.
fn credentials_ok(asked: &Asked, resp: &impl ResponseLines) -> bool {
    !asked.credentials || long_line_equals(resp, "Access-Control-Allow-Credentials", b"true")
}

/// Whether any element of the comma-separated header `name` satisfies `f`.
fn any_element(resp: &impl ResponseLines, name: &str, f: impl Fn(&[u8]) -> bool) -> bool {
    let mut found = false;
    resp.for_each_line(name, &mut |v| found = found || list_elements(v).any(&f));
    found
}

/// The preflight's method check: (allowed, `*` was listed).
fn method_check(asked: &Asked, resp: &impl ResponseLines) -> (bool, bool) {
    let star = any_element(resp, "Access-Control-Allow-Methods", |m| m == b"*");
    let listed = any_element(resp, "Access-Control-Allow-Methods", |m| m == asked.method);
    (is_safelisted_method(asked.method) || listed || (star && !asked.credentials), star)
}

/// Whether the preflight answer covers request header `name`, and whether `*` was
/// listed. `Authorization` is a "CORS non-wildcard request-header name": only listed by
/// name.
fn header_covered(asked: &Asked, resp: &impl ResponseLines, name: &[u8]) -> (bool, bool) {
    let star = any_element(resp, "Access-Control-Allow-Headers", |h| h == b"*");
    let listed =
        any_element(resp, "Access-Control-Allow-Headers", |h| h.eq_ignore_ascii_case(name));
    let by_star = star && !asked.credentials && !name.eq_ignore_ascii_case(b"authorization");
    (listed || by_star, star)
}

/// Whether a browser accepts `resp` as the answer to `asked`: the preflight checks
/// (status, CORS check, method, every unsafe header) when `preflight`, else the CORS
/// check. No allocation: [`cors_check`] and [`preflight_check`] say why not.
pub fn passes(asked: &Asked, resp: &impl ResponseLines, preflight: bool) -> bool {
    if origin_failure(asked, resp).is_some() || !credentials_ok(asked, resp) {
        return false;
    }
    if !preflight {
        return true;
    }
    (200..300).contains(&resp.status())
        && method_check(asked, resp).0
        && list_elements(asked.unsafe_headers).all(|h| header_covered(asked, resp, h).0)
}

impl PageRequest {
    /// The request as [`Asked`], with its unsafe header names joined in `joined`.
    fn asked<'a>(&'a self, joined: &'a str) -> Asked<'a> {
        Asked {
            origin: self.origin.as_bytes(),
            method: self.method.as_bytes(),
            unsafe_headers: joined.as_bytes(),
            credentials: self.credentials,
        }
    }
}

/// The CORS check (<https://fetch.spec.whatwg.org/#cors-check>) of a response to
/// `req` (the actual response, or a preflight answer).
pub fn cors_check(req: &PageRequest, resp: &Response) -> Vec<Problem> {
    let asked = req.asked("");
    let mut problems = Vec::new();
    match origin_failure(&asked, resp) {
        None => {}
        Some(OriginFailure::Missing) => problems.push(Problem::NoAllowOrigin),
        Some(OriginFailure::WildcardWithCredentials) => {
            problems.push(Problem::WildcardOriginWithCredentials)
        }
        Some(OriginFailure::Mismatch) => {
            let acao = resp.get("Access-Control-Allow-Origin").unwrap_or_default();
            problems.push(Problem::OriginMismatch(String::from_utf8_lossy(&acao).into_owned()))
        }
    }
    if !credentials_ok(&asked, resp) {
        problems.push(Problem::NoAllowCredentials);
    }
    problems
}

/// Everything the browser checks on a preflight answer
/// (<https://fetch.spec.whatwg.org/#cors-preflight-fetch>): an ok status, the CORS
/// check, then the method and every unsafe header.
pub fn preflight_check(req: &PageRequest, resp: &Response) -> Vec<Problem> {
    let asked = req.asked("");
    let mut problems = Vec::new();
    if !(200..300).contains(&resp.status) {
        problems.push(Problem::PreflightStatus(resp.status));
    }
    problems.extend(cors_check(req, resp));
    let (method_ok, method_star) = method_check(&asked, resp);
    if !method_ok {
        problems.push(Problem::MethodNotAllowed { wildcard_ignored: method_star });
    }
    let header_star = any_element(resp, "Access-Control-Allow-Headers", |h| h == b"*");
    let missing: Vec<String> = req
        .unsafe_headers
        .iter()
        .filter(|n| !header_covered(&asked, resp, n.as_bytes()).0)
        .cloned()
        .collect();
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
        // Safelisted names only for some values (each as Chromium 156 preflighted it).
        let unsafe_for = |name: &str, value: &str| {
            get.clone().with_script_headers(&[(name, value)]).preflight_request_headers()
        };
        assert_eq!(unsafe_for("Accept-Language", "en_US").as_deref(), Some("accept-language"));
        assert_eq!(unsafe_for("Accept-Language", "en-US,en;q=0.9"), None);
        assert_eq!(unsafe_for("Accept", &"a".repeat(129)).as_deref(), Some("accept"));
        assert_eq!(
            unsafe_for("Accept", "application/json; profile=\"v2\"").as_deref(),
            Some("accept")
        );
        assert_eq!(unsafe_for("Accept", "application/json"), None);
        assert_eq!(unsafe_for("Content-Type", "text/plain(x)").as_deref(), Some("content-type"));
        assert_eq!(unsafe_for("Range", "bytes=0-99"), None);
        assert_eq!(unsafe_for("Range", "bytes=-99").as_deref(), Some("range"));
        assert_eq!(unsafe_for("Range", "bytes=9-1").as_deref(), Some("range"));
        assert_eq!(unsafe_for("Range", "bytes=0-1,5-9").as_deref(), Some("range"));
        // Over 1,024 bytes of safelisted values in all: every one is named.
        let long = "a".repeat(128);
        let many: Vec<(&str, &str)> =
            (0..9).map(|_| ("Accept", long.as_str())).chain([("Content-Language", "en")]).collect();
        assert_eq!(
            get.clone().with_script_headers(&many).preflight_request_headers().as_deref(),
            Some("accept,content-language")
        );
        assert!(PageRequest::new(APP, "PUT").needs_preflight());
        // fetch() normalises six methods (Chromium sends `delete` as DELETE and `get` as a
        // plain GET); every other method is sent, and compared, as written.
        assert!(!PageRequest::new(APP, "get").needs_preflight(), "`get` is sent as GET");
        assert_eq!(PageRequest::new(APP, "delete").method, "DELETE");
        assert_eq!(PageRequest::new(APP, "Options").method, "OPTIONS");
        assert_eq!(PageRequest::new(APP, "patch").method, "patch");
        assert!(PageRequest::new(APP, "patch").needs_preflight());
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

    /// The allocation-free verdict agrees with the explained checks on answers a
    /// misconfigured server sends (the module's report-only mode judges those).
    #[test]
    fn passes_agrees_with_the_explained_checks() {
        let answers: &[&[(&str, &str)]] = &[
            &[],
            &[("Access-Control-Allow-Origin", "*")],
            &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Origin", "*")],
            &[("Access-Control-Allow-Origin", APP), ("access-control-allow-origin", APP)],
            &[("Access-Control-Allow-Origin", APP), ("Access-Control-Allow-Credentials", "True")],
            &[("Access-Control-Allow-Origin", APP), ("Access-Control-Allow-Credentials", "true")],
            &[
                ("Access-Control-Allow-Origin", APP),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Credentials", "true"),
            ],
            &[("Access-Control-Allow-Origin", "https://app.example.com ")],
            &[
                ("Access-Control-Allow-Origin", APP),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Methods", " PUT ,"),
                ("Access-Control-Allow-Headers", "x-a"),
                ("Access-Control-Allow-Headers", "*"),
            ],
        ];
        for status in [200, 204, 403] {
            for headers in answers {
                let resp = Response::new(status, headers.iter().map(|(n, v)| (*n, v.as_bytes())));
                for credentials in [false, true] {
                    for (method, names) in [("GET", ""), ("PUT", ""), ("PUT", "x-a,authorization")]
                    {
                        let page = PageRequest::new(APP, method)
                            .with_unsafe_headers(names.split(',').filter(|n| !n.is_empty()))
                            .with_credentials(credentials);
                        let asked = page.asked(names);
                        let why = (cors_check(&page, &resp), preflight_check(&page, &resp));
                        let case = format!("{status} {headers:?} {method} {names} {credentials}");
                        assert_eq!(passes(&asked, &resp, false), why.0.is_empty(), "{case}");
                        assert_eq!(passes(&asked, &resp, true), why.1.is_empty(), "{case}");
                    }
                }
            }
        }
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
