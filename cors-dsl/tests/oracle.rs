//! The oracle: whatever `decide()` allows, the browser model accepts.
//!
//! Generates policies (every origin form, `*` and lists, credentials on and off,
//! max-age, private network) and page requests (simple and preflighted, unsafe
//! headers, both credentials modes), runs the server's `decide()` the way a browser's
//! requests reach it (the preflight first when one is needed, with the request-header
//! list spelled several ways), and hands every answer to [`cors_dsl::browser`], the
//! model of the browser's side of Fetch written independently of `decide()` and held
//! against real Chromium by the browser suite. The properties:
//!
//! - the page gets the response exactly when the policy means it to (read from the
//!   policy's parts by a slow reference: origin, method, headers, credentials);
//! - a refused request carries no CORS headers;
//! - every header the policy exposes is readable by the page;
//! - how the request-header list is spelled (spacing, empty items, several lines) does
//!   not change the decision.
//!
//! `PROPTEST_CASES` raises the number of cases (default 2,000 per property).

use cors_dsl::browser::{self, PageRequest, Problem, Response};
use cors_dsl::{Decision, Request, RuleTable};
use proptest::prelude::*;
use std::path::Path;

/// A generated policy, kept as its parts so failures print readably.
#[derive(Debug, Clone)]
struct Policy {
    origins: Vec<&'static str>,
    methods: Option<Vec<&'static str>>,
    headers: Option<Vec<&'static str>>,
    expose: Option<Vec<&'static str>>,
    credentials: bool,
    max_age: Option<u32>,
    private_network: bool,
}

impl Policy {
    fn text(&self) -> String {
        let list = |l: &Option<Vec<&str>>| match l {
            None => "*".to_string(),
            Some(v) => v.join(" "),
        };
        let mut s = format!("policy p {{\n    origin {};\n", self.origins.join(" "));
        if self.methods.as_ref().is_none_or(|m| !m.is_empty()) {
            s += &format!("    methods {};\n", list(&self.methods));
        }
        if self.headers.as_ref().is_none_or(|h| !h.is_empty()) {
            s += &format!("    headers {};\n", list(&self.headers));
        }
        if self.expose.as_ref().is_none_or(|e| !e.is_empty()) {
            s += &format!("    expose {};\n", list(&self.expose));
        }
        if self.credentials {
            s += "    credentials on;\n";
        }
        if let Some(m) = self.max_age {
            s += &format!("    max-age {m};\n");
        }
        if self.private_network {
            s += "    private-network on;\n";
        }
        s + "}\n"
    }

    /// The compiled table, or `None` when the checker refuses the policy (e.g. `*`
    /// with credentials): refused policies never reach a browser.
    fn table(&self) -> Option<RuleTable> {
        match cors_dsl::build(Path::new("oracle.cors"), &self.text()) {
            Ok((table, _)) => Some(table),
            Err(_) => None,
        }
    }
}

const ORIGINS: &[&str] = &[
    "*",
    "null",
    "https://app.example.com",
    "http://localhost:3000",
    "https://*.example.com",
    "https://*.example.com:8443",
    "http://localhost:*",
    r#"~ "https://pr-[0-9]+\.preview\.example\.dev""#,
    "chrome-extension://abcdef",
];
const PAGES: &[&str] = &[
    "https://app.example.com",
    "https://a.b.example.com",
    "https://a.example.com:8443",
    "https://example.com",
    "https://app.example.com.evil.net",
    "http://localhost:3000",
    "http://localhost:5173",
    "https://pr-12.preview.example.dev",
    "https://pr-x.preview.example.dev",
    "chrome-extension://abcdef",
    "null",
];
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "PURGE"];
const HEADERS: &[&str] = &["X-Request-ID", "Content-Type", "Authorization", "X-Other"];
const EXPOSED: &[&str] = &["X-Request-ID", "X-Total-Count"];

fn list_or_star(
    items: &'static [&'static str],
) -> impl Strategy<Value = Option<Vec<&'static str>>> {
    prop_oneof![
        1 => Just(None),
        3 => proptest::sample::subsequence(items, 0..=items.len()).prop_map(Some),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        proptest::sample::subsequence(ORIGINS, 1..=3),
        list_or_star(&METHODS[3..]),
        list_or_star(HEADERS),
        list_or_star(EXPOSED),
        any::<bool>(),
        proptest::option::of(0u32..100_000),
        any::<bool>(),
    )
        .prop_map(
            |(origins, methods, headers, expose, credentials, max_age, private_network)| Policy {
                origins,
                methods,
                headers,
                expose,
                credentials,
                max_age,
                private_network,
            },
        )
}

/// What a page script does.
fn page_request() -> impl Strategy<Value = PageRequest> {
    let header = prop_oneof![
        Just(("X-Request-ID", "r-1")),
        Just(("Content-Type", "application/json")),
        Just(("Content-Type", "text/plain")),
        Just(("Authorization", "Bearer x")),
        Just(("X-Other", "1")),
        Just(("Accept", "*/*")),
    ];
    (
        proptest::sample::select(PAGES),
        proptest::sample::select(METHODS),
        proptest::collection::vec(header, 0..3),
        any::<bool>(),
    )
        .prop_map(|(origin, method, headers, credentials)| {
            PageRequest::new(origin, method)
                .with_script_headers(&headers)
                .with_credentials(credentials)
        })
}

/// Ways to spell one request-header list on the wire: Chromium's own, and what
/// proxies and other clients produce (spaces, empty items, several lines).
#[derive(Debug, Clone, Copy)]
enum Spelling {
    Chromium,
    Spaced,
    EmptyItems,
    OneLineEach,
}

fn spell(names: &[String], how: Spelling) -> Vec<String> {
    match how {
        Spelling::Chromium => vec![names.join(",")],
        Spelling::Spaced => vec![names.join(" ,\t ")],
        Spelling::EmptyItems => vec![format!(", {},,", names.join(", ,"))],
        Spelling::OneLineEach => names.to_vec(),
    }
}

fn response(d: &Decision<'_>, status: u16) -> Response {
    let headers: Vec<(String, Vec<u8>)> = d
        .headers()
        .map(|h| h.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect())
        .unwrap_or_default();
    Response::new(status, headers)
}

/// What the policy means for `page`, read from its parts alone (a slow reference
/// that shares nothing with the compiler or `decide()`): does the page get the
/// response?
fn intended(policy: &Policy, page: &PageRequest) -> bool {
    let origin_ok = policy.origins.iter().any(|o| origin_matches(o, &page.origin));
    let method_ok = page.has_safelisted_method()
        || policy.methods.as_ref().is_none_or(|m| m.contains(&page.method.as_str()));
    let headers_ok = page.unsafe_headers.iter().all(|h| match &policy.headers {
        // `*` never covers `Authorization`.
        None => !h.eq_ignore_ascii_case("authorization"),
        Some(list) => list.iter().any(|l| l.eq_ignore_ascii_case(h)),
    });
    let credentials_ok = !page.credentials || policy.credentials;
    origin_ok && method_ok && headers_ok && credentials_ok
}

/// Whether origin pattern `pattern` (as written in [`ORIGINS`]) lists `origin`.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    if let Some(re) = pattern.strip_prefix("~ \"").and_then(|p| p.strip_suffix('"')) {
        let whole = regex::Regex::new(&format!("^(?:{re})$")).expect("regex");
        return whole.is_match(origin);
    }
    let split = |o: &str| -> Option<(String, String, Option<String>)> {
        let (scheme, rest) = o.split_once("://")?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.to_string())),
            None => (rest.to_string(), None),
        };
        Some((scheme.to_string(), host, port))
    };
    match pattern {
        "*" => true,
        "null" => origin == "null",
        _ => {
            let (Some((ps, ph, pp)), Some((os, oh, op))) = (split(pattern), split(origin)) else {
                return false;
            };
            let host_ok = match ph.strip_prefix("*.") {
                Some(suffix) => {
                    oh.strip_suffix(suffix).is_some_and(|l| l.len() > 1 && l.ends_with('.'))
                }
                None => oh == ph,
            };
            let port_ok = pp.as_deref() == Some("*") || pp == op;
            ps == os && host_ok && port_ok
        }
    }
}

/// Sends the page's request through `decide()` as a browser would (the preflight first
/// when one is needed, its request-header list spelled `spelling`) and judges every
/// answer with the browser model: does the page get the response, and can it read
/// the exposed headers?
fn browse(
    table: &RuleTable,
    page: &PageRequest,
    spelling: Spelling,
) -> Result<(bool, Option<Response>), String> {
    let id = table.policy_id("p").ok_or("policy p missing")?;
    let origin = page.origin.as_bytes();
    if page.needs_preflight() {
        let preflight = |lines: &[String]| {
            // Several lines reach `decide()` combined with `,` (the module combines them).
            let combined = lines.join(",");
            let mut req = Request::preflight(origin, page.method.as_bytes());
            if !page.unsafe_headers.is_empty() {
                req = req.with_request_headers(combined.as_bytes());
            }
            let d = table.decide(id, &req);
            let answer = response(&d, d.respond_with().unwrap_or(200));
            let problems = browser::preflight_check(page, &answer);
            // The model's two faces agree: the allocation-free verdict the module's
            // report-only mode uses, and the explained one.
            let asked = browser::Asked {
                origin,
                method: page.method.as_bytes(),
                unsafe_headers: combined.as_bytes(),
                credentials: page.credentials,
            };
            let verdicts = (browser::passes(&asked, &answer, true), problems.is_empty());
            (d.as_str(), problems, verdicts)
        };
        let (decision, problems, (passes, explained)) =
            preflight(&spell(&page.unsafe_headers, spelling));
        if passes != explained {
            return Err(format!("browser::passes says {passes}, preflight_check {problems:?}"));
        }
        let (canonical, _, _) = preflight(&spell(&page.unsafe_headers, Spelling::Chromium));
        if decision != canonical {
            return Err(format!(
                "the header list's spelling changed the decision: {decision} vs {canonical}"
            ));
        }
        if !problems.is_empty() {
            return Ok((false, None));
        }
    }
    let d = table.decide(id, &Request::actual(page.method.as_bytes(), Some(origin)));
    let answer = response(&d, 200);
    let problems = browser::cors_check(page, &answer);
    let asked = browser::Asked {
        origin,
        method: page.method.as_bytes(),
        unsafe_headers: b"",
        credentials: page.credentials,
    };
    if browser::passes(&asked, &answer, false) != problems.is_empty() {
        return Err(format!("browser::passes disagrees with cors_check {problems:?}"));
    }
    if !matches!(d, Decision::Allowed { .. }) && !problems.contains(&Problem::NoAllowOrigin) {
        return Err(format!("decide() says {} but CORS headers went out", d.as_str()));
    }
    Ok((problems.is_empty(), Some(answer)))
}

/// The properties for one policy and one page request.
fn check(policy: &Policy, page: &PageRequest, spelling: Spelling) -> Result<(), String> {
    // Policies the checker refuses never reach a browser.
    let Some(table) = policy.table() else { return Ok(()) };
    let context = || format!("policy:\n{}request: {page:?} ({spelling:?})", policy.text());
    let (gets_response, answer) =
        browse(&table, page, spelling).map_err(|e| format!("{e}\n{}", context()))?;
    let intended = intended(policy, page);
    if gets_response != intended {
        return Err(format!(
            "the policy means {} but the browser {}\n{}",
            if intended { "allowed" } else { "refused" },
            if gets_response { "lets the page read the response" } else { "blocks it" },
            context()
        ));
    }
    if let (true, Some(answer)) = (gets_response, answer) {
        for name in policy.expose.as_deref().unwrap_or(&["X-Anything"]) {
            if !browser::can_read(page, &answer, name) {
                return Err(format!("exposed header {name} is not readable\n{}", context()));
            }
        }
    }
    Ok(())
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![
        Just(Spelling::Chromium),
        Just(Spelling::Spaced),
        Just(Spelling::EmptyItems),
        Just(Spelling::OneLineEach),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn what_decide_allows_the_browser_accepts(
        policy in policy(),
        page in page_request(),
        spelling in spelling(),
    ) {
        if let Err(why) = check(&policy, &page, spelling) {
            return Err(TestCaseError::fail(why));
        }
    }
}
