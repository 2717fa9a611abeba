//! Loading: read a root policy file and its `include`s, parse, check.
//!
//! This is the only place that touches the file system. It resolves `include`
//! directives (relative to the including file, at the top level or inside a block,
//! where the included directives are spliced in as if written there), detects include
//! cycles, and hands the expanded tree to [`crate::check`]. Callers always get the
//! sources and diagnostics back, even when the root file cannot be read, so every
//! failure can be rendered the same way.

use crate::ast::{ArgKind, Directive, Document};
use crate::check;
use crate::codes;
use crate::diag::Diagnostic;
use crate::lint::suppress;
use crate::model::{PolicySet, Suppression};
use crate::span::{FileId, SourceFile, SourceMap, Span};
use crate::syntax;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files larger than this are refused: a policy is a few kilobytes, and the limit
/// keeps a mistaken `include` of a huge file from exhausting memory.
pub const MAX_FILE_SIZE: u64 = 16 << 20;

/// The result of loading a policy file: the sources read (for rendering), the policy
/// set when there were no errors, and every diagnostic found.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// The validated policies; `None` when any error was found.
    pub set: Option<PolicySet>,
    /// Errors (and, after linting, findings), in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many well-formed `expect` statements were read (kept when `set` is not).
    pub expectations: usize,
}

impl Loaded {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
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
            Loaded { sources, set: None, diagnostics: vec![diag], expectations: 0 }
        }
    }
}

/// Parses and checks `text` as if read from `path`; includes are read from disk
/// relative to `path`.
pub fn load_str(path: &Path, text: &str) -> Loaded {
    let mut loader = Loader::default();
    let root = loader.sources.add(SourceFile::new(path, text));
    let doc = loader.parse(root);
    let key = canonical_or_given(path);
    let directives = loader.expand(&doc.directives, root, &mut vec![key]);
    let (policies, expectations, check_diags) = check::check(&directives);
    let mut diagnostics = loader.diags;
    diagnostics.extend(check_diags);
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    let count = expectations.len();
    let set = ok.then(|| PolicySet {
        policies,
        suppressions: loader.suppressions,
        expectations: expectations.into_boxed_slice(),
    });
    Loaded { sources: loader.sources, set, diagnostics, expectations: count }
}

/// Reads a regular file of reasonable size (never a device or a directory, which
/// could block or be endless).
fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(io_reason)?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(format!("larger than {} MiB", MAX_FILE_SIZE >> 20));
    }
    std::fs::read_to_string(path).map_err(io_reason)
}

/// Short, platform-independent wording for the common I/O failures.
fn io_reason(e: std::io::Error) -> String {
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
    diags: Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
    /// Files already read, by canonical path: a file included twice (not a cycle) is
    /// read and reported on once.
    cache: HashMap<PathBuf, (FileId, Document)>,
}

impl Loader {
    /// Parses an added file, keeping its diagnostics and suppressions.
    fn parse(&mut self, id: FileId) -> Document {
        let Some(file) = self.sources.get(id) else {
            return Document { directives: Vec::new(), trailing_comments: Vec::new() };
        };
        let (doc, diags) = syntax::parse(file, id);
        self.diags.extend(diags);
        self.suppressions.extend(suppress::collect(&doc));
        doc
    }

    /// `directives` with every `include` replaced by the included file's directives,
    /// at any depth. `stack` holds the canonical paths of the files being expanded.
    fn expand(
        &mut self,
        directives: &[Directive],
        file: FileId,
        stack: &mut Vec<PathBuf>,
    ) -> Vec<Directive> {
        let mut out = Vec::with_capacity(directives.len());
        for d in directives {
            if d.name() == "include" {
                out.extend(self.include(d, file, stack));
                continue;
            }
            let mut d = d.clone();
            if let Some(block) = d.block.as_mut() {
                block.directives = self.expand(&block.directives, file, stack);
            }
            out.push(d);
        }
        out
    }

    fn include(&mut self, d: &Directive, file: FileId, stack: &mut Vec<PathBuf>) -> Vec<Directive> {
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
                return Vec::new();
            }
        };
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let key = match std::fs::canonicalize(&joined) {
            Ok(k) => k,
            Err(e) => {
                self.cannot_read(arg.span, &joined, &io_reason(e));
                return Vec::new();
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
            return Vec::new();
        }
        let (id, doc) = match self.cache.get(&key) {
            Some((id, doc)) => (*id, doc.clone()),
            None => {
                let text = match read(&joined) {
                    Ok(t) => t,
                    Err(why) => {
                        self.cannot_read(arg.span, &joined, &why);
                        return Vec::new();
                    }
                };
                let id = self.sources.add(SourceFile::new(&joined, text));
                let doc = self.parse(id);
                self.cache.insert(key.clone(), (id, doc.clone()));
                (id, doc)
            }
        };
        stack.push(key);
        let out = self.expand(&doc.directives, id, stack);
        stack.pop();
        out
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
