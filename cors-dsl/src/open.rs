//! Opening a policy file, whatever it holds, and the one build pipeline.
//!
//! `cors_policy_file` and `corsc explain` accept either a compiled `.corsb` table or
//! policy source; [`open`] is the one place that tells them apart (by the magic
//! bytes), so the module and the CLI cannot disagree about a file. Source goes through
//! [`build`]: load (with includes) → check → compile → lint, the same steps
//! `corsc check`, `corsc compile`, `corsc explain` and `nginx -t` take, so they accept
//! exactly the same policies: those without an error of any kind, language error,
//! compile error, lint finding of error severity (unless a `# corsc: allow CODE
//! reason` comment suppresses it) or `expect` statement the policy does not keep.

use crate::corsb::{self, TableError};
use crate::load::{load_file, load_str, read_bounded, Loaded, ReadError, MAX_FILE_SIZE};
use crate::table::RuleTable;
use crate::{compile, expect, lint};
use std::path::Path;

/// What a policy file turned out to be.
#[derive(Debug)]
pub enum Opened {
    /// A compiled `.corsb` table, read and validated.
    Table(RuleTable),
    /// Policy source, built with [`build`]: the table and the lint findings, or every
    /// error (and the sources, for rendering).
    Source(Result<(RuleTable, Loaded), Loaded>),
}

/// Why a file could not be opened at all (as opposed to policy errors, which are
/// diagnostics in [`Opened::Source`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The file cannot be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file (a directory, a device or a pipe could block or never end).
    #[error("not a regular file")]
    NotAFile,
    /// Neither a compiled table nor UTF-8 text.
    #[error("not UTF-8 text, and not a compiled rule table")]
    NotUtf8,
    /// Policy source larger than [`MAX_FILE_SIZE`] (or a file larger than
    /// [`MAX_TABLE_SIZE`]).
    #[error("larger than {} MiB", MAX_FILE_SIZE >> 20)]
    TooLarge,
    /// A compiled table that does not load.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The largest `.corsb` file read: a compiled table holds each rule's rendered
/// header values, so it may be larger than its source, but not by this much.
pub const MAX_TABLE_SIZE: u64 = 4 * MAX_FILE_SIZE;

/// Reads `path` once (at most [`MAX_TABLE_SIZE`] bytes, whatever kind of file it is)
/// and opens it as a `.corsb` table or as policy source.
pub fn open(path: &Path) -> Result<Opened, OpenError> {
    let bytes = read_bounded(path, MAX_TABLE_SIZE).map_err(|e| match e {
        ReadError::Io(e) => OpenError::Io(e),
        ReadError::NotAFile => OpenError::NotAFile,
        ReadError::TooLarge(_) => OpenError::TooLarge,
    })?;
    if corsb::is_table(&bytes) {
        return Ok(Opened::Table(RuleTable::from_bytes(&bytes)?));
    }
    if corsb::is_damaged_table(&bytes) {
        return Err(OpenError::Table(TableError::DamagedMagic));
    }
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(OpenError::TooLarge);
    }
    let text = String::from_utf8(bytes).map_err(|_| OpenError::NotUtf8)?;
    Ok(Opened::Source(build(path, &text)))
}

/// Policy text as if read from `path` (includes are read relative to it) → checked,
/// compiled and linted. `Ok` only for an acceptable policy: the table, and the
/// remaining findings (warnings, infos) in [`Loaded::diagnostics`]. Otherwise the
/// sources and every finding, errors first among equals (sorted by position).
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build(path: &Path, text: &str) -> Result<(RuleTable, Loaded), Loaded> {
    accept(compile_loaded(load_str(path, text)))
}

/// Reads, checks, compiles and lints a policy file in one step: [`build`] on a file
/// read with [`load_file`] (an unreadable file is a `CORS012` diagnostic).
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build_table(path: &Path) -> Result<(RuleTable, Loaded), Loaded> {
    accept(compile_loaded(load_file(path)))
}

/// Compiles a loaded policy set; language errors and compile errors come back with
/// the sources.
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
fn compile_loaded(mut loaded: Loaded) -> Result<(RuleTable, Loaded), Loaded> {
    let Some(set) = loaded.set.as_ref() else { return Err(loaded) };
    match compile(set, &loaded.sources) {
        Ok(table) => Ok((table, loaded)),
        Err(errors) => {
            loaded.add(errors);
            loaded.set = None;
            Err(loaded)
        }
    }
}

/// Lints a compiled policy and refuses it when a finding is an error: one severity
/// scale for every tool.
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
fn accept(built: Result<(RuleTable, Loaded), Loaded>) -> Result<(RuleTable, Loaded), Loaded> {
    let (table, mut loaded) = built?;
    if let Some(set) = loaded.set.as_ref() {
        let findings = lint::lint(set, &loaded.sources);
        let failed = expect::run(set, &table);
        loaded.add(findings);
        loaded.add(failed);
    }
    if loaded.has_errors() {
        loaded.set = None;
        return Err(loaded);
    }
    Ok((table, loaded))
}
