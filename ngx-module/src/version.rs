//! What the module says about itself when nginx loads it, so operators can tell which
//! build is running: `nginx -V` lists only modules compiled in, and a reload keeps a
//! `.so` nginx has already mapped, so the package's version on disk is not proof.
//!
//! One `info` line in the error log after every configuration load (start, reload,
//! `nginx -t`), from `init_module`:
//! `ngx_http_cors_module/0.1.0 (built for nginx/1.22.1)`.

use crate::ffi;

/// The line logged at load: this crate's version and the nginx headers it was compiled
/// against (which `load_module` has already checked against the running binary).
pub fn line() -> String {
    let built_for = ngx::ffi::NGINX_VERSION.to_string_lossy();
    format!("ngx_http_cors_module/{} (built for nginx/{built_for})", env!("CARGO_PKG_VERSION"))
}

/// Logs [`line`] at `info` in the cycle's error log.
pub fn announce(cycle: &ffi::Cycle) {
    cycle.log_info(line().as_bytes());
}
