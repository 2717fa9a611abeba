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
//!    browser half of the Fetch standard ([`predict::predict`]), and
//! 3. the decisions the module logged (`$cors_decision`) for the requests Chromium
//!    actually sent, which also shows whether a preflight was sent at all.
//!
//! Chromium is driven over WebDriver (`chromedriver` + `fantoccini`). When Chromium
//! cannot start the test is skipped with a loud message, and fails under `CI=true`.
//! `CORS_TEST_CHROMIUM` and `CORS_TEST_CHROMEDRIVER` override the binaries.
//! `CORS_TEST_BROWSER_TABLE=1` prints the observed matrix as the markdown table used
//! in `docs/conformance.md`.
//!
//! Modules: [`matrix`] (the scenarios), [`setup`] (nginx), [`driver`] (Chromium over
//! WebDriver), [`predict`] (the browser's side of the Fetch standard on `decide()`),
//! [`check`] (comparing and reporting).

mod check;
mod driver;
mod matrix;
mod predict;
mod setup;

use check::{access_log, check_call, report_row};
use cors_dsl::RuleTable;
use cors_tests::{require_nginx, Nginx};
use matrix::{cached_put, matrix, Call, Page, PAGE};
use predict::{predict, Fetch};
use serde_json::Value;

fn browser_unavailable(why: &str) {
    cors_tests::skip(&format!("browser conformance: Chromium cannot run the browser suite: {why}"));
}

#[test]
fn browser_conformance() {
    let env = require_nginx!();
    let nginx = Nginx::start(&env, &setup::nginx_setup());
    let (port, port2) = (nginx.prefix.port, nginx.prefix.port2);
    let policy_path = nginx.prefix.dir.path().join("policies.cors");
    let (table, _) = cors_dsl::build_table(&policy_path)
        .unwrap_or_else(|l| panic!("policy does not compile: {:?}", l.diagnostics));

    let driver = match driver::start_driver() {
        Ok(d) => d,
        Err(why) => return browser_unavailable(&why),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    rt.block_on(async {
        let client = match driver.session().await {
            Ok(c) => c,
            Err(e) => return browser_unavailable(&e),
        };
        let result = run_suite(&client, &nginx, &table, port, port2).await;
        let console = driver::console(&client).await;
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

/// Runs `calls` from `page` and returns one JSON result per call.
async fn run_page(
    client: &fantoccini::Client,
    page: Page,
    port: u16,
    port2: u16,
    calls: &[&Call],
) -> Result<Vec<Value>, String> {
    let (host, runner) = match page {
        Page::Host(h) => (h, "runCalls"),
        Page::Null => ("127.0.0.1", "runSandboxed"),
    };
    let url = format!("http://{host}:{port2}/page.html");
    driver::run_calls(client, &url, runner, calls.iter().map(|c| c.to_js(port)).collect()).await
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
        let fetch = Fetch {
            origin: &origin,
            method: call.method,
            headers: call.headers,
            credentials: call.credentials,
        };
        let probed: &[&str] = if call.target.has_custom_headers() { &matrix::PROBED } else { &[] };
        let pred = predict(table, call.policy, &fetch, probed);
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
        report.push_str(&report_row(call, &cell, &sent));
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
    let calls = [
        cached_put("cache", "cached"),
        cached_put("cache", "cached"),
        cached_put("nocache", "uncached"),
        cached_put("nocache", "uncached"),
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
