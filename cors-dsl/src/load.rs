//! Loading: read a root policy file and its `include`s, parse, check.
//!
//! This is the only place that touches the file system. It resolves `include`
//! directives (relative to the including file, at the top level or inside a block,
//! where the included directives are spliced in as if written there), detects include
//! cycles, and hands the expanded tree to [`crate::check`]. Callers always get the
//! sources and diagnostics back, even when the root file cannot be read, so every
//! failure can be rendered the same way.

use crate::ast::{ArgKind, Directive};
use crate::check::TopLevelChecker;
use crate::codes;
use crate::diag::Diagnostic;
use crate::diagnostics::{Diagnostics, Summary};
use crate::lint::suppress;
use crate::model::{PolicySet, Suppression};
use crate::span::{FileId, SourceFile, SourceMap, Span};
use crate::syntax;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are refused: a policy is a few kilobytes, and the limit
/// keeps a mistaken `include` of a huge file from exhausting memory.
pub const MAX_FILE_SIZE: u64 = 16 << 20;

/// The most `include`s one policy file may expand, counting every time a file is
/// included (a file included twice counts twice). Cycles are refused anyway; this
/// bounds fan-out: four `include`s per file over ten levels would be a million
/// expansions (issue #17).
pub const MAX_INCLUDES: usize = 1024;

/// The most text one policy file and its `include`s may amount to, counting a file
/// again each time it is included.
pub const MAX_TOTAL_SIZE: u64 = 2 * MAX_FILE_SIZE;

/// The result of loading a policy file: the sources read (for rendering), the policy
/// set when there were no errors, and every diagnostic found.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// The validated policies; `None` when any error was found.
    pub set: Option<PolicySet>,
    /// Errors (and, after linting, findings), in source order: the first
    /// [`crate::MAX_DIAGNOSTICS`] of each severity.
    pub diagnostics: Vec<Diagnostic>,
    /// How many diagnostics of each severity were found beyond those kept in
    /// `diagnostics` (counted, not kept: see [`crate::diagnostics`]).
    pub omitted: Summary,
    /// How many well-formed `expect` statements were read (kept when `set` is not).
    pub expectations: usize,
}

impl Loaded {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Adds the findings of a later stage (compile, lint, policy tests), keeping the
    /// first of each severity as the loader did.
    pub fn add(&mut self, diags: Vec<Diagnostic>) {
        if diags.is_empty() {
            return;
        }
        let mut all = Diagnostics::new();
        all.merge(std::mem::take(&mut self.diagnostics), self.omitted);
        all.extend(diags);
        (self.diagnostics, self.omitted) = all.finish();
    }
}

/// Reads `path` (and its includes) from disk, parses and checks it.
///
/// When `path` itself cannot be read, the result holds one empty source file named
/// after `path` and a `CORS012` diagnostic pointing at it.
pub fn load_file(path: &Path) -> Loaded {
    match read(path) {
        Ok(text) => load_str(path, &text),
        Err(why) => {
            let mut sources = SourceMap::new();
            let id = sources.add(SourceFile::new(path, ""));
            let span = Span { file: id, start: 0, end: 0, line: 1, col: 1 };
            let diag = Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!("cannot read `{}`: {why}", path.display()),
            )
            .label("cannot be read")
            .help("check the path and the file's permissions");
            Loaded {
                sources,
                set: None,
                diagnostics: vec![diag],
                omitted: Summary::default(),
                expectations: 0,
            }
        }
    }
}

/// Parses and checks `text` as if read from `path`; includes are read from disk
/// relative to `path`.
///
/// The top-level directives are checked as they are parsed, one at a time (with the
/// top-level directives of included files in their place), so memory holds one
/// top-level directive's tree at a time, not the file's.
pub fn load_str(path: &Path, text: &str) -> Loaded {
    let mut loader = Loader::default();
    let root = loader.sources.add(SourceFile::new(path, text));
    let key = canonical_or_given(path);
    loader.files.insert(key.clone(), root);
    let mut checker = TopLevelChecker::default();
    loader.stream(root, true, &mut vec![key], &mut checker);
    let (policies, expectations, check_diags) = checker.finish();
    let (kept, omitted) = check_diags.finish();
    loader.diags.merge(kept, omitted);
    let (diagnostics, omitted) = loader.diags.finish();
    let ok = omitted.errors == 0 && !diagnostics.iter().any(Diagnostic::is_error);
    let count = expectations.len();
    let set = ok.then(|| PolicySet {
        policies,
        suppressions: loader.suppressions,
        expectations: expectations.into_boxed_slice(),
    });
    Loaded { sources: loader.sources, set, diagnostics, omitted, expectations: count }
}

/// Reads a regular file of reasonable size (never a device or a directory, which
/// could block or be endless).
fn read(path: &Path) -> Result<String, String> {
    let bytes = read_bounded(path, MAX_FILE_SIZE).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Why [`read_bounded`] refused a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file cannot be opened or read.
    #[error("{}", io_reason(.0))]
    Io(#[from] std::io::Error),
    /// A directory, a device, a pipe or a socket: it could block or never end.
    #[error("not a regular file")]
    NotAFile,
    /// More bytes than the limit.
    #[error("larger than {} MiB", .0 >> 20)]
    TooLarge(u64),
}

/// A regular file's bytes, at most `limit` of them: the one way policy files, their
/// includes and compiled tables are read. The file is opened first and then asked
/// what it is (so it cannot be swapped between the question and the read), and read
/// through `take(limit + 1)` whatever its size claims: `/proc` files say 0, a file
/// may grow while read, and nothing but a limit on the read itself bounds memory.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Not opened at all unless it is a regular file: opening a FIFO blocks.
    if !std::fs::metadata(path)?.is_file() {
        return Err(ReadError::NotAFile);
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// Short, platform-independent wording for the common I/O failures.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// The identity of a file for cycle detection and caching. In-memory roots may not
/// exist on disk; their path as given is the best identity they have.
fn canonical_or_given(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[derive(Default)]
struct Loader {
    sources: SourceMap,
    diags: Diagnostics,
    suppressions: Vec<Suppression>,
    /// Files already read, by canonical path: a file included twice (not a cycle) is
    /// read, and reported on, once; later `include`s parse its text again, silently.
    files: HashMap<PathBuf, FileId>,
    /// `include`s expanded so far, and the bytes they brought in.
    includes: usize,
    included_bytes: u64,
    /// Whether the include limit was reported (once is enough).
    limit_reported: bool,
}

impl Loader {
    /// Parses file `id` one top-level directive at a time: each gets its includes
    /// spliced in and goes to `checker` (a top-level `include` streams the included
    /// file in its place). `first` is false when the file was parsed before: its
    /// syntax errors and suppressions are not collected twice.
    fn stream(
        &mut self,
        id: FileId,
        first: bool,
        stack: &mut Vec<PathBuf>,
        checker: &mut TopLevelChecker,
    ) {
        let Some(file) = self.sources.shared(id) else { return };
        let mut top = syntax::TopLevel::new(&file, id);
        for d in top.by_ref() {
            if first {
                self.suppressions.extend(suppress::collect_directive(&d));
            }
            if d.name() == "include" {
                if let Some((included, first)) = self.include(&d, id, stack) {
                    self.stream(included, first, stack, checker);
                    stack.pop();
                }
                continue;
            }
            checker.check(self.expand_block(d, id, stack));
        }
        let (trailing, diags) = top.finish();
        if first {
            self.suppressions.extend(suppress::collect_comments(&trailing));
            let (kept, omitted) = diags.finish();
            self.diags.merge(kept, omitted);
        }
    }

    /// `d` with every `include` in its block (at any depth) replaced by the included
    /// file's directives.
    fn expand_block(
        &mut self,
        mut d: Directive,
        file: FileId,
        stack: &mut Vec<PathBuf>,
    ) -> Directive {
        if let Some(block) = d.block.as_mut() {
            block.directives = self.expand(std::mem::take(&mut block.directives), file, stack);
        }
        d
    }

    /// `directives` with every `include` replaced by the included file's directives,
    /// at any depth. `stack` holds the canonical paths of the files being expanded.
    fn expand(
        &mut self,
        directives: Vec<Directive>,
        file: FileId,
        stack: &mut Vec<PathBuf>,
    ) -> Vec<Directive> {
        let mut out = Vec::with_capacity(directives.len());
        for d in directives {
            if d.name() != "include" {
                out.push(self.expand_block(d, file, stack));
                continue;
            }
            let Some((included, first)) = self.include(&d, file, stack) else { continue };
            if let Some(text) = self.sources.shared(included) {
                let (doc, diags) = syntax::parse_counted(&text, included);
                if first {
                    self.suppressions.extend(suppress::collect(&doc));
                    let (kept, omitted) = diags.finish();
                    self.diags.merge(kept, omitted);
                }
                out.extend(self.expand(doc.directives, included, stack));
            }
            stack.pop();
        }
        out
    }

    /// Resolves an `include` written in `file`: the included file's id (read now, or
    /// earlier) and whether this is its first reading, with its canonical path pushed
    /// on `stack` (the caller pops it). `None` when it was reported instead: a bad
    /// argument, a cycle, an unreadable file or the include limit.
    fn include(
        &mut self,
        d: &Directive,
        file: FileId,
        stack: &mut Vec<PathBuf>,
    ) -> Option<(FileId, bool)> {
        let arg = match (d.args.as_slice(), &d.block) {
            ([a], None) if a.kind != ArgKind::Tilde => a,
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_ARGUMENTS,
                        d.span,
                        "`include` takes exactly one path",
                    )
                    .label("expected one path and `;`")
                    .help("write `include \"other.cors\";`"),
                );
                return None;
            }
        };
        if self.includes >= MAX_INCLUDES || self.included_bytes > MAX_TOTAL_SIZE {
            self.over_limit(arg.span);
            return None;
        }
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let key = match std::fs::canonicalize(&joined) {
            Ok(k) => k,
            Err(e) => {
                self.cannot_read(arg.span, &joined, &io_reason(&e));
                return None;
            }
        };
        if let Some(pos) = stack.iter().position(|p| *p == key) {
            let chain: Vec<String> = stack
                .iter()
                .skip(pos)
                .chain(std::iter::once(&key))
                .map(|p| {
                    p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    )
                })
                .collect();
            self.diags.push(
                Diagnostic::new(
                    codes::INCLUDE_CYCLE,
                    d.span,
                    format!("include cycle: {}", chain.join(" → ")),
                )
                .label("includes a file that is already being read")
                .help("remove this `include`, or move the shared directives into a third file"),
            );
            return None;
        }
        let (id, first) = match self.files.get(&key) {
            Some(&id) => (id, false),
            None => {
                let text = match read(&joined) {
                    Ok(t) => t,
                    Err(why) => {
                        self.cannot_read(arg.span, &joined, &why);
                        return None;
                    }
                };
                let id = self.sources.add(SourceFile::new(&joined, text));
                self.files.insert(key.clone(), id);
                (id, true)
            }
        };
        self.includes += 1;
        self.included_bytes += self.sources.get(id).map_or(0, |f| f.text.len() as u64);
        if self.included_bytes > MAX_TOTAL_SIZE {
            self.over_limit(arg.span);
            return None;
        }
        stack.push(key);
        Some((id, first))
    }

    /// `CORS012` for the `include` that went over [`MAX_INCLUDES`] or
    /// [`MAX_TOTAL_SIZE`]; the ones after it are skipped without a word.
    fn over_limit(&mut self, span: Span) {
        if std::mem::replace(&mut self.limit_reported, true) {
            return;
        }
        self.diags.push(
            Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!(
                    "too many includes: more than {MAX_INCLUDES} `include`s, or more than {} MiB \
                     of included text, in total",
                    MAX_TOTAL_SIZE >> 20
                ),
            )
            .label("one include too many")
            .help("include each shared file once, where it is needed: includes that include each other several times multiply"),
        );
    }

    fn cannot_read(&mut self, span: Span, path: &Path, why: &str) {
        self.diags.push(
            Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!("cannot read `{}`: {why}", path.display()),
            )
            .label("cannot be read")
            .help("include paths are relative to the including file"),
        );
    }
}
