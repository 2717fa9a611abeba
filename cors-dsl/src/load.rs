//! Loading: read a root policy file and its `include`s, parse, check.
//!
//! This is the only place that touches the file system. It resolves `include`
//! directives (relative to the including file, at the top level or inside a block,
//! where the included directives are spliced in as if written there), detects include
//! cycles, and hands the expanded tree to [`crate::check`]. Callers always get the
//! sources and diagnostics back, even when the root file cannot be read, so every
//! failure can be rendered the same way.

use crate::ast::{Arg, ArgKind, Directive, Document};
use crate::check;
use crate::codes;
use crate::diag::Diagnostic;
use crate::lint::suppress;
use crate::model::{PolicySet, Suppression};
use crate::span::{FileId, SourceFile, SourceMap, Span, Spanned};
use crate::syntax;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The default [`SourceLimit`]: 16 MiB per file.
pub const MAX_FILE_SIZE: u64 = SourceLimit::DEFAULT.bytes();

/// How large one policy source file may be (the root file, and each `include` and
/// `include-origins` file on its own). A bound, not a guess at real sizes: it keeps a
/// wrong path (a log, an image) or a generator gone wrong from being read whole. A
/// hand-written policy is a few kilobytes; a generated tenants list of a million
/// origins is about 50 MB, so operators of such platforms raise it, with nginx's
/// `cors_policy_max_size` or `corsc --max-source-size` (in nginx's size syntax:
/// `64m`, `512k`, `1g`, or bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimit(u64);

impl SourceLimit {
    /// 16 MiB.
    pub const DEFAULT: SourceLimit = SourceLimit(16 << 20);

    /// A limit of `bytes` bytes.
    pub const fn new(bytes: u64) -> SourceLimit {
        SourceLimit(bytes)
    }

    /// The limit in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Reads a size as nginx writes one: digits, then optionally `k`, `m` or `g` (either
    /// case) for KiB, MiB, GiB. At least one byte.
    pub fn parse(text: &str) -> Result<SourceLimit, String> {
        let (digits, shift) = match text.as_bytes().last() {
            Some(b'k' | b'K') => (&text[..text.len() - 1], 10),
            Some(b'm' | b'M') => (&text[..text.len() - 1], 20),
            Some(b'g' | b'G') => (&text[..text.len() - 1], 30),
            _ => (text, 0),
        };
        let invalid = || {
            format!(
                "invalid size \"{}\" (write bytes, or a number with k, m or g: \"64m\")",
                text.escape_debug()
            )
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let n: u64 = digits.parse().map_err(|_| invalid())?;
        match n.checked_mul(1 << shift) {
            Some(bytes) if bytes > 0 => Ok(SourceLimit(bytes)),
            _ => Err(invalid()),
        }
    }
}

impl Default for SourceLimit {
    fn default() -> Self {
        SourceLimit::DEFAULT
    }
}

impl std::fmt::Display for SourceLimit {
    /// `16 MiB`, `512 KiB`, or bytes when not a whole number of either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            n if n % (1 << 30) == 0 => write!(f, "{} GiB", n >> 30),
            n if n % (1 << 20) == 0 => write!(f, "{} MiB", n >> 20),
            n if n % (1 << 10) == 0 => write!(f, "{} KiB", n >> 10),
            n => write!(f, "{n} bytes"),
        }
    }
}

/// Why a file was not read: a reason for the message, and a hint that fits it.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// The file system said no (missing, permissions, not UTF-8, ...).
    Io(String),
    /// A directory, a device or a pipe: could block or never end.
    NotAFile,
    /// Larger than the [`SourceLimit`].
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: SourceLimit,
    },
}

impl Unreadable {
    fn reason(&self) -> String {
        match self {
            Unreadable::Io(why) => why.clone(),
            Unreadable::NotAFile => "not a regular file".into(),
            Unreadable::TooLarge { size, limit } => {
                format!("{size} bytes, larger than the policy source limit of {limit}")
            }
        }
    }

    /// What to do about it; `io_help` for the file-system failures.
    fn help(&self, io_help: &str) -> String {
        match self {
            Unreadable::TooLarge { limit, .. } => too_large_help(*limit),
            _ => io_help.into(),
        }
    }
}

/// The hint for a source file over the limit: what the limit is and how to raise it.
pub(crate) fn too_large_help(limit: SourceLimit) -> String {
    format!(
        "each policy source file may hold at most {limit} (a bound against reading a wrong \
         file whole); for a larger generated list raise it: `cors_policy_max_size 64m;` in \
         nginx.conf's http block, `corsc --max-source-size 64m`, or split the list over \
         several `include-origins` files"
    )
}

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
    load_file_with(path, SourceLimit::DEFAULT)
}

/// [`load_file`] with a [`SourceLimit`] for the file and its includes.
pub fn load_file_with(path: &Path, limit: SourceLimit) -> Loaded {
    match read(path, limit) {
        Ok(text) => load_str_with(path, &text, limit),
        Err(why) => {
            let mut sources = SourceMap::new();
            let id = sources.add(SourceFile::new(path, ""));
            let span = Span { file: id, start: 0, end: 0, line: 1, col: 1 };
            let diag = Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!("cannot read `{}`: {}", path.display(), why.reason()),
            )
            .label("cannot be read")
            .help(why.help("check the path and the file's permissions"));
            Loaded { sources, set: None, diagnostics: vec![diag], expectations: 0 }
        }
    }
}

/// Parses and checks `text` as if read from `path`; includes are read from disk
/// relative to `path`.
pub fn load_str(path: &Path, text: &str) -> Loaded {
    load_str_with(path, text, SourceLimit::DEFAULT)
}

/// [`load_str`] with a [`SourceLimit`] for the included files.
pub fn load_str_with(path: &Path, text: &str, limit: SourceLimit) -> Loaded {
    let mut loader = Loader { limit, ..Loader::default() };
    let root = loader.sources.add(SourceFile::new(path, text));
    let doc = loader.parse(root);
    let key = canonical_or_given(path);
    let directives = loader.expand(doc.directives, root, &mut vec![key]);
    let (policies, expectations, check_diags) = check::check(directives);
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
fn read(path: &Path, limit: SourceLimit) -> Result<String, Unreadable> {
    let io = |e| Unreadable::Io(io_reason(e));
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Unreadable::NotAFile);
    }
    if meta.len() > limit.bytes() {
        return Err(Unreadable::TooLarge { size: meta.len(), limit });
    }
    std::fs::read_to_string(path).map_err(io)
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

/// The directive that reads a generated list of origins, one per line.
pub const INCLUDE_ORIGINS: &str = "include-origins";

#[derive(Default)]
struct Loader {
    limit: SourceLimit,
    sources: SourceMap,
    diags: Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
    /// Files already read, by canonical path: a file included twice (not a cycle) is
    /// read and reported on once (parsed again from the kept text, quietly, rather
    /// than keeping a copy of every tree: a tenants file can hold a million lines).
    cache: HashMap<PathBuf, FileId>,
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
    /// The tree is taken, not copied: a list without `include` stays where it is.
    fn expand(
        &mut self,
        mut directives: Vec<Directive>,
        file: FileId,
        stack: &mut Vec<PathBuf>,
    ) -> Vec<Directive> {
        let splice = directives.iter().any(|d| matches!(d.name(), "include" | INCLUDE_ORIGINS));
        if !splice {
            for d in &mut directives {
                self.expand_block(d, file, stack);
            }
            return directives;
        }
        // Files are read in the order their `include`s are written (their ids, and so
        // the order of findings, follow it).
        let mut out = Vec::with_capacity(directives.len());
        for mut d in directives {
            if d.name() == "include" {
                out.extend(self.include(&d, file, stack));
            } else if d.name() == INCLUDE_ORIGINS {
                out.extend(self.include_origins(&d, file));
            } else {
                self.expand_block(&mut d, file, stack);
                out.push(d);
            }
        }
        out
    }

    /// Expands the includes of `d`'s block, if it has one.
    fn expand_block(&mut self, d: &mut Directive, file: FileId, stack: &mut Vec<PathBuf>) {
        if let Some(block) = d.block.as_mut() {
            let inner = std::mem::take(&mut block.directives);
            block.directives = self.expand(inner, file, stack);
        }
    }

    /// The one path argument of an `include` or `include-origins`, or a finding.
    fn path_arg<'d>(&mut self, d: &'d Directive) -> Option<&'d Arg> {
        match (d.args.as_slice(), &d.block) {
            ([a], None) if a.kind != ArgKind::Tilde => Some(a),
            _ => {
                let name = d.name();
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_ARGUMENTS,
                        d.span,
                        format!("`{name}` takes exactly one path"),
                    )
                    .label("expected one path and `;`")
                    .help(format!("write `{name} \"other.cors\";`")),
                );
                None
            }
        }
    }

    /// `include-origins PATH;`: the file's lines as one `origin` statement written where
    /// the `include-origins` is (so it is valid exactly where `origin` is). The file is
    /// what tools generate for a multi-tenant platform: one origin per line; blank lines
    /// and lines starting with `#` are skipped, blanks around an origin ignored. Each
    /// origin keeps its own place in that file, so a bad line is reported as
    /// `tenants.txt:LINE:COL`. A file with no origin adds nothing.
    fn include_origins(&mut self, d: &Directive, file: FileId) -> Option<Directive> {
        let arg = self.path_arg(d)?;
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let text = match read(&joined, self.limit) {
            Ok(t) => t,
            Err(why) => {
                self.cannot_read(arg.span, &joined, &why);
                return None;
            }
        };
        let id = self.sources.add(SourceFile::new(&joined, text));
        let list = self.sources.get(id)?;
        let mut args = Vec::new();
        let mut line_start = 0;
        for (line_idx, line) in list.text.split('\n').enumerate() {
            let line_len = line.len() + 1;
            let origin = line.trim_matches([' ', '\t', '\r']);
            if !origin.is_empty() && !origin.starts_with('#') {
                // Only ASCII blanks are trimmed: the column is a byte count.
                let lead = line.len() - line.trim_start_matches([' ', '\t', '\r']).len();
                let start = (line_start + lead) as u32;
                args.push(Arg {
                    kind: ArgKind::Word,
                    value: origin.to_string(),
                    span: Span {
                        file: id,
                        start,
                        end: start + origin.len() as u32,
                        line: line_idx as u32 + 1,
                        col: lead as u32 + 1,
                    },
                });
            }
            line_start += line_len;
        }
        if args.is_empty() {
            return None;
        }
        Some(Directive {
            name: Spanned::new("origin".into(), d.name.span),
            args,
            block: None,
            leading_comments: Vec::new(),
            trailing_comment: None,
            span: d.span,
        })
    }

    fn include(&mut self, d: &Directive, file: FileId, stack: &mut Vec<PathBuf>) -> Vec<Directive> {
        let Some(arg) = self.path_arg(d) else { return Vec::new() };
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let key = match std::fs::canonicalize(&joined) {
            Ok(k) => k,
            Err(e) => {
                self.cannot_read(arg.span, &joined, &Unreadable::Io(io_reason(e)));
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
            // Its findings were reported the first time.
            Some(&id) => match self.sources.get(id) {
                Some(file) => (id, syntax::parse(file, id).0),
                None => return Vec::new(),
            },
            None => {
                let text = match read(&joined, self.limit) {
                    Ok(t) => t,
                    Err(why) => {
                        self.cannot_read(arg.span, &joined, &why);
                        return Vec::new();
                    }
                };
                let id = self.sources.add(SourceFile::new(&joined, text));
                let doc = self.parse(id);
                self.cache.insert(key.clone(), id);
                (id, doc)
            }
        };
        stack.push(key);
        let out = self.expand(doc.directives, id, stack);
        stack.pop();
        out
    }

    fn cannot_read(&mut self, span: Span, path: &Path, why: &Unreadable) {
        self.diags.push(
            Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!("cannot read `{}`: {}", path.display(), why.reason()),
            )
            .label("cannot be read")
            .help(why.help("include paths are relative to the including file")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::SourceLimit;

    #[test]
    fn sizes_read_as_nginx_writes_them() {
        let ok = [
            ("64m", 64 << 20),
            ("64M", 64 << 20),
            ("512k", 512 << 10),
            ("1g", 1 << 30),
            ("1048576", 1 << 20),
        ];
        for (text, bytes) in ok {
            assert_eq!(SourceLimit::parse(text), Ok(SourceLimit::new(bytes)), "{text}");
        }
        for bad in ["", "m", "0", "0m", "-1", "1.5m", "64mb", "64 m", "99999999999999999999g"] {
            assert!(SourceLimit::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(SourceLimit::DEFAULT.to_string(), "16 MiB");
        assert_eq!(SourceLimit::new(100).to_string(), "100 bytes");
        assert_eq!(SourceLimit::new(1 << 30).to_string(), "1 GiB");
    }
}
