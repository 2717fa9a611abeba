//! The policies and servers most real-nginx tests run against.
//!
//! [`main_setup`] is one server with a location per origin form and per nginx feature
//! the module meets (access checks, upstreams, `add_header`, rewrites, error pages,
//! gzip) plus an upstream that sends its own CORS headers. [`extra_setup`] is a server
//! for request shapes: private network access, internal redirects, 304s, hostile
//! headers.

use crate::nginx::Setup;

/// The allowed origin of most policies here.
pub const APP: &str = "https://app.example.com";

/// The policies of [`main_setup`], one per origin form and preflight option.
pub const POLICIES: &str = r#"
policy exact {
    origin https://app.example.com;
    methods GET POST PUT DELETE;
    headers Content-Type X-Request-ID;
    expose X-Request-ID;
    credentials on;
    max-age 2h;
}

policy star {
    origin *;
    methods GET HEAD PUT;
    max-age 1d;
}

policy sub {
    origin https://*.example.com;
    methods PUT;
}

policy anyport {
    origin http://localhost:*;
    methods PUT;
}

policy subanyport {
    origin https://*.example.com:*;
    methods PUT;
}

policy regex {
    origin ~ "https://pr-[0-9]+\.preview\.example\.dev";
    methods PUT;
}

policy nullorigin {
    origin null;
    methods PUT;
}

policy fileorigin {
    origin file://;
    methods PUT;
}

policy passall {
    origin https://app.example.com;
    preflight pass;
}

policy passrefused {
    origin https://app.example.com;
    methods PUT;
    preflight-refused pass;
}

policy ok200 {
    origin https://app.example.com;
    methods PUT;
    preflight-status 200;
}
"#;

/// The server under test (`{PORT}`) and an upstream (`{PORT2}`) that sets its own CORS
/// headers and a `Vary`, as applications do.
pub const HTTP: &str = r#"
cors_policy_file policies.cors;
log_format cors '$request_method $uri $status decision=$cors_decision reason=$cors_reason policy=$cors_policy';
limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;

server {
    listen 127.0.0.1:{PORT2};
    location / {
        add_header Access-Control-Allow-Origin https://upstream.example always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Vary Accept-Encoding always;
        return 200 "upstream $request_method\n";
    }
}

server {
    listen 127.0.0.1:{PORT};
    root html;
    access_log logs/cors.log cors;
    cors exact;

    location / { }
    location /star/ { cors star; alias html/; }
    location /sub/ { cors sub; alias html/; }
    location /anyport/ { cors anyport; alias html/; }
    location /subanyport/ { cors subanyport; alias html/; }
    location /regex/ { cors regex; alias html/; }
    location /null/ { cors nullorigin; alias html/; }
    location /file/ { cors fileorigin; alias html/; }
    location /ok200/ { cors ok200; alias html/; }
    location /off/ {
        cors off;
        alias html/;
        location /off/on/ { cors star; alias html/; }
    }
    location /nested/ {
        alias html/;
        location /nested/off/ { cors off; alias html/; }
    }
    location /auth/ { auth_basic "private"; auth_basic_user_file htpasswd; alias html/; }
    location /deny/ { deny all; alias html/; }
    location /authreq/ { auth_request /authcheck; alias html/; }
    location = /authcheck { internal; return 401; }
    location /limited/ { limit_req zone=one nodelay; alias html/; }
    location /proxy/ { proxy_pass http://127.0.0.1:{PORT2}/; }
    location /pass/ { cors passall; proxy_pass http://127.0.0.1:{PORT2}/; }
    location /passrefused/ { cors passrefused; proxy_pass http://127.0.0.1:{PORT2}/; }
    location /badgw/ { proxy_pass http://127.0.0.1:9/; }
    location /addheader/ {
        add_header Access-Control-Allow-Origin https://other.example always;
        add_header Vary Accept-Encoding always;
        alias html/;
    }
    location /old/ { cors off; rewrite ^/old/(.*)$ /star/$1 last; }
    location /oldoff/ { cors star; rewrite ^/oldoff/(.*)$ /off/$1 last; }
    location /errpage/ { error_page 404 /errors/404.html; alias html/; }
    location /errors/ { alias html/errors/; }
    location /ret/ { return 200 "ok\n"; }
    location /gzip/ {
        gzip on; gzip_vary on; gzip_min_length 1; gzip_types text/plain;
        alias html/;
    }
}
"#;

/// The server under test: [`HTTP`] with [`POLICIES`] and the files they serve.
pub fn main_setup() -> Setup {
    main_setup_with(HTTP)
}

/// [`main_setup`] with another `http {}` body (same files).
pub fn main_setup_with(http: &str) -> Setup {
    Setup::new(http)
        .file("policies.cors", POLICIES)
        .file("html/data.txt", "data\n")
        .file("html/index.html", "index\n")
        .file("html/errors/404.html", "not here\n")
        .file("htpasswd", "user:$apr1$invalid$invalidinvalidinvalid0\n")
}

/// The policies of [`extra_setup`].
pub const EXTRA_POLICIES: &str = r#"
policy app {
    origin https://app.example.com;
    methods GET PUT;
    headers Content-Type;
}

policy pna {
    origin https://app.example.com;
    methods PUT;
    private-network on;
}
"#;

/// A server of its own for the request-shape tests: private network access, internal
/// redirects, 304s, hostile headers. `{PORT2}` accepts large header lines.
pub const EXTRA_HTTP: &str = r#"
cors_policy_file policies.cors;
server {
    listen 127.0.0.1:{PORT};
    root html;
    cors app;
    location / { }
    location /pna/ { cors pna; alias html/; }
    location /tf/ { try_files $uri @fallback; }
    location /tfuri/ { try_files $uri /data.txt; }
    location @fallback { return 200 "fallback\n"; }
    location /ep/ { error_page 404 = @notfound; }
    location @notfound { return 404 "named 404\n"; }
}
server {
    listen 127.0.0.1:{PORT2};
    large_client_header_buffers 4 256k;
    root html;
    cors app;
    location / { }
}
"#;

/// [`EXTRA_HTTP`] with [`EXTRA_POLICIES`], run with a master process so that a crashed
/// worker is logged and replaced.
pub fn extra_setup() -> Setup {
    Setup::new(EXTRA_HTTP)
        .file("policies.cors", EXTRA_POLICIES)
        .file("html/data.txt", "data\n")
        .master()
}
