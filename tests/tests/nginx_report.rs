//! Issue #10 (3): report-only mode. `cors NAME report-only;` decides every request as
//! enforcing would, changes nothing in the response (the recipe's `add_header`, `if` and
//! `return` answer as before), and says in `$cors_report` how enforcing would change
//! what a browser concludes. A recipe location in report-only mode runs next to the
//! same recipe enforced.

use cors_tests::cases::{cors_view, get, pf};
use cors_tests::fixtures::APP;
use cors_tests::nginx::Setup;
use cors_tests::{wait_for, Nginx, Req};

const POLICIES: &str = r#"
policy api {
    origin https://app.example.com;
    methods GET POST PUT;
    headers Content-Type X-Request-ID;
    credentials on;
}
"#;

/// The usual pasted recipe: reflects any origin with credentials, and answers every
/// `OPTIONS` itself.
const RECIPE: &str = r#"
if ($request_method = OPTIONS) {
    add_header Access-Control-Allow-Origin $http_origin always;
    add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE" always;
    add_header Access-Control-Allow-Headers "Content-Type" always;
    add_header Access-Control-Allow-Credentials true always;
    return 204;
}
add_header Access-Control-Allow-Origin $http_origin always;
add_header Access-Control-Allow-Credentials true always;
return 200 "recipe\n";
"#;

const HTTP: &str = r#"
cors_policy_file policies.cors;
log_format report '$uri $cors_decision "$cors_reason" "$cors_report"';

server {
    listen 127.0.0.1:{PORT};
    access_log logs/report.log report;
    location /report/ { cors api report-only; include recipe.conf; }
    location /enforce/ { cors api; include recipe.conf; }
}
"#;

fn start() -> Option<Nginx> {
    let env = cors_tests::env()?;
    let setup = Setup::new(HTTP).file("policies.cors", POLICIES).file("recipe.conf", RECIPE);
    Some(Nginx::start(&env, &setup))
}

/// The access log's lines.
fn log_lines(nginx: &Nginx) -> Vec<String> {
    let path = nginx.prefix.dir.path().join("logs/report.log");
    std::fs::read_to_string(path).unwrap_or_default().lines().map(String::from).collect()
}

/// The access log line `req` adds (nginx writes it after the response is sent).
fn send_and_log(nginx: &Nginx, req: &Req) -> (cors_tests::Response, String) {
    let before = log_lines(nginx).len();
    let resp = nginx.send(req);
    wait_for(|| log_lines(nginx).len() > before);
    (resp, log_lines(nginx).get(before).cloned().unwrap_or_default())
}

/// `(request, $cors_decision "$cors_reason" "$cors_report")` at the report-only location.
fn cases() -> Vec<(Req, &'static str)> {
    vec![
        (get("/report/x", APP), r#"allowed "" "same""#),
        (
            get("/report/x", "https://evil.example"),
            r#"refused "origin-not-allowed" "would-refuse""#,
        ),
        (pf("/report/x", APP, "PUT"), r#"preflight-allowed "" "same""#),
        (
            pf("/report/x", APP, "DELETE"),
            r#"preflight-refused "method-not-allowed" "would-refuse""#,
        ),
        (
            pf("/report/x", APP, "PUT").header("Access-Control-Request-Headers", "x-request-id"),
            r#"preflight-allowed "" "would-allow""#,
        ),
        (Req::get("/report/x"), r#"not-cors "" """#),
    ]
}

#[test]
fn report_only_changes_nothing_and_reports_what_enforcing_would_change() {
    let Some(nginx) = start() else { return };
    for (req, logged) in cases() {
        let (reported, line) = send_and_log(&nginx, &req);
        assert_eq!(line, format!("/report/x {logged}"), "{req:?}\n{reported:?}");

        // The response is the recipe's, untouched.
        let enforce_path = req.path.replace("/report/", "/enforce/");
        let (enforced, _) = send_and_log(&nginx, &Req { path: enforce_path, ..req.clone() });
        let recipe_status = if req.method == "OPTIONS" { 204 } else { 200 };
        assert_eq!(reported.status, recipe_status, "report-only answers as the recipe: {req:?}");
        let origin = req.headers.iter().find(|(n, _)| n == "Origin").map_or("", |(_, v)| v);
        let (_, cors, vary) = cors_view(&reported);
        if !origin.is_empty() {
            assert!(
                cors.contains(&("Access-Control-Allow-Origin".into(), origin.to_string())),
                "the recipe's reflected origin stays: {reported:?}"
            );
        }
        assert!(vary.is_empty(), "report-only adds no Vary: {reported:?}");

        // Enforcing answers differently wherever the report said it would.
        let differs = cors_view(&enforced) != cors_view(&reported);
        let reported_change = logged.contains("would-");
        if reported_change {
            assert!(differs, "enforcing changes the answer: {req:?}\n{enforced:?}");
        }
    }
}

#[test]
fn report_lines_in_error_log() {
    let Some(nginx) = start() else { return };
    nginx.send(&get("/report/x", "https://evil.example"));
    let log = || nginx.prefix.error_log();
    let logged = wait_for(|| log().contains("cors report-only: enforcing the policy would refuse"));
    assert!(logged, "{}", log());
    assert!(
        !log().contains("cors request refused"),
        "nothing is refused in report-only mode:\n{}",
        log()
    );
}

#[test]
fn report_only_is_a_parameter_of_cors_only() {
    for (directive, message) in [
        ("cors api enforce;", "invalid parameter \"enforce\""),
        ("cors off report-only;", "invalid parameter \"report-only\""),
    ] {
        let http = format!(
            "cors_policy_file policies.cors;\n\
             server {{ listen 127.0.0.1:{{PORT}}; location / {{ {directive} }} }}"
        );
        let Some((ok, out)) = cors_tests::nginx_t(&http, &[("policies.cors", POLICIES)]) else {
            return;
        };
        assert!(!ok && out.contains(message), "{directive}:\n{out}");
    }
}
