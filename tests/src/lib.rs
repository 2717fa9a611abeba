//! A harness for testing `ngx_http_cors_module` inside a real nginx.
//!
//! Claims about nginx behaviour (filter order, error pages, upstream headers, reloads)
//! are only worth something when a real nginx makes them, so every test here starts
//! one: a temporary prefix, a generated `nginx.conf` that loads the module, a free
//! loopback port.
//!
//! - [`env`]: which nginx and module (`CORS_TEST_NGINX`, `CORS_TEST_MODULE`), and the
//!   one "is this CI?" rule ([`in_ci`], [`skip`]).
//! - [`tmp`]: temporary prefixes and free loopback ports.
//! - [`nginx`]: writing a configuration, `nginx -t`, running and reloading nginx.
//! - [`http`]: the raw HTTP/1.x client.
//! - [`fastcgi`]: a minimal FastCGI responder, for `fastcgi_pass` behind a policy.
//! - [`fixtures`]: the policies and servers most real-nginx tests share.
//! - [`cases`]: request/expected-response tables and their runner.
//! - [`hostile`]: the hostile-traffic corpus runner (raw HTTP/1.x, pipelining, HTTP/2).

pub mod cases;
pub mod env;
pub mod fastcgi;
pub mod fixtures;
pub mod hostile;
pub mod http;
pub mod nginx;
pub mod tmp;

pub use env::{env, in_ci, skip, Env};
pub use http::{send_raw, statuses, Conn, Req, Response};
pub use nginx::{assert_no_crash, nginx_t, our_lines, wait_for, Files, Nginx, Prefix, Setup};
pub use tmp::{free_port, TempDir};
