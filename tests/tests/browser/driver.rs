//! Chromium over WebDriver: chromedriver on a free loopback port, a headless session
//! with a throw-away profile, scripts run in a page, and the browser console.

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `chromedriver`, killed on drop, with a temp profile directory removed on drop.
pub struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
    chromium: PathBuf,
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
pub fn start_driver() -> Result<Driver, String> {
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
    let driver = Driver { child, port, profile, chromium };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{} did not listen on port {port}", chromedriver.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(driver)
}

impl Driver {
    /// A new headless Chromium session.
    pub async fn session(&self) -> Result<fantoccini::Client, String> {
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(&self.chromium, &self.profile))
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| format!("new WebDriver session: {e}"))
    }
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

/// The browser console so far, one line per entry.
pub async fn console(client: &fantoccini::Client) -> String {
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

/// Opens `url` and runs `window.RUNNER(calls)` there (`runner.js`); one JSON result per
/// call.
pub async fn run_calls(
    client: &fantoccini::Client,
    url: &str,
    runner: &str,
    calls: Vec<Value>,
) -> Result<Vec<Value>, String> {
    client.goto(url).await.map_err(|e| format!("goto {url}: {e}"))?;
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         window.{runner}(arguments[0]).then(done, e => done([{{outcome: 'error', message: String(e)}}]));"
    );
    let n = calls.len();
    let out = client
        .execute_async(&script, vec![Value::Array(calls)])
        .await
        .map_err(|e| format!("execute_async on {url}: {e}"))?;
    match out {
        Value::Array(v) if v.len() == n => Ok(v),
        other => Err(format!("page {url} returned {other}")),
    }
}
