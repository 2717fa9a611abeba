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
use crate::load::{load_file_with, load_string_with, read_bounded, Loaded, ReadError, SourceLimit};
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
    /// Policy source larger than its [`SourceLimit`] (or any file larger than
    /// [`table_limit`] of it).
    #[error(
        "{size} bytes, larger than the policy source limit of {limit}; {}",
        crate::load::too_large_help(*limit)
    )]
    TooLarge {
        /// The file's size (as it claims, or at least what was read of it).
        size: u64,
        /// The limit it exceeds.
        limit: SourceLimit,
    },
    /// A compiled table that does not load.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The largest `.corsb` file read: a compiled table holds each rule's rendered
/// header values, so it may be larger than its source, but not by this much.
pub const MAX_TABLE_SIZE: u64 = 4 * SourceLimit::DEFAULT.bytes();

/// Reads `path` once (at most [`MAX_TABLE_SIZE`] bytes, whatever kind of file it is)
/// and opens it as a `.corsb` table or as policy source.
pub fn open(path: &Path) -> Result<Opened, OpenError> {
    open_with(path, SourceLimit::DEFAULT)
}

/// The most bytes [`open_with`] reads of one file: [`MAX_TABLE_SIZE`], or four times
/// the source limit when that was raised (a table compiled from a larger source may
/// be larger too).
pub fn table_limit(limit: SourceLimit) -> u64 {
    MAX_TABLE_SIZE.max(limit.bytes().saturating_mul(4))
}

/// [`open`] with a [`SourceLimit`] for policy source (a `.corsb` is bound by
/// [`table_limit`] instead). The file is read once, with
/// [`crate::load::read_bounded`], whatever it claims to be.
pub fn open_with(path: &Path, limit: SourceLimit) -> Result<Opened, OpenError> {
    let read_limit = table_limit(limit);
    let bytes = read_bounded(path, read_limit).map_err(|e| match e {
        ReadError::Io(e) => OpenError::Io(e),
        ReadError::NotAFile => OpenError::NotAFile,
        ReadError::TooLarge(_) => {
            let claimed = std::fs::metadata(path).map_or(0, |m| m.len());
            OpenError::TooLarge { size: claimed.max(read_limit + 1), limit }
        }
    })?;
    open_owned(path, bytes, limit)
}

/// [`open_with`] over the file's contents, already read or mapped by the caller
/// (nginx's module maps it): a `.corsb` table keeps `contents` and uses them in place
/// ([`RuleTable::from_owner`]); policy source is copied into a `String` and built.
/// Contents larger than [`table_limit`] are refused, as [`open_with`] refuses them.
pub fn open_owned<T: AsRef<[u8]> + Send + 'static>(
    path: &Path,
    contents: T,
    limit: SourceLimit,
) -> Result<Opened, OpenError> {
    let bytes = contents.as_ref();
    let size = bytes.len() as u64;
    if size > table_limit(limit) {
        return Err(OpenError::TooLarge { size, limit });
    }
    if corsb::is_table(bytes) {
        return Ok(Opened::Table(RuleTable::from_owner(contents)?));
    }
    if corsb::is_damaged_table(bytes) {
        return Err(OpenError::Table(TableError::DamagedMagic));
    }
    if size > limit.bytes() {
        return Err(OpenError::TooLarge { size, limit });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| OpenError::NotUtf8)?;
    Ok(Opened::Source(build_with(path, text, limit)))
}

/// Policy text as if read from `path` (includes are read relative to it) → checked,
/// compiled and linted. `Ok` only for an acceptable policy: the table, and the
/// remaining findings (warnings, infos) in [`Loaded::diagnostics`]. Otherwise the
/// sources and every finding, errors first among equals (sorted by position).
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build(path: &Path, text: &str) -> Result<(RuleTable, Loaded), Loaded> {
    build_with(path, text, SourceLimit::DEFAULT)
}

/// [`build`] with a [`SourceLimit`] for the included files.
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build_with(
    path: &Path,
    text: &str,
    limit: SourceLimit,
) -> Result<(RuleTable, Loaded), Loaded> {
    build_string_with(path, text.to_string(), limit)
}

/// [`build_with`] taking the text: it is kept in [`Loaded::sources`] as it is, not
/// copied (a generated policy may be tens of megabytes: issue #13).
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build_string_with(
    path: &Path,
    text: String,
    limit: SourceLimit,
) -> Result<(RuleTable, Loaded), Loaded> {
    accept(compile_loaded(load_string_with(path, text, limit)))
}

/// Reads, checks, compiles and lints a policy file in one step: [`build`] on a file
/// read with [`load_file`] (an unreadable file is a `CORS012` diagnostic).
// The refused case carries every file read and the findings, by design; it is the
// cold path (a policy nginx will not load).
#[allow(clippy::result_large_err)]
pub fn build_table(path: &Path) -> Result<(RuleTable, Loaded), Loaded> {
    accept(compile_loaded(load_file_with(path, SourceLimit::DEFAULT)))
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
