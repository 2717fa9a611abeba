//! The scenario matrix: which page origin calls `fetch()` on which policy, how, and
//! what the browser must conclude.

use serde_json::{json, Value};

/// Where a call's page runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `http://HOST:PORT2/page.html`.
    Host(&'static str),
    /// A sandboxed `srcdoc` iframe inside the `127.0.0.1` page: `Origin: null`.
    Null,
}

impl Page {
    /// The `Origin` the page sends.
    pub fn origin(self, port2: u16) -> String {
        match self {
            Page::Host(h) => format!("http://{h}:{port2}"),
            Page::Null => "null".to_string(),
        }
    }

    /// The page as the report names it.
    pub fn label(self) -> &'static str {
        match self {
            Page::Host(h) => h,
            Page::Null => "null (sandboxed iframe)",
        }
    }
}

/// What the browser must conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `fetch()` resolves with this status.
    Resolved(u16),
    /// `fetch()` rejects with a `TypeError` (the CORS check failed).
    Blocked,
}

impl Expect {
    /// How the report and messages say it.
    pub fn label(self) -> String {
        match self {
            Expect::Resolved(s) => format!("resolved {s}"),
            Expect::Blocked => "TypeError".to_string(),
        }
    }
}

/// What the backend behind `/p/NAME/PATH` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The proxied backend: `200 "METHOD ok"` with `X-Request-ID` and `X-Secret`.
    Ok,
    /// The proxied backend's `401`, also with `X-Request-ID` and `X-Secret`.
    Unauthorized,
    /// nginx's own `404` (static root, no such file).
    Missing,
    /// nginx's own `502` (the upstream refuses connections).
    Down,
    /// A `404` whose body comes from `error_page 404 /errors/404.json` in an
    /// `internal` location with no `cors` of its own.
    ErrorPage,
}

impl Target {
    /// The path below `/p/POLICY/`.
    pub fn path(self) -> &'static str {
        match self {
            Target::Ok => "ok",
            Target::Unauthorized => "status/401",
            Target::Missing => "missing",
            Target::Down => "down",
            Target::ErrorPage => "errpage",
        }
    }

    /// Whether the response carries the backend's `X-Request-ID` and `X-Secret`.
    pub fn has_custom_headers(self) -> bool {
        matches!(self, Target::Ok | Target::Unauthorized)
    }
}

/// One `fetch()` in the matrix.
#[derive(Debug, Clone)]
pub struct Call {
    /// Unique name; also the `?case=` in the URL, which ties access-log lines to it.
    pub case: &'static str,
    /// What the scenario shows (for the report and docs).
    pub what: &'static str,
    /// The page that calls `fetch()`.
    pub page: Page,
    /// The policy (`/p/POLICY/…`) under test.
    pub policy: &'static str,
    /// What answers behind the policy.
    pub target: Target,
    /// `fetch()`'s method.
    pub method: &'static str,
    /// `fetch()`'s headers.
    pub headers: &'static [(&'static str, &'static str)],
    /// `fetch()`'s body.
    pub body: Option<&'static str>,
    /// `credentials: "include"`.
    pub credentials: bool,
    /// `fetch()`'s `cache` mode; `None` is `"no-store"`.
    pub cache: Option<&'static str>,
    /// What the browser must conclude.
    pub expect: Expect,
}

/// Shorthand constructor: a `GET` of the backend from the `127.0.0.1` page.
const fn call(
    case: &'static str,
    what: &'static str,
    policy: &'static str,
    expect: Expect,
) -> Call {
    Call {
        case,
        what,
        page: Page::Host("127.0.0.1"),
        policy,
        target: Target::Ok,
        method: "GET",
        headers: &[],
        body: None,
        credentials: false,
        cache: None,
        expect,
    }
}

impl Call {
    const fn page(mut self, page: Page) -> Call {
        self.page = page;
        self
    }
    /// The page at `http://HOST:PORT2`.
    const fn host(self, host: &'static str) -> Call {
        self.page(Page::Host(host))
    }
    const fn method(mut self, method: &'static str) -> Call {
        self.method = method;
        self
    }
    const fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Call {
        self.headers = headers;
        self
    }
    const fn body(mut self, body: &'static str) -> Call {
        self.body = Some(body);
        self
    }
    const fn credentials(mut self) -> Call {
        self.credentials = true;
        self
    }
    /// A preflighted `PUT` with a body.
    const fn put(self) -> Call {
        self.method("PUT").body("x")
    }
    const fn target(mut self, target: Target) -> Call {
        self.target = target;
        self
    }

    fn url(&self, port: u16) -> String {
        format!(
            "http://localhost:{port}/p/{}/{}?case={}",
            self.policy,
            self.target.path(),
            self.case
        )
    }

    /// The call as `runner.js` takes it.
    pub fn to_js(&self, port: u16) -> Value {
        let headers: serde_json::Map<String, Value> =
            self.headers.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect();
        json!({
            "url": self.url(port),
            "method": self.method,
            "headers": headers,
            "body": self.body,
            "credentials": self.credentials,
            "cache": self.cache,
            "probe": PROBED,
        })
    }
}

/// Response headers whose readability the page reports.
pub const PROBED: [&str; 2] = ["x-request-id", "x-secret"];

use Expect::{Blocked, Resolved};
const JSON: &[(&str, &str)] = &[("Content-Type", "application/json")];
const REQ_ID: &[(&str, &str)] = &[("X-Request-ID", "r-1")];
const OTHER: &[(&str, &str)] = &[("X-Other", "1")];
/// The page most calls run from.
pub const PAGE: Page = Page::Host("127.0.0.1");

/// A preflighted `PUT` for the preflight-cache check: `fetch()`'s default cache
/// mode, so Chromium may reuse a cached preflight.
pub fn cached_put(case: &'static str, policy: &'static str) -> Call {
    Call { cache: Some("default"), ..call(case, "preflight cache", policy, Resolved(200)).put() }
}

/// The scenario matrix. Every case is also predicted from `decide()`.
pub fn matrix() -> Vec<Call> {
    let mut calls = vec![
        call("get-allowed", "simple GET, origin listed", "basic", Resolved(200)),
        call("get-refused", "simple GET, origin not listed", "basic", Blocked)
            .host("a.app.localhost"),
        call(
            "post-json-allowed",
            "POST application/json (preflighted), header allowed",
            "basic",
            Resolved(200),
        )
        .method("POST")
        .headers(JSON)
        .body("{}"),
        call(
            "post-json-refused",
            "POST application/json, Content-Type not allowed",
            "readonly",
            Blocked,
        )
        .method("POST")
        .headers(JSON)
        .body("{}"),
        call(
            "post-text-unlisted-method",
            "simple POST text/plain, POST not listed (not preflighted)",
            "readonly",
            Resolved(200),
        )
        .method("POST")
        .headers(&[("Content-Type", "text/plain")])
        .body("x"),
        call("header-allowed", "custom request header allowed", "basic", Resolved(200))
            .headers(REQ_ID),
        call("header-refused", "custom request header not allowed", "basic", Blocked)
            .headers(OTHER),
        call("put-allowed", "PUT allowed", "basic", Resolved(200)).put(),
        call("delete-allowed", "DELETE allowed", "basic", Resolved(200)).method("DELETE"),
        call("patch-refused", "PATCH not allowed", "basic", Blocked).method("PATCH").body("x"),
        call("put-refused", "PUT not allowed", "readonly", Blocked).put(),
        call("delete-refused", "DELETE not allowed", "readonly", Blocked).method("DELETE"),
        call("creds-on", "credentials: include, credentials on", "creds", Resolved(200))
            .credentials(),
        call("creds-off", "credentials: include, no credentials", "basic", Blocked).credentials(),
        call("creds-star", "credentials: include, origin *", "public", Blocked).credentials(),
        call("star-get", "origin *, no credentials", "public", Resolved(200)),
        call("star-put", "origin *, preflighted PUT", "public", Resolved(200)).put(),
        call("expose", "exposed header readable, other not (see probe)", "basic", Resolved(200)),
        call("status-404", "nginx 404 readable when allowed", "basic", Resolved(404))
            .target(Target::Missing),
        call("status-401", "upstream 401 readable when allowed", "basic", Resolved(401))
            .target(Target::Unauthorized),
        call("status-502", "nginx 502 readable when allowed", "basic", Resolved(502))
            .target(Target::Down),
        call(
            "status-404-error-page",
            "404 from an internal error_page location readable when allowed",
            "basic",
            Resolved(404),
        )
        .target(Target::ErrorPage),
        call("status-404-error-page-creds", "the same with credentials", "creds", Resolved(404))
            .target(Target::ErrorPage)
            .credentials(),
        call("status-404-refused", "nginx 404 from a refused origin", "basic", Blocked)
            .target(Target::Missing)
            .host("a.app.localhost"),
        call("wild-put", "wildcard origin, preflighted PUT", "wild", Resolved(200))
            .host("a.app.localhost")
            .put(),
        call("wild-other", "wildcard policy, unrelated origin", "wild", Blocked),
        call(
            "wild-anyport-put",
            "`*.host:*`: subdomain on its own port, PUT",
            "wildanyport",
            Resolved(200),
        )
        .host("a.app.localhost")
        .put(),
        call("regex-put", "regex origin, preflighted PUT", "regex", Resolved(200))
            .host("pr-12.preview.localhost")
            .put(),
        call("null-allowed", "null origin, policy allows null", "nullok", Resolved(200))
            .page(Page::Null),
        call("null-put", "null origin, preflighted PUT", "nullok", Resolved(200))
            .page(Page::Null)
            .put(),
        call("null-refused", "null origin, policy does not list null", "basic", Blocked)
            .page(Page::Null),
        call("null-origin-from-page", "null-only policy, ordinary page", "nullok", Blocked),
        call(
            "credwild-put",
            "credentials, `methods *` and `headers *`: PUT with a custom header",
            "credwild",
            Resolved(200),
        )
        .credentials()
        .put()
        .headers(OTHER),
        call(
            "credwild-patch",
            "credentials, `methods *`: PATCH, two custom headers",
            "credwild",
            Resolved(200),
        )
        .credentials()
        .method("PATCH")
        .body("x")
        .headers(&[("X-Other", "1"), ("X-Request-ID", "r-1")]),
        call(
            "credwild-authorization",
            "credentials, `headers *`: Authorization is never covered by `*`",
            "credwild",
            Blocked,
        )
        .credentials()
        .headers(&[("Authorization", "Bearer x")]),
        call(
            "credwild-plain",
            "`methods *` policy, request without credentials",
            "credwild",
            Resolved(200),
        )
        .put(),
        call(
            "credwild-expose",
            "credentials: only the header exposed by name is readable",
            "credwild",
            Resolved(200),
        )
        .credentials(),
        call(
            "expose-star",
            "`expose *` without credentials: every header readable",
            "exposeall",
            Resolved(200),
        ),
        call(
            "preflight-no-headers",
            "preflight without requested headers (no Access-Control-Allow-Headers sent)",
            "credwild",
            Resolved(200),
        )
        .method("DELETE"),
    ];
    // Headers a script sets that are safelisted only for some values (Fetch's
    // "CORS-safelisted request-header"): the value decides whether Chromium preflights,
    // and `readonly` allows no request header, so a preflight means a refusal.
    calls.extend(SAFELISTED_VALUES.iter().map(|&(case, what, method, headers, expect)| {
        let c = call(case, what, "readonly", expect).method(method).headers(headers);
        if method == "POST" {
            c.body("x")
        } else {
            c
        }
    }));
    // Simple GETs from pages on other hosts: which origins the wildcard and regex
    // policies match.
    calls.extend(
        HOSTED_GETS
            .iter()
            .map(|&(case, what, policy, expect, host)| call(case, what, policy, expect).host(host)),
    );
    calls
}

/// An `Accept` value of 129 bytes: one more than a safelisted value may have.
const _: () = assert!(ACCEPT_129.len() == 129);
const ACCEPT_129: &str = concat!(
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,",
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3"
);

/// `(case, scenario, method, headers, expected)` of [`matrix`]'s requests to `readonly`
/// whose headers are safelisted or not by their values.
#[allow(clippy::type_complexity)]
const SAFELISTED_VALUES: &[(&str, &str, &str, &[(&str, &str)], Expect)] = &[
    (
        "ct-text-charset",
        "POST text/plain;charset=UTF-8: a parameter keeps the type safelisted",
        "POST",
        &[("Content-Type", "text/plain;charset=UTF-8")],
        Resolved(200),
    ),
    (
        "ct-quoted-param",
        "POST text/plain; charset=\"utf-8\": a `\"` makes it preflighted",
        "POST",
        &[("Content-Type", "text/plain; charset=\"utf-8\"")],
        Blocked,
    ),
    (
        "ct-form",
        "POST multipart/form-data; boundary=x: safelisted",
        "POST",
        &[("Content-Type", "multipart/form-data; boundary=x")],
        Resolved(200),
    ),
    (
        "accept-language-ok",
        "Accept-Language en-US,en;q=0.9: safelisted",
        "GET",
        &[("Accept-Language", "en-US,en;q=0.9")],
        Resolved(200),
    ),
    (
        "accept-language-unsafe",
        "Accept-Language with `_`: preflighted",
        "GET",
        &[("Accept-Language", "en_US")],
        Blocked,
    ),
    (
        "content-language-ok",
        "Content-Language de: safelisted",
        "GET",
        &[("Content-Language", "de")],
        Resolved(200),
    ),
    (
        "accept-ok",
        "Accept application/json: safelisted",
        "GET",
        &[("Accept", "application/json")],
        Resolved(200),
    ),
    ("accept-unsafe-byte", "Accept with `@`: preflighted", "GET", &[("Accept", "a@b")], Blocked),
    ("accept-129", "Accept of 129 bytes: preflighted", "GET", &[("Accept", ACCEPT_129)], Blocked),
    ("range-simple", "Range bytes=0-: safelisted", "GET", &[("Range", "bytes=0-")], Resolved(200)),
    ("range-suffix", "Range bytes=-5: preflighted", "GET", &[("Range", "bytes=-5")], Blocked),
];

/// `(case, scenario, policy, expected, page host)` of [`matrix`]'s simple GETs from other
/// hosts.
const HOSTED_GETS: &[(&str, &str, &str, Expect, &str)] = &[
    ("wild-one-label", "wildcard origin, one label", "wild", Resolved(200), "a.app.localhost"),
    ("wild-two-labels", "wildcard origin, two labels", "wild", Resolved(200), "x.y.app.localhost"),
    ("wild-apex", "wildcard does not match the bare suffix", "wild", Blocked, "app.localhost"),
    ("wild-lookalike", "wildcard, look-alike host", "wild", Blocked, "evilapp.localhost"),
    ("wild-anyport", "`*.host:*`, two labels", "wildanyport", Resolved(200), "x.y.app.localhost"),
    ("wild-anyport-apex", "`*.host:*`, bare suffix", "wildanyport", Blocked, "app.localhost"),
    ("regex-match", "regex origin matches", "regex", Resolved(200), "pr-12.preview.localhost"),
    ("regex-nomatch", "regex origin does not match", "regex", Blocked, "pr-x.preview.localhost"),
    (
        "regex-suffix",
        "regex matched whole",
        "regex",
        Blocked,
        "pr-1.preview.localhost.app.localhost",
    ),
];
