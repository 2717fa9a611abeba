//! End-to-end tests of the `corsc` binary: run the real executable, snapshot its exit
//! code, stdout and stderr (ruff's layout), and check the behaviour snapshots cannot
//! show on their own (files written, tables equal, idempotence).
//!
//! Commands run from the workspace root so paths in the output are the short relative
//! ones a user types (`examples/spa-api.cors`); temporary paths are redacted.

// The example and meaning helpers of cors-dsl's own tests.
#[path = "../../../cors-dsl/tests/common/mod.rs"]
mod common;

pub use common::{example_paths, file_meaning};
pub use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the examples and fixtures are addressed from there.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A fresh scratch directory for one test, under cargo's target tmp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("corsc-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The snapshot text, with `scratch` (if any) replaced by `[TMP]` and the
    /// workspace root (SARIF's `%SRCROOT%`) by `[ROOT]`.
    pub fn snapshot(&self, scratch: Option<&Path>) -> String {
        let text = format!(
            "exit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        );
        let text = match scratch {
            Some(dir) => text.replace(&dir.display().to_string(), "[TMP]"),
            None => text,
        };
        text.replace(&root().display().to_string(), "[ROOT]")
    }
}

pub fn corsc(args: &[&str]) -> Run {
    corsc_io(args, b"", &[])
}

/// [`corsc`] with `stdin` piped in and `env` set (colour variables are cleared first,
/// so the caller's terminal settings never leak in).
pub fn corsc_io(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corsc"));
    cmd.args(args).current_dir(root());
    for var in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run corsc");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("wait for corsc");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Snapshots `text` as `cli/tests/snapshots/cli__NAME.snap`, whichever module asks.
#[macro_export]
macro_rules! snapshot {
    ($name:literal, $text:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(concat!("cli__", $name), $text)
        })
    };
}

/// Runs, asserts the exit code, snapshots everything.
#[macro_export]
macro_rules! case {
    ($name:literal, $code:expr, $args:expr) => {{
        let run = $crate::corsc($args);
        $crate::snapshot!($name, run.snapshot(None));
        assert_eq!(run.code, $code, "exit code of corsc {:?}\n{}", $args, run.stderr);
        run
    }};
}

mod check;
mod compile;
mod conventions;
mod diff;
mod explain;
mod fix;
mod fmt;
mod lint;
mod misc;
mod test;
