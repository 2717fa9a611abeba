//! Loading: read a root policy file and its `include`s, parse, check.
//!
//! This is the only place that touches the file system. It resolves `include`
//! directives (relative to the including file, at the top level or inside a block,
//! where the included directives are spliced in as if written there), detects include
//! cycles, and hands the expanded tree to [`crate::check`]. Callers always get the
//! sources and diagnostics back, even when the root file cannot be read, so every
//! failure can be rendered the same way.

use crate::ast::{Arg, ArgKind, Directive};
use crate::check::TopLevelChecker;
use crate::codes;
use crate::diag::Diagnostic;
use crate::diagnostics::{Diagnostics, Summary};
use crate::lint::suppress;
use crate::model::{PolicySet, Suppression};
use crate::span::{FileId, SourceFile, SourceMap, Span, Spanned};
use crate::syntax::{self, abbreviate, Item};
use std::collections::HashMap;
use std::io::Read;
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

/// The most `include`s one policy file may expand, counting every time a file is
/// included (a file included twice counts twice). Cycles are refused anyway; this
/// bounds fan-out: four `include`s per file over ten levels would be a million
/// expansions (issue #17).
pub const MAX_INCLUDES: usize = 1024;

/// The most text one policy file and its `include`s may amount to with the default
/// [`SourceLimit`], counting a file again each time it is included (see
/// [`total_limit`]).
pub const MAX_TOTAL_SIZE: u64 = 2 * MAX_FILE_SIZE;

/// The most included text (`include` and `include-origins`, counting a file again each
/// time) one policy file may bring in under `limit`: twice the limit, so a raised limit
/// for a large generated list raises this too.
pub const fn total_limit(limit: SourceLimit) -> u64 {
    limit.bytes().saturating_mul(2)
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
        /// The file's size, when it told it (a `/proc` file says 0; a file may grow).
        size: Option<u64>,
        /// The limit.
        limit: SourceLimit,
    },
}

impl Unreadable {
    fn reason(&self) -> String {
        match self {
            Unreadable::Io(why) => why.clone(),
            Unreadable::NotAFile => "not a regular file".into(),
            Unreadable::TooLarge { size: Some(size), limit } => {
                format!("{size} bytes, larger than the policy source limit of {limit}")
            }
            Unreadable::TooLarge { size: None, limit } => {
                format!("larger than the policy source limit of {limit}")
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
    load_file_with(path, SourceLimit::DEFAULT)
}

/// [`load_file`] with a [`SourceLimit`] for the file and its includes.
pub fn load_file_with(path: &Path, limit: SourceLimit) -> Loaded {
    match read(path, limit) {
        Ok(text) => load_string_with(path, text, limit),
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
    load_str_with(path, text, SourceLimit::DEFAULT)
}

/// [`load_str`] with a [`SourceLimit`] for the included files.
pub fn load_str_with(path: &Path, text: &str, limit: SourceLimit) -> Loaded {
    load_string_with(path, text.to_string(), limit)
}

/// [`load_str_with`] taking the text: it is kept in [`Loaded::sources`] as it is, not
/// copied (a generated policy may be tens of megabytes: issue #13).
pub fn load_string_with(path: &Path, text: String, limit: SourceLimit) -> Loaded {
    let mut loader = Loader { limit, ..Loader::default() };
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
fn read(path: &Path, limit: SourceLimit) -> Result<String, Unreadable> {
    let bytes = read_bounded(path, limit.bytes()).map_err(|e| match e {
        ReadError::Io(e) => Unreadable::Io(io_reason(&e)),
        ReadError::NotAFile => Unreadable::NotAFile,
        ReadError::TooLarge(_) => {
            // The size it claims, when that is what is over the limit.
            let size = std::fs::metadata(path).map(|m| m.len()).ok().filter(|&n| n > limit.bytes());
            Unreadable::TooLarge { size, limit }
        }
    })?;
    String::from_utf8(bytes).map_err(|_| Unreadable::Io("not UTF-8 text".into()))
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

/// The directive that reads a generated list of origins, one per line.
pub const INCLUDE_ORIGINS: &str = "include-origins";

/// How many origins of an `include-origins` list make one `origin` statement inside a
/// block: the list is checked as it is read, this many at a time.
const ORIGINS_PER_STATEMENT: usize = 4096;

#[derive(Default)]
struct Loader {
    /// How large each file read may be.
    limit: SourceLimit,
    sources: SourceMap,
    diags: Diagnostics,
    suppressions: Vec<Suppression>,
    /// Files already read, by canonical path: a file included twice (not a cycle) is
    /// read, and reported on, once; later `include`s parse its text again, silently.
    files: HashMap<PathBuf, FileId>,
    /// `include`s and `include-origins` expanded so far, and the bytes they brought in.
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
        // The statements an `include` in a policy block brings in, handed on one by one.
        let mut spliced = Vec::new();
        while let Some(item) = top.next_item() {
            let d = match item {
                Item::Directive(d) => d,
                // A `policy` block, statement by statement: its tree is never built.
                Item::Open(d) => {
                    if first {
                        self.suppressions.extend(suppress::collect_directive(&d));
                    }
                    checker.open_policy(&d);
                    continue;
                }
                Item::Inner(d) => {
                    if first {
                        self.suppressions.extend(suppress::collect_directive(&d));
                    }
                    if d.name() == INCLUDE_ORIGINS {
                        // Checked as it is read, a few thousand origins at a time: a
                        // generated list of a million is never held as one statement.
                        let mut check = |o| checker.policy_statement(o);
                        self.include_origins(&d, id, ORIGINS_PER_STATEMENT, &mut check);
                    } else if d.name() == "include" {
                        self.expand_into(d, id, stack, &mut spliced);
                        for statement in spliced.drain(..) {
                            checker.policy_statement(statement);
                        }
                    } else {
                        checker.policy_statement(self.expand_block(d, id, stack));
                    }
                    continue;
                }
                Item::Close(end) => {
                    if first {
                        let comments = end.trailing_comments.iter().chain(&end.trailing_comment);
                        self.suppressions.extend(
                            comments
                                .flat_map(|c| suppress::collect_comments(std::slice::from_ref(c))),
                        );
                    }
                    checker.close_policy(end.span);
                    continue;
                }
            };
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
            if d.name() == INCLUDE_ORIGINS {
                // Checked as an `origin` written here (an error at the top level).
                // One statement, so the misplaced `origin` is reported once.
                self.include_origins(&d, id, usize::MAX, &mut |origins| checker.check(origins));
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

    /// `d` with every `include` (and `include-origins`) in its block, at any depth,
    /// replaced by the included file's directives.
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
        if !directives.iter().any(|d| matches!(d.name(), "include" | INCLUDE_ORIGINS)) {
            // Nothing to splice in at this level (a tenants policy's million `origin`
            // lines): the blocks are expanded in place, not copied into a new list,
            // which would hold the tree twice.
            let mut directives = directives;
            for d in &mut directives {
                if let Some(block) = d.block.as_mut() {
                    block.directives =
                        self.expand(std::mem::take(&mut block.directives), file, stack);
                }
            }
            return directives;
        }
        let mut out = Vec::with_capacity(directives.len());
        for d in directives {
            self.expand_into(d, file, stack, &mut out);
        }
        out
    }

    /// `d` expanded onto `out`: itself (its block expanded), or what it includes.
    fn expand_into(
        &mut self,
        d: Directive,
        file: FileId,
        stack: &mut Vec<PathBuf>,
        out: &mut Vec<Directive>,
    ) {
        if d.name() == INCLUDE_ORIGINS {
            self.include_origins(&d, file, ORIGINS_PER_STATEMENT, &mut |o| out.push(o));
            return;
        }
        if d.name() != "include" {
            out.push(self.expand_block(d, file, stack));
            return;
        }
        let Some((included, first)) = self.include(&d, file, stack) else { return };
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
        let arg = self.path_arg(d)?;
        if self.includes >= MAX_INCLUDES || self.included_bytes > total_limit(self.limit) {
            self.over_limit(arg.span);
            return None;
        }
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let key = match std::fs::canonicalize(&joined) {
            Ok(k) => k,
            Err(e) => {
                self.cannot_read(arg.span, &joined, &Unreadable::Io(io_reason(&e)));
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
                let text = match read(&joined, self.limit) {
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
        if self.included_bytes > total_limit(self.limit) {
            self.over_limit(arg.span);
            return None;
        }
        stack.push(key);
        Some((id, first))
    }

    /// The one path argument of an `include` or `include-origins`, or a finding.
    fn path_arg<'d>(&mut self, d: &'d Directive) -> Option<&'d Arg> {
        match (d.args.as_slice(), &d.block) {
            ([a], None) if a.kind != ArgKind::Tilde => Some(a),
            _ => {
                let name = abbreviate(d.name());
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

    /// `include-origins PATH;`: the file's lines as `origin` statements written where
    /// the `include-origins` is (so it is valid exactly where `origin` is), handed to
    /// `emit` as read, up to `per_statement` origins each (several `origin` statements
    /// in a row mean what one with all their origins means). The file is
    /// what tools generate for a multi-tenant platform: one origin per line; blank lines
    /// and lines starting with `#` are skipped, blanks around an origin ignored. Each
    /// origin keeps its own place in that file, so a bad line is reported as
    /// `tenants.txt:LINE:COL`. A file with no origin adds nothing. It counts towards
    /// [`MAX_INCLUDES`] and [`total_limit`] like an `include`.
    fn include_origins(
        &mut self,
        d: &Directive,
        file: FileId,
        per_statement: usize,
        emit: &mut dyn FnMut(Directive),
    ) {
        let Some(arg) = self.path_arg(d) else { return };
        if self.includes >= MAX_INCLUDES || self.included_bytes > total_limit(self.limit) {
            self.over_limit(arg.span);
            return;
        }
        let base = self.sources.path(file).parent().unwrap_or(Path::new(""));
        let joined = base.join(&arg.value);
        let text = match read(&joined, self.limit) {
            Ok(t) => t,
            Err(why) => {
                self.cannot_read(arg.span, &joined, &why);
                return;
            }
        };
        self.includes += 1;
        self.included_bytes += text.len() as u64;
        if self.included_bytes > total_limit(self.limit) {
            self.over_limit(arg.span);
            return;
        }
        let id = self.sources.add(SourceFile::new(&joined, text));
        let Some(list) = self.sources.get(id) else { return };
        let statement = |args: Vec<Arg>| Directive {
            name: Spanned::new("origin".into(), d.name.span),
            args,
            block: None,
            leading_comments: Vec::new(),
            trailing_comment: None,
            span: d.span,
        };
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
                if args.len() >= per_statement {
                    emit(statement(std::mem::take(&mut args)));
                }
            }
            line_start += line_len;
        }
        if !args.is_empty() {
            emit(statement(args));
        }
    }

    /// `CORS012` for the `include` that went over [`MAX_INCLUDES`] or
    /// [`total_limit`]; the ones after it are skipped without a word.
    fn over_limit(&mut self, span: Span) {
        if std::mem::replace(&mut self.limit_reported, true) {
            return;
        }
        self.diags.push(
            Diagnostic::new(
                codes::INCLUDE_FAILED,
                span,
                format!(
                    "too many includes: more than {MAX_INCLUDES} `include`s, or more than {} \
                     of included text, in total",
                    SourceLimit::new(total_limit(self.limit))
                ),
            )
            .label("one include too many")
            .help("include each shared file once, where it is needed: includes that include each other several times multiply"),
        );
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
