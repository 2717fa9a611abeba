//! Where the nginx under test comes from, and what a missing piece means.
//!
//! Tests need an nginx binary and the module built for it, and some need more
//! (HTTP/2 support, Chromium). When something is missing a test is skipped loudly on a
//! developer's machine and fails under `CI=true`: CI never passes by testing nothing.

use std::path::{Path, PathBuf};

/// The nginx binary and module under test.
#[derive(Debug, Clone)]
pub struct Env {
    /// The nginx executable.
    pub nginx: PathBuf,
    /// `ngx_http_cors_module.so` built for that nginx.
    pub module: PathBuf,
}

/// Whether this run is CI's: `CI=true`. `CI=false`, any other value, or no `CI` at
/// all is a developer's run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Gives up on a test because `what` is unavailable: fails under CI, otherwise prints a
/// message nobody can miss (the caller then returns without testing).
pub fn skip(what: &str) {
    assert!(!in_ci(), "{what}");
    eprintln!("\n!!!!!!!! SKIPPED: {what} !!!!!!!!\n");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Finds nginx and the module; `None` (after a loud message) when they are missing and
/// this is not CI. Under `CI=true` a missing nginx is a failure, never a silent pass.
///
/// Which nginx and module: `CORS_TEST_NGINX` and `CORS_TEST_MODULE`, defaulting to the
/// vendored build that `scripts/build-module.sh` leaves in `target/nginx/`.
pub fn env() -> Option<Env> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let nginx = std::env::var_os("CORS_TEST_NGINX")
        .map_or_else(|| target.join("nginx/nginx"), PathBuf::from);
    let module = std::env::var_os("CORS_TEST_MODULE")
        .map_or_else(|| target.join("nginx/ngx_http_cors_module.so"), PathBuf::from);
    if nginx.is_file() && module.is_file() {
        return Some(Env { nginx, module });
    }
    skip(&format!(
        "nginx or the module not found (nginx: {}, module: {}); run scripts/build-module.sh \
         or set CORS_TEST_NGINX and CORS_TEST_MODULE",
        nginx.display(),
        module.display()
    ));
    None
}

/// `let env = require_nginx!();` at the top of a test: skips (loudly) or fails (CI).
#[macro_export]
macro_rules! require_nginx {
    () => {
        match $crate::env() {
            Some(env) => env,
            None => return,
        }
    };
}
