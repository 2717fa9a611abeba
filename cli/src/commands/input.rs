//! What `check`, `lint` and `fmt` read: the inputs named on the command line (`-` for
//! stdin, a directory for every `*.cors` under it, a file as given), and reading one as
//! policy source with a one-line error for what is not (an empty or binary file, a
//! compiled `.corsb`), as shellcheck and ruff do.

use cors_dsl::corsb;
use cors_dsl::load::{read_bounded, ReadError};
use cors_dsl::table_limit;
use cors_dsl::SourceLimit;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `--max-source-size`: one value for the whole process, set once by `main` before any
/// command runs (every reader below, and the library's includes, use it).
static SOURCE_LIMIT: OnceLock<SourceLimit> = OnceLock::new();

/// Sets the [`source_limit`] (`main`, from `--max-source-size`).
pub fn set_source_limit(limit: SourceLimit) {
    let _ = SOURCE_LIMIT.set(limit);
}

/// How large one policy source file may be in this run.
pub fn source_limit() -> SourceLimit {
    SOURCE_LIMIT.get().copied().unwrap_or_default()
}

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `-`: standard input, shown (and its includes resolved) as `name`.
    Stdin {
        /// `--stdin-filename`, or `<stdin>`.
        name: PathBuf,
    },
    /// A file named on the command line or found in a directory.
    File {
        /// The path.
        path: PathBuf,
        /// Found by searching a directory (not named): a file another input includes
        /// is then linted only as part of that input.
        found: bool,
    },
}

impl Input {
    /// The path to show and to resolve includes against.
    pub fn path(&self) -> &Path {
        match self {
            Input::Stdin { name } => name,
            Input::File { path, .. } => path,
        }
    }
}

/// An input that cannot be used, in one line: what it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input as given.
    pub path: PathBuf,
    /// Lower-case, values in backticks, no trailing period.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The inputs named by `args`, in order: `-` is stdin, a directory is every `*.cors`
/// file under it (sorted; hidden entries skipped), anything else is a file, whatever
/// its name. A file reached twice is read once. Directories that cannot be read are
/// errors in the list's place.
pub fn expand(args: &[PathBuf], stdin_name: Option<&Path>) -> Vec<Result<Input, InputError>> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            let name = stdin_name.map_or_else(|| PathBuf::from("<stdin>"), Path::to_path_buf);
            out.push(Ok(Input::Stdin { name }));
            continue;
        }
        if !arg.is_dir() {
            if seen.insert(identity(arg)) {
                out.push(Ok(Input::File { path: arg.clone(), found: false }));
            }
            continue;
        }
        let mut found = Vec::new();
        if let Err(e) = walk(arg, &mut found) {
            out.push(Err(e));
        }
        found.sort();
        for path in found {
            if seen.insert(identity(&path)) {
                out.push(Ok(Input::File { path, found: true }));
            }
        }
    }
    out
}

fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Every `*.cors` file under `dir`, skipping hidden entries (`.git`).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError {
        path: dir.to_path_buf(),
        message: format!("cannot read directory `{}`: {}", dir.display(), io_reason(&e)),
    })?;
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "cors") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads `input` as policy source: UTF-8 text with something in it.
pub fn read_source(input: &Input) -> Result<String, InputError> {
    let path = input.path();
    let err = |message: String| InputError { path: path.to_path_buf(), message };
    let bytes = match input {
        Input::Stdin { .. } => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(source_limit().bytes() + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| err(format!("cannot read standard input: {}", io_reason(&e))))?;
            bytes
        }
        Input::File { path, .. } => read_file(path).map_err(err)?,
    };
    classify(path, bytes).map_err(err)
}

/// A regular file's bytes, or why not. Read with a limit whatever the file claims
/// (`cors_dsl::load::read_bounded`); the limit is a table's (`cors_dsl::open::table_limit`),
/// so a large `.corsb` is still recognised as one.
fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |why: String| format!("cannot read `{}`: {why}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| cannot(io_reason(&e)))?;
    if meta.is_dir() {
        return Err(cannot("is a directory".into()));
    }
    let limit = source_limit();
    read_bounded(path, table_limit(limit)).map_err(|e| match e {
        ReadError::Io(e) => cannot(io_reason(&e)),
        ReadError::TooLarge(_) => {
            format!(
                "`{}` is larger than {limit}, the policy source limit: raise it with \
                 `--max-source-size` (e.g. `--max-source-size 64m`) if it really is one",
                path.display(),
            )
        }
        e => cannot(e.to_string()),
    })
}

/// Policy source, or a one-line verdict on what the bytes are instead.
pub fn classify(path: &Path, bytes: Vec<u8>) -> Result<String, String> {
    let name = path.display();
    if corsb::is_table(&bytes) {
        return Err(format!(
            "`{name}` is a compiled rule table (`.corsb`), not policy source: give the `.cors` \
             file it was compiled from (`corsc explain` reads tables)"
        ));
    }
    if corsb::is_damaged_table(&bytes) {
        return Err(format!(
            "`{name}` is a damaged compiled rule table (`.corsb`): its magic bytes are \
             wrong; recompile it from its policy source"
        ));
    }
    let limit = source_limit();
    if bytes.len() as u64 > limit.bytes() {
        return Err(format!(
            "`{name}` is larger than {limit}, the policy source limit: raise it with \
             `--max-source-size` (e.g. `--max-source-size 64m`) if it really is one"
        ));
    }
    // git's test for binary content: a NUL byte near the start.
    if bytes.iter().take(8000).any(|&b| b == 0) {
        return Err(format!(
            "`{name}` is a binary file, not policy source: give a `.cors` text file"
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{name}` is not UTF-8 text (invalid byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err(format!(
            "`{name}` is empty: a policy file defines at least one `policy NAME {{ … }}`; write one, \
             or leave the file out"
        ));
    }
    Ok(text)
}

/// Short, platform-independent wording for the common I/O failures.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_what_is_not_policy_source() {
        let p = Path::new("p.cors");
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"policy a { origin *; }\n", None),
            (b"", Some("is empty")),
            (b" \n\t\n", Some("is empty")),
            (b"policy\0a", Some("is a binary file")),
            (b"policy \xff", Some("is not UTF-8 text")),
        ];
        for (bytes, want) in cases {
            let got = classify(p, bytes.to_vec());
            match want {
                None => assert!(got.is_ok(), "{bytes:?}: {got:?}"),
                Some(w) => {
                    assert!(got.as_ref().is_err_and(|e| e.contains(w)), "{bytes:?}: {got:?}")
                }
            }
        }
        let mut table = corsb::MAGIC.to_vec();
        table.extend_from_slice(b"rest");
        let got = classify(p, table);
        assert!(got.is_err_and(|e| e.contains("compiled rule table")));
    }
}
