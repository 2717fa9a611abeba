//! The nginx under test: one location per policy on the API server
//! (`http://localhost:PORT`), and a second server that serves the pages
//! (`http://<host>:PORT2`) and the backend the API proxies to.

use cors_tests::Setup;
use std::fmt::Write as _;

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
# Wildcard method and header lists with credentials: answered with what was asked for.
policy credwild {
    origin http://127.0.0.1:{PORT2};
    methods *;
    headers *;
    expose X-Request-ID;
    credentials on;
}
# Subdomains on any port (preview environments on random ports).
policy wildanyport {
    origin http://*.app.localhost:*;
    methods GET PUT;
}
# Every response header readable (no credentials).
policy exposeall {
    origin http://127.0.0.1:{PORT2};
    expose *;
}
"#;

/// The body of the API's error page (`/errors/404.json`).
pub const ERROR_BODY: &str = "{\"error\":\"not found\"}";

/// Policy names; each gets `location /p/NAME/` on the server under test.
const POLICY_NAMES: &[&str] = &[
    "basic",
    "readonly",
    "creds",
    "public",
    "cached",
    "uncached",
    "wild",
    "regex",
    "nullok",
    "credwild",
    "exposeall",
    "wildanyport",
];

/// The nginx configuration: [`POLICIES`], a location per policy, the page server.
pub fn nginx_setup() -> Setup {
    let mut locations = String::new();
    for name in POLICY_NAMES {
        // Answers come from a proxied backend, whose headers (`X-Request-ID`,
        // `X-Secret`) the exposure scenarios read.
        let _ = write!(
            locations,
            "        location /p/{name}/ {{ cors {name}; proxy_pass http://127.0.0.1:{{PORT2}}/backend/; }}\n\
             \x20       location = /p/{name}/missing {{ cors {name}; }}\n\
             \x20       location = /p/{name}/down {{ cors {name}; proxy_pass http://127.0.0.1:1; }}\n\
             \x20       location = /p/{name}/errpage {{ cors {name}; error_page 404 /errors/404.json; }}\n"
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
{locations}
        # Error pages of every API location: no `cors` here, the API's answer applies.
        location /errors/ {{ internal; alias {{PREFIX}}/errors/; default_type application/json; }}
    }}

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
        .file("html/page.html", include_str!("../../browser/page.html"))
        .file("html/runner.js", include_str!("../../browser/runner.js"))
        .file("empty/.keep", "")
        .file("errors/404.json", ERROR_BODY)
}
