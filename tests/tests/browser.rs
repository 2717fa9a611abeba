//! Real-browser conformance: headless Chromium decides, not us (issue 6).
//!
//! Every other test checks the headers nginx sends; only a browser can say whether
//! those headers make a cross-origin `fetch()` succeed. Here Chromium loads a page
//! from one origin (`http://<host>:PORT2`, a second `server {}` in the same nginx) and
//! calls `fetch()` on nginx with the module at another (`http://localhost:PORT`). The
//! test asserts what the browser concluded (resolved or `TypeError`, status, readable
//! headers, body) and checks it three ways against each other:
//!
//! 1. the scenario's written expectation,
//! 2. a prediction from [`cors_dsl::RuleTable::decide`] on the same policy file plus the
//!    browser half of the Fetch standard ([`predict`]), and
//! 3. the decisions the module logged (`$cors_decision`) for the requests Chromium
//!    actually sent, which also shows whether a preflight was sent at all.
//!
//! Chromium is driven over WebDriver (`chromedriver` + `fantoccini`). When Chromium
//! cannot start the test is skipped with a loud message, and fails under `CI=true`.
//! `CORS_TEST_CHROMIUM` and `CORS_TEST_CHROMEDRIVER` override the binaries.
//! `CORS_TEST_BROWSER_TABLE=1` prints the observed matrix as the markdown table used
//! in `docs/conformance.md`.

use cors_dsl::{Decision, Request, RuleTable};
use cors_tests::{require_nginx, Nginx, Setup};
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The policies under test. `{PORT2}` is the page server's port.
const POLICIES: &str = r#"
# Most scenarios: one exact origin, some methods and headers, one exposed header.
policy basic {
    origin http://127.0.0.1:{PORT2};
    methods GET POST PUT DELETE;
    headers Content-Type X-Request-ID;
    expose X-Request-ID;
}
# Only GET, no extra headers: a JSON POST must be refused at preflight.
policy readonly {
    origin http://127.0.0.1:{PORT2};
    methods GET;
}
policy creds {
    origin http://127.0.0.1:{PORT2};
    methods GET POST;
    credentials on;
}
policy public {
    origin *;
    methods GET PUT;
}
policy cached {
    origin http://127.0.0.1:{PORT2};
    methods PUT;
    max-age 10m;
}
policy uncached {
    origin http://127.0.0.1:{PORT2};
    methods PUT;
    max-age 0;
}
policy wild {
    origin http://*.app.localhost:{PORT2};
    methods GET PUT;
}
policy regex {
    origin ~ "^http://pr-[0-9]+\.preview\.localhost:{PORT2}$";
    methods GET PUT;
}
policy nullok {
    origin null;
    methods GET PUT;
}
"#;

/// Policy names; each gets `location /p/NAME/` on the server under test.
const POLICY_NAMES: &[&str] =
    &["basic", "readonly", "creds", "public", "cached", "uncached", "wild", "regex", "nullok"];

/// Where a call's page runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    /// `http://HOST:PORT2/page.html`.
    Host(&'static str),
    /// A sandboxed `srcdoc` iframe inside the `127.0.0.1` page: `Origin: null`.
    Null,
}

impl Page {
    fn origin(self, port2: u16) -> String {
        match self {
            Page::Host(h) => format!("http://{h}:{port2}"),
            Page::Null => "null".to_string(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Page::Host(h) => h,
            Page::Null => "null (sandboxed iframe)",
        }
    }
}

/// What the browser must conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// `fetch()` resolves with this status.
    Resolved(u16),
    /// `fetch()` rejects with a `TypeError` (the CORS check failed).
    Blocked,
}

/// What the backend behind `/p/NAME/PATH` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The proxied backend: `200 "METHOD ok"` with `X-Request-ID` and `X-Secret`.
    Ok,
    /// The proxied backend's `401`, also with `X-Request-ID` and `X-Secret`.
    Unauthorized,
    /// nginx's own `404` (static root, no such file).
    Missing,
    /// nginx's own `502` (the upstream refuses connections).
    Down,
}

impl Target {
    fn path(self) -> &'static str {
        match self {
            Target::Ok => "ok",
            Target::Unauthorized => "status/401",
            Target::Missing => "missing",
            Target::Down => "down",
        }
    }

    /// Whether the response carries the backend's `X-Request-ID` and `X-Secret`.
    fn has_custom_headers(self) -> bool {
        matches!(self, Target::Ok | Target::Unauthorized)
    }
}

/// One `fetch()` in the matrix.
#[derive(Debug, Clone)]
struct Call {
    /// Unique name; also the `?case=` in the URL, which ties access-log lines to it.
    case: &'static str,
    /// What the scenario shows (for the report and docs).
    what: &'static str,
    page: Page,
    policy: &'static str,
    target: Target,
    method: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    credentials: bool,
    /// `fetch()`'s `cache` mode; `None` is `"no-store"`.
    cache: Option<&'static str>,
    expect: Expect,
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

    fn to_js(&self, port: u16) -> Value {
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
const PROBED: [&str; 2] = ["x-request-id", "x-secret"];

use Expect::{Blocked, Resolved};
const JSON: &[(&str, &str)] = &[("Content-Type", "application/json")];
const REQ_ID: &[(&str, &str)] = &[("X-Request-ID", "r-1")];
const OTHER: &[(&str, &str)] = &[("X-Other", "1")];
const PAGE: Page = Page::Host("127.0.0.1");

/// The scenario matrix. Every case is also predicted from `decide()`.
fn matrix() -> Vec<Call> {
    vec![
        call("get-allowed", "simple GET, origin listed", "basic", Resolved(200)),
        call("get-refused", "simple GET, origin not listed", "basic", Blocked)
            .page(Page::Host("a.app.localhost")),
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
        call("put-allowed", "PUT allowed", "basic", Resolved(200)).method("PUT").body("x"),
        call("delete-allowed", "DELETE allowed", "basic", Resolved(200)).method("DELETE"),
        call("patch-refused", "PATCH not allowed", "basic", Blocked).method("PATCH").body("x"),
        call("put-refused", "PUT not allowed", "readonly", Blocked).method("PUT").body("x"),
        call("delete-refused", "DELETE not allowed", "readonly", Blocked).method("DELETE"),
        call("creds-on", "credentials: include, credentials on", "creds", Resolved(200))
            .credentials(),
        call("creds-off", "credentials: include, no credentials", "basic", Blocked).credentials(),
        call("creds-star", "credentials: include, origin *", "public", Blocked).credentials(),
        call("star-get", "origin *, no credentials", "public", Resolved(200)),
        call("star-put", "origin *, preflighted PUT", "public", Resolved(200))
            .method("PUT")
            .body("x"),
        call("expose", "exposed header readable, other not (see probe)", "basic", Resolved(200)),
        call("status-404", "nginx 404 readable when allowed", "basic", Resolved(404))
            .target(Target::Missing),
        call("status-401", "upstream 401 readable when allowed", "basic", Resolved(401))
            .target(Target::Unauthorized),
        call("status-502", "nginx 502 readable when allowed", "basic", Resolved(502))
            .target(Target::Down),
        call("status-404-refused", "nginx 404 from a refused origin", "basic", Blocked)
            .target(Target::Missing)
            .page(Page::Host("a.app.localhost")),
        call("wild-one-label", "wildcard origin, one label", "wild", Resolved(200))
            .page(Page::Host("a.app.localhost")),
        call("wild-two-labels", "wildcard origin, two labels", "wild", Resolved(200))
            .page(Page::Host("x.y.app.localhost")),
        call("wild-put", "wildcard origin, preflighted PUT", "wild", Resolved(200))
            .page(Page::Host("a.app.localhost"))
            .method("PUT")
            .body("x"),
        call("wild-apex", "wildcard does not match the bare suffix", "wild", Blocked)
            .page(Page::Host("app.localhost")),
        call("wild-lookalike", "wildcard does not match a look-alike", "wild", Blocked)
            .page(Page::Host("evilapp.localhost")),
        call("wild-other", "wildcard policy, unrelated origin", "wild", Blocked),
        call("regex-match", "regex origin matches", "regex", Resolved(200))
            .page(Page::Host("pr-12.preview.localhost")),
        call("regex-put", "regex origin, preflighted PUT", "regex", Resolved(200))
            .page(Page::Host("pr-12.preview.localhost"))
            .method("PUT")
            .body("x"),
        call("regex-nomatch", "regex origin does not match", "regex", Blocked)
            .page(Page::Host("pr-x.preview.localhost")),
        call("regex-suffix", "regex matched whole, not as a prefix", "regex", Blocked)
            .page(Page::Host("pr-1.preview.localhost.app.localhost")),
        call("null-allowed", "null origin, policy allows null", "nullok", Resolved(200))
            .page(Page::Null),
        call("null-put", "null origin, preflighted PUT", "nullok", Resolved(200))
            .page(Page::Null)
            .method("PUT")
            .body("x"),
        call("null-refused", "null origin, policy does not list null", "basic", Blocked)
            .page(Page::Null),
        call("null-origin-from-page", "null-only policy, ordinary page", "nullok", Blocked),
    ]
}

// ---------------------------------------------------------------------------------
// The browser half of the Fetch standard, on top of `decide()`.
// ---------------------------------------------------------------------------------

/// What Chromium should conclude, derived from `decide()`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prediction {
    resolved: bool,
    /// Lower-cased names of the probed headers the script can read.
    readable: Vec<String>,
    /// `(method, "$cors_decision ($cors_reason)")` for each request the browser should
    /// send, in order.
    log: Vec<(String, String)>,
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

/// Predicts the browser's conclusion for `call` from `decide()` on `table`.
fn predict(table: &RuleTable, call: &Call, origin: &str) -> Prediction {
    let policy = table
        .policy_id(call.policy)
        .unwrap_or_else(|| panic!("policy {} not in the compiled table", call.policy));
    let creds = call.credentials;
    let mut unsafe_names: Vec<String> = call
        .headers
        .iter()
        .filter(|(n, v)| !safelisted_request_header(n, v))
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    unsafe_names.sort();
    let safelisted_method = matches!(call.method, "GET" | "HEAD" | "POST");
    let mut log = Vec::new();
    let blocked = |log| Prediction { resolved: false, readable: Vec::new(), log };

    // https://fetch.spec.whatwg.org/#cors-preflight-fetch; Chromium sends the unsafe
    // names lower-cased, sorted, comma-joined without spaces.
    if !safelisted_method || !unsafe_names.is_empty() {
        let acrh = unsafe_names.join(",");
        let mut req = Request::preflight(origin.as_bytes(), call.method.as_bytes());
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
            || methods.iter().any(|m| m == call.method)
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

    let d = table.decide(policy, &Request::actual(call.method.as_bytes(), Some(origin.as_bytes())));
    log.push((call.method.to_string(), logged(&d)));
    if !matches!(d, Decision::Allowed { .. }) || !cors_check(&d, origin, creds) {
        return blocked(log);
    }
    let exposed = header(&d, "Access-Control-Expose-Headers").map(items).unwrap_or_default();
    let readable = if call.target.has_custom_headers() {
        PROBED
            .iter()
            .filter(|p| {
                exposed.iter().any(|e| e.eq_ignore_ascii_case(p))
                    || (!creds && exposed.iter().any(|e| e == "*"))
            })
            .map(|p| (*p).to_string())
            .collect()
    } else {
        Vec::new()
    };
    Prediction { resolved: true, readable, log }
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

// ---------------------------------------------------------------------------------
// nginx setup.
// ---------------------------------------------------------------------------------

fn nginx_setup() -> Setup {
    let mut locations = String::new();
    for name in POLICY_NAMES {
        // A location-level `return` would run before the module's preflight handler
        // (REWRITE precedes PREACCESS), so answers come from a proxied backend.
        let _ = write!(
            locations,
            "        location /p/{name}/ {{ cors {name}; proxy_pass http://127.0.0.1:{{PORT2}}/backend/; }}\n\
             \x20       location = /p/{name}/missing {{ cors {name}; }}\n\
             \x20       location = /p/{name}/down {{ cors {name}; proxy_pass http://127.0.0.1:1; }}\n"
        );
    }
    let http = format!(
        r#"
    log_format cors '$request_method $request_uri $status cors=$cors_decision reason=$cors_reason origin="$http_origin"';
    cors_policy_file {{PREFIX}}/policies.cors;
    default_type text/plain;

    # The API under test: http://localhost:PORT.
    server {{
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{PREFIX}}/empty;
        access_log logs/access.log cors;
{locations}    }}

    # The page origin(s), any Host: http://127.0.0.1:PORT2, http://*.localhost:PORT2;
    # also the backend the API proxies to.
    server {{
        listen 127.0.0.1:{{PORT2}} default_server;
        server_name _;
        root {{PREFIX}}/html;
        location = /page.html {{ }}
        location = /runner.js {{ default_type application/javascript; }}
        location = /favicon.ico {{ return 204; }}
        location /backend/ {{
            add_header X-Request-ID abc;
            add_header X-Secret s;
            return 200 "$request_method ok";
        }}
        location = /backend/status/401 {{
            add_header X-Request-ID abc always;
            add_header X-Secret s always;
            return 401 "unauthorized";
        }}
    }}
"#
    );
    Setup::new(&http)
        .file("policies.cors", POLICIES)
        .file("html/page.html", include_str!("../browser/page.html"))
        .file("html/runner.js", include_str!("../browser/runner.js"))
        .file("empty/.keep", "")
}

// ---------------------------------------------------------------------------------
// Chromium over WebDriver.
// ---------------------------------------------------------------------------------

/// `chromedriver`, killed on drop, with a temp profile directory removed on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find_binary(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Starts chromedriver on a free port; `Err` says why the browser is unavailable.
fn start_driver() -> Result<(Driver, PathBuf), String> {
    let chromium = find_binary(
        "CORS_TEST_CHROMIUM",
        // Debian's /usr/bin/chromium is a shell wrapper; the real binary starts faster.
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"],
    )
    .ok_or("no chromium binary (install the `chromium` package or set CORS_TEST_CHROMIUM)")?;
    let chromedriver = find_binary("CORS_TEST_CHROMEDRIVER", &["/usr/bin/chromedriver"])
        .ok_or("no chromedriver (install `chromium-driver` or set CORS_TEST_CHROMEDRIVER)")?;
    let port = cors_tests::free_port();
    let profile = std::env::temp_dir().join(format!("cors-browser-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&profile).map_err(|e| format!("create {}: {e}", profile.display()))?;
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", chromedriver.display()))?;
    let driver = Driver { child, port, profile };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{} did not listen on port {port}", chromedriver.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((driver, chromium))
}

fn capabilities(chromium: &Path, profile: &Path) -> serde_json::Map<String, Value> {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-dev-shm-usage",
        // Chromium resolves *.localhost to loopback by itself, but may try ::1 first;
        // nginx listens on 127.0.0.1 only.
        "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1",
    ];
    let mut args: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    match caps {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// chromedriver's (non-W3C) `POST /session/{id}/se/log`: the browser console.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or("")))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_string()))
    }
}

async fn console(client: &fantoccini::Client) -> String {
    match client.issue_cmd(BrowserLog).await {
        Ok(Value::Array(entries)) => entries
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["level"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Ok(other) => other.to_string(),
        Err(e) => format!("(console unavailable: {e})"),
    }
}

/// Runs `calls` from `page` and returns one JSON result per call.
async fn run_page(
    client: &fantoccini::Client,
    page: Page,
    port: u16,
    port2: u16,
    calls: &[&Call],
) -> Result<Vec<Value>, String> {
    let host = match page {
        Page::Host(h) => h,
        Page::Null => "127.0.0.1",
    };
    let url = format!("http://{host}:{port2}/page.html");
    client.goto(&url).await.map_err(|e| format!("goto {url}: {e}"))?;
    let runner = match page {
        Page::Host(_) => "runCalls",
        Page::Null => "runSandboxed",
    };
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         window.{runner}(arguments[0]).then(done, e => done([{{outcome: 'error', message: String(e)}}]));"
    );
    let js: Vec<Value> = calls.iter().map(|c| c.to_js(port)).collect();
    let out = client
        .execute_async(&script, vec![Value::Array(js)])
        .await
        .map_err(|e| format!("execute_async on {url}: {e}"))?;
    match out {
        Value::Array(v) if v.len() == calls.len() => Ok(v),
        other => Err(format!("page {url} returned {other}")),
    }
}

// ---------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------

/// Access-log lines as `(method, request_uri, "decision (reason)")`.
fn access_log(nginx: &Nginx) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(nginx.prefix.dir.path().join("logs/access.log"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let method = parts.next()?.to_string();
            let uri = parts.next()?.to_string();
            let field = |name: &str| l.split(name).nth(1)?.split(' ').next();
            let decision = match (field(" cors=")?, field(" reason=")?) {
                (d, "") => d.to_string(),
                (d, r) => format!("{d} ({r})"),
            };
            Some((method, uri, decision))
        })
        .collect()
}

/// Compares one browser result with the expectation and the prediction; returns
/// problems (empty when all three agree) and a summary cell for the report.
fn check_call(call: &Call, origin: &str, got: &Value, pred: &Prediction) -> (Vec<String>, String) {
    let mut problems = Vec::new();
    let resolved = got["outcome"] == "resolved";
    let outcome = if resolved {
        format!("resolved {}", got["status"])
    } else {
        format!(
            "{} ({})",
            got["outcome"].as_str().unwrap_or("?"),
            got["message"].as_str().unwrap_or("")
        )
    };
    let expected = match call.expect {
        Resolved(s) => format!("resolved {s}"),
        Blocked => "TypeError".to_string(),
    };
    let ctx =
        format!("[{}] {} from {origin} {} {}", call.case, call.method, call.policy, call.what);
    match call.expect {
        Resolved(status) => {
            if !resolved || got["status"] != status {
                problems.push(format!("{ctx}: browser {outcome}, scenario expects {expected}"));
            }
        }
        Blocked => {
            if resolved || got["outcome"] != "TypeError" {
                problems.push(format!("{ctx}: browser {outcome}, scenario expects TypeError"));
            }
        }
    }
    if resolved != pred.resolved {
        problems.push(format!(
            "{ctx}: browser {outcome}, decide() predicts {}",
            if pred.resolved { "resolved" } else { "blocked" }
        ));
    }
    let mut readable = Vec::new();
    if resolved {
        for p in PROBED {
            if !got["probe"][p].is_null() {
                readable.push(p.to_string());
            }
        }
        if readable != pred.readable {
            problems.push(format!(
                "{ctx}: script can read {readable:?} of {PROBED:?}, decide() predicts {:?}",
                pred.readable
            ));
        }
        let listed: Vec<&str> = got["headers"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for h in &listed {
            if !SAFELISTED_RESPONSE.contains(h) && !pred.readable.iter().any(|r| r == h) {
                problems.push(format!(
                    "{ctx}: script sees header {h:?}, which is neither safelisted nor exposed"
                ));
            }
        }
        if call.target == Target::Ok && got["body"] != format!("{} ok", call.method) {
            problems.push(format!("{ctx}: body {} (expected \"{} ok\")", got["body"], call.method));
        }
    }
    let cell = if readable.is_empty() {
        outcome
    } else {
        format!("{outcome}, reads {}", readable.join(" "))
    };
    (problems, cell)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn browser_unavailable(why: &str) {
    let msg = format!("Chromium cannot run the browser suite: {why}");
    assert!(!in_ci(), "{msg}");
    eprintln!("\n!!!!!!!! SKIPPED browser conformance: {msg} !!!!!!!!\n");
}

#[test]
fn browser_conformance() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &nginx_setup());
    let (port, port2) = (nginx.prefix.port, nginx.prefix.port2);
    let policy_path = nginx.prefix.dir.path().join("policies.cors");
    let (table, _) = cors_dsl::build_table(&policy_path)
        .unwrap_or_else(|l| panic!("policy does not compile: {:?}", l.diagnostics));

    let (driver, chromium) = match start_driver() {
        Ok(d) => d,
        Err(why) => return browser_unavailable(&why),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    rt.block_on(async {
        let client = match fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(capabilities(&chromium, &driver.profile))
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        {
            Ok(c) => c,
            Err(e) => return browser_unavailable(&format!("new WebDriver session: {e}")),
        };
        let result = run_suite(&client, &nginx, &table, port, port2).await;
        let console = console(&client).await;
        let _ = client.close().await;
        if let Err(problems) = result {
            panic!(
                "the browser disagrees:\n  {}\n\n--- browser console ---\n{console}\n\n--- nginx error log ---\n{}\n--- access log ---\n{}",
                problems.join("\n  "),
                nginx.prefix.error_log(),
                std::fs::read_to_string(nginx.prefix.dir.path().join("logs/access.log")).unwrap_or_default()
            );
        }
    });
    drop(driver);
}

async fn run_suite(
    client: &fantoccini::Client,
    nginx: &Nginx,
    table: &RuleTable,
    port: u16,
    port2: u16,
) -> Result<(), Vec<String>> {
    let calls = matrix();
    let mut problems = Vec::new();
    let mut report = String::from(
        "| case | scenario | page origin | policy | request | expected | Chromium | module logged |\n\
         |---|---|---|---|---|---|---|---|\n",
    );

    // Group calls by page, keeping the matrix order within a page.
    let mut pages: Vec<Page> = Vec::new();
    for c in &calls {
        if !pages.contains(&c.page) {
            pages.push(c.page);
        }
    }
    let mut results: Vec<(&Call, Value)> = Vec::new();
    for page in pages {
        let group: Vec<&Call> = calls.iter().filter(|c| c.page == page).collect();
        match run_page(client, page, port, port2, &group).await {
            Ok(values) => results.extend(group.into_iter().zip(values)),
            Err(e) => problems.push(format!("page {}: {e}", page.label())),
        }
    }

    let log = access_log(nginx);
    for (call, got) in &results {
        let origin = call.page.origin(port2);
        let pred = predict(table, call, &origin);
        let (mut p, cell) = check_call(call, &origin, got, &pred);
        // The requests Chromium sent (preflight or not, actual or not) and the module's
        // decision on each must be exactly what decide() says.
        let needle = format!("?case={}", call.case);
        let sent: Vec<(String, String)> = log
            .iter()
            .filter(|(_, uri, _)| uri.ends_with(&needle))
            .map(|(m, _, d)| (m.clone(), d.clone()))
            .collect();
        if sent != pred.log {
            p.push(format!(
                "[{}] nginx logged {sent:?}, decide() predicts {:?}",
                call.case, pred.log
            ));
        }
        problems.extend(p);
        let mut req = call.method.to_string();
        for (k, v) in call.headers {
            let _ = write!(req, " `{k}: {v}`");
        }
        if call.credentials {
            req.push_str(" credentials");
        }
        if call.target != Target::Ok {
            let _ = write!(req, " → {}", call.target.path());
        }
        let expected = match call.expect {
            Resolved(s) => format!("resolved {s}"),
            Blocked => "TypeError".to_string(),
        };
        let logged: Vec<String> = sent.iter().map(|(m, d)| format!("{m} {d}")).collect();
        let _ = writeln!(
            report,
            "| `{}` | {} | {} | {} | {req} | {expected} | {} | {} |",
            call.case,
            call.what,
            call.page.label(),
            call.policy,
            cell.split(" (").next().unwrap_or(&cell),
            logged.join(", ")
        );
    }

    problems.extend(preflight_cache(client, nginx, port, port2).await);

    if std::env::var_os("CORS_TEST_BROWSER_TABLE").is_some() {
        eprintln!("\n{report}");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A second identical preflighted request within `max-age` sends no new preflight;
/// with `max-age 0` it does. Counted in nginx's access log.
async fn preflight_cache(
    client: &fantoccini::Client,
    nginx: &Nginx,
    port: u16,
    port2: u16,
) -> Vec<String> {
    let put = |case, policy| Call {
        cache: Some("default"),
        ..call(case, "preflight cache", policy, Resolved(200)).method("PUT").body("x")
    };
    let calls = [
        put("cache", "cached"),
        put("cache", "cached"),
        put("nocache", "uncached"),
        put("nocache", "uncached"),
    ];
    let refs: Vec<&Call> = calls.iter().collect();
    let mut problems = Vec::new();
    match run_page(client, PAGE, port, port2, &refs).await {
        Ok(values) => {
            for (c, v) in calls.iter().zip(&values) {
                if v["outcome"] != "resolved" || v["status"] != 200 {
                    problems.push(format!("[{}] preflight-cache PUT: {v}", c.case));
                }
            }
        }
        Err(e) => problems.push(e),
    }
    let log = access_log(nginx);
    let count = |method: &str, case: &str| {
        let needle = format!("?case={case}");
        log.iter().filter(|(m, uri, _)| m == method && uri.ends_with(&needle)).count()
    };
    for (case, options, puts) in [("cache", 1, 2), ("nocache", 2, 2)] {
        let (o, p) = (count("OPTIONS", case), count("PUT", case));
        if (o, p) != (options, puts) {
            problems.push(format!(
                "[{case}] two identical PUTs: nginx saw {o} OPTIONS and {p} PUT, expected {options} and {puts}"
            ));
        }
    }
    problems
}
