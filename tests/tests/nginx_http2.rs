//! HTTP/2 requests (through `curl --http2-prior-knowledge`) are decided like HTTP/1.x
//! ones, although nginx stores their headers differently.

use cors_tests::fixtures::{main_setup_with, APP, HTTP};
use cors_tests::{require_nginx, Nginx};

#[test]
fn http2_requests_are_decided_like_http1() {
    // HTTP/2 stores request headers differently from HTTP/1.x (names arrive lower-case,
    // their hash is computed from them): the module must find them all the same. The
    // vendored and Debian builds both have HTTP/2; another nginx without it is skipped
    // loudly, and fails the run under `CI=true`.
    let env = require_nginx!();
    if !configure_flags(&env).contains("--with-http_v2_module") {
        cors_tests::skip(&format!(
            "http2_requests_are_decided_like_http1: {} was built without HTTP/2",
            env.nginx.display()
        ));
        return;
    }
    let http = HTTP.replace("listen 127.0.0.1:{PORT};", "listen 127.0.0.1:{PORT} http2;");
    let nginx = Nginx::start(&env, &main_setup_with(&http));
    let curl_at = |path: &str, args: &[&str]| -> String {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-D", "-"])
            .args(args)
            .arg(format!("http://127.0.0.1:{}{path}", nginx.port()))
            .output()
            .expect("curl runs");
        String::from_utf8_lossy(&out.stdout).to_ascii_lowercase()
    };
    let curl = |args: &[&str]| curl_at("/data.txt", args);
    let origin = format!("Origin: {APP}");
    let put_preflight =
        ["-X", "OPTIONS", "-H", origin.as_str(), "-H", "Access-Control-Request-Method: PUT"];
    let actual = curl(&["-H", &format!("Origin: {APP}")]);
    assert!(actual.starts_with("http/2 200"), "{actual}");
    assert!(actual.contains(&format!("access-control-allow-origin: {APP}\r\n")), "{actual}");
    let preflight = curl(
        &[&put_preflight[..], &["-H", "Access-Control-Request-Headers: x-request-id"]].concat(),
    );
    assert!(preflight.starts_with("http/2 204"), "{preflight}");
    assert!(
        preflight.contains("access-control-allow-methods: get, post, put, delete"),
        "{preflight}"
    );
    // A `return` answered the preflight first: the policy's answer replaces it, and
    // HTTP/2 ends the stream after the header.
    let over_return = curl_at("/ret/x", &put_preflight);
    assert!(over_return.starts_with("http/2 204"), "{over_return}");
    assert!(
        over_return.contains(&format!("access-control-allow-origin: {APP}\r\n")),
        "{over_return}"
    );
    assert!(!over_return.contains("content-type"), "{over_return}");
    let refused = curl(&["-H", "Origin: https://evil.example"]);
    assert!(refused.starts_with("http/2 200"), "{refused}");
    assert!(!refused.contains("access-control-allow-origin"), "{refused}");
}

/// The `configure` flags of `nginx -V`.
fn configure_flags(env: &cors_tests::Env) -> String {
    std::process::Command::new(&env.nginx)
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default()
}
