//! The subcommands, one file each, and what they share: where output goes, how a run
//! ends, our own (non-policy) errors, and reading policy files.
//!
//! Commands never print with `println!`: they write to the [`Term`] they are given, so
//! a closed pipe becomes an error `main` can handle instead of a panic.

pub mod check;
pub mod compile;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod input;
pub mod lint;
pub mod rules;
pub mod test;

use crate::args::OutputFormat;
use cors_dsl::render::Failure;
use cors_dsl::span::FileId;
use cors_dsl::{Diagnostic, Loaded, PolicySet, RuleTable, Severity, SourceMap, Span, Summary};
use input::{Input, InputError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a command writes, and whether each stream gets colours.
pub struct Term<'a> {
    /// Results (machine formats, explain, rules).
    pub out: &'a mut dyn Write,
    /// Diagnostics for people, progress.
    pub err: &'a mut dyn Write,
    /// Colour on stdout.
    pub color_out: bool,
    /// Colour on stderr.
    pub color_err: bool,
}

/// How a command that ran to the end went: exit code 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: findings at the failing level, a refused request, files to reformat.
    Failed,
    /// Exit 2: an input could not be read or is not policy source (already reported).
    InputFailed,
}

impl Outcome {
    /// `Failed` when `failed` is true.
    pub fn from_failed(failed: bool) -> Self {
        if failed {
            Outcome::Failed
        } else {
            Outcome::Clean
        }
    }
}

/// Failures of the tool itself (as opposed to findings about a policy): exit code 2.
#[derive(Debug)]
pub enum CliError {
    /// Reading or writing a file failed.
    Io {
        /// `read`, `write`, …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing to stdout or stderr failed.
    Write(std::io::Error),
    /// Arguments that parse but make no sense (unknown policy, unknown code).
    Usage(String),
    /// An input that is not policy source, or cannot be read (one line says which).
    Input(InputError),
    /// A compiled table that cannot be read.
    Table {
        /// The file.
        path: PathBuf,
        /// Why.
        source: cors_dsl::TableError,
    },
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Io { action, path, .. } => {
                write!(f, "cannot {action} `{}`", path.display())
            }
            CliError::Write(_) => f.write_str("cannot write output"),
            CliError::Usage(msg) => f.write_str(msg),
            CliError::Input(e) => write!(f, "{e}"),
            CliError::Table { path, .. } => write!(f, "cannot load `{}`", path.display()),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Io { source, .. } | CliError::Write(source) => Some(source),
            CliError::Table { source, .. } => Some(source),
            CliError::Usage(_) | CliError::Input(_) => None,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Write(e)
    }
}

/// Reads, checks, compiles and lints a policy file ([`cors_dsl::build`], the one
/// verdict every tool and `nginx -t` share): the table and the remaining findings, or
/// the sources and every finding when the policy is refused. The root file is read
/// here (not by the library) so an unreadable one, or one that is not policy source,
/// is a one-line error (exit 2), not a finding.
pub fn build(path: &Path) -> Result<Result<(RuleTable, Loaded), Loaded>, CliError> {
    let input = Input::File { path: path.to_path_buf(), found: false };
    let text = input::read_source(&input).map_err(CliError::Input)?;
    Ok(cors_dsl::build_with(path, &text, input::source_limit()))
}

/// Diagnostics of several independently loaded files gathered into one source map,
/// so that machine formats print one document for the whole run.
#[derive(Debug, Default)]
pub struct Report {
    /// Every file read, from every root.
    pub sources: SourceMap,
    /// Every finding, its spans pointing into `sources`.
    pub diagnostics: Vec<Diagnostic>,
    /// How many root files were given.
    pub files: usize,
    /// Inputs that could not be read or are not policy source.
    pub failures: Vec<Failure>,
    /// Findings counted but not kept (beyond `cors_dsl::MAX_DIAGNOSTICS` of a kind in
    /// one root file), of the severities the command shows.
    pub omitted: Summary,
    /// Every policy name defined so far, where, and in which root file: the files of
    /// one run are loaded together, as nginx loads its `cors_policy_file`s.
    policies: std::collections::HashMap<String, (Span, String)>,
}

impl Report {
    /// Adds one root file's sources and findings, re-numbering their file ids.
    pub fn add(&mut self, sources: &SourceMap, diagnostics: Vec<Diagnostic>) {
        self.add_root(sources, diagnostics, None);
    }

    /// [`Report::add`], and reports each policy of `set` whose name an earlier root file
    /// already defines: `CORS011`, as `nginx -t` refuses the second file.
    pub fn add_root(
        &mut self,
        sources: &SourceMap,
        diagnostics: Vec<Diagnostic>,
        set: Option<&PolicySet>,
    ) {
        self.files += 1;
        let base = self.sources.files().count() as u32;
        for (_, file) in sources.files() {
            self.sources.add(file.clone());
        }
        let shift = |id: &mut FileId| id.0 += base;
        for mut d in diagnostics {
            shift(&mut d.span.file);
            d.secondary.iter_mut().for_each(|l| shift(&mut l.span.file));
            if let Some(fix) = d.fix.as_mut() {
                shift(&mut fix.span.file);
            }
            self.diagnostics.push(d);
        }
        let root = sources.path(FileId(0)).display().to_string();
        for policy in set.map_or(&[][..], |s| &s.policies) {
            let mut span = policy.name.span;
            shift(&mut span.file);
            let name = &policy.name.node;
            match self.policies.get(name) {
                Some((first, file)) => {
                    let d = Diagnostic::new(
                        cors_dsl::codes::DUPLICATE_POLICY,
                        span,
                        format!("policy `{name}` is already defined in `{file}`"),
                    )
                    .label("second definition")
                    .secondary(*first, "first defined here")
                    .help("nginx refuses a policy file that redefines a policy: rename one, or merge them");
                    self.diagnostics.push(d);
                }
                None => {
                    self.policies.insert(name.clone(), (span, root.clone()));
                }
            }
        }
    }

    /// Counts the findings a root's loading left out (`Loaded::omitted`) that are of a
    /// severity `shown` keeps: they are part of "… and M more" and of the summary.
    pub fn omit(&mut self, omitted: Summary, shown: impl Fn(Severity) -> bool) {
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            if shown(severity) {
                self.omitted.count(severity, omitted.get(severity));
            }
        }
    }

    /// Records an input that could not be linted.
    pub fn fail(&mut self, e: &InputError) {
        self.failures
            .push(Failure { path: e.path.display().to_string(), message: e.message.clone() });
    }

    /// The diagnostics in `format` (human text is coloured when `color`; `quiet`
    /// leaves out its summary line). Failures are in machine formats only: people see
    /// them as `error:` lines on stderr.
    pub fn render(&self, format: OutputFormat, color: bool) -> String {
        self.render_with(format, color, false)
    }

    /// [`Report::render`], with `quiet`.
    pub fn render_with(&self, format: OutputFormat, color: bool, quiet: bool) -> String {
        use cors_dsl::render::{github, human, json, sarif};
        let (sources, diags, failures) = (&self.sources, &self.diagnostics, &self.failures);
        match format {
            OutputFormat::Human => human::render_run(sources, diags, self.omitted, color, quiet),
            OutputFormat::Json => json::render_run(sources, diags, failures, self.omitted),
            OutputFormat::Sarif => {
                let base = std::env::current_dir().ok();
                sarif::render_run(sources, diags, failures, self.omitted, base.as_deref())
            }
            OutputFormat::Github => github::render_run(sources, diags, failures, self.omitted),
        }
    }

    /// Puts the findings in file and position order (after files were added one by
    /// one and cross-file findings appended).
    pub fn sort(&mut self) {
        self.diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end, d.code));
    }
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Writes rendered text, adding the final newline a renderer may leave out.
pub fn write_block(w: &mut dyn Write, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    w.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes a file atomically: a temporary file next to it, then a rename, so a reader
/// (nginx reloading) never sees half a table and a failed write leaves the old file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let io = |source| CliError::Io { action: "write", path: path.into(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// ANSI styling, applied only when the stream gets colours.
pub fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_dsl::span::{SourceFile, Span};

    fn one_file(path: &str) -> (SourceMap, Vec<Diagnostic>) {
        let mut map = SourceMap::new();
        let id = map.add(SourceFile::new(path, "policy x {}\n"));
        let span = Span { file: id, start: 7, end: 8, line: 1, col: 8 };
        let diag = Diagnostic::new(cors_dsl::codes::UNKNOWN_DIRECTIVE, span, "m")
            .secondary(span, "here")
            .fix(span, "y", "rename");
        (map, vec![diag])
    }

    #[test]
    fn report_renumbers_files_of_later_roots() {
        let mut report = Report::default();
        for path in ["a.cors", "b.cors"] {
            let (map, diags) = one_file(path);
            report.add(&map, diags);
        }
        assert_eq!(report.files, 2);
        let second = &report.diagnostics[1];
        for id in [
            second.span.file,
            second.secondary[0].span.file,
            second.fix.as_ref().map_or(FileId(99), |f| f.span.file),
        ] {
            assert_eq!(report.sources.path(id), Path::new("b.cors"));
        }
        assert_eq!(report.sources.path(report.diagnostics[0].span.file), Path::new("a.cors"));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("corsc-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("t.corsb");
        for content in [&b"first"[..], b"second"] {
            assert!(write_atomic(&file, content).is_ok());
            assert_eq!(std::fs::read(&file).ok().as_deref(), Some(content));
        }
        let entries = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(entries, 1, "temporary file left in {}", dir.display());
        let missing = dir.join("no-such-dir").join("t.corsb");
        assert!(matches!(write_atomic(&missing, b"x"), Err(CliError::Io { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
