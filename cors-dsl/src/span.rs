//! Source positions: which file, which bytes, which line and column.
//!
//! Every AST node and every diagnostic carries a [`Span`], so an error can always be
//! shown as `file:line:col` with the offending text underlined.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`]. `FileId(0)` is the first file loaded.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct FileId(pub u32);

/// A byte range in one source file, with the 1-based line and column of its start.
///
/// The column counts characters (not bytes), as editors and rustc do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte (inclusive).
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub col: u32,
}

impl Span {
    /// The byte range as a `usize` range, for slicing the source text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(&self, other: Span) -> Span {
        if other.start < self.start {
            return other.to(*self);
        }
        Span { end: self.end.max(other.end), ..*self }
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node
    }
}

/// One loaded source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as the user (or an `include`) wrote it, resolved against the includer.
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
    line_starts: Vec<u32>,
    /// For text that is not all ASCII: the number of characters that start before
    /// each multiple of [`CHAR_BLOCK`] bytes, so a column costs at most two partial
    /// blocks to count however long its line is. Empty for ASCII text, where a column
    /// is a byte difference.
    char_marks: Vec<u32>,
}

/// Bytes between two entries of [`SourceFile::char_marks`].
const CHAR_BLOCK: usize = 64;

impl SourceFile {
    /// Wraps a file's text, indexing its line starts (and, unless it is ASCII, where
    /// its characters start), once: every [`SourceFile::line_col`] after that is a
    /// binary search and a bounded count, so reading is linear in the file whatever
    /// its shape (issue #18: one 3 MB line used to cost a scan from the start of the
    /// line for every token).
    ///
    /// A UTF-8 byte-order mark some editors put first is not part of the text: it is
    /// dropped here, so the first line's columns count from what an editor shows.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        let char_marks = if text.is_ascii() {
            Vec::new()
        } else {
            let mut chars = 0u32;
            let mut marks = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
            for block in text.as_bytes().chunks(CHAR_BLOCK) {
                marks.push(chars);
                chars += block.iter().filter(|&&b| !is_continuation(b)).count() as u32;
            }
            // The end of the text has a mark too: when its length is a multiple of the
            // block, `chars_before(len)` reads one past the last block's (found by
            // cargo-fuzz: the column of a finding at the end of such a file underflowed).
            marks.push(chars);
            marks
        };
        SourceFile { path: path.into(), text, line_starts, char_marks }
    }

    /// 1-based (line, column) of a byte offset; the column counts characters (bytes,
    /// when `offset` is inside a character).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        self.col_on_line(offset, line_idx)
    }

    /// [`SourceFile::line_col`] for a reader that mostly moves forward, as the parser
    /// does: `cursor` is the index of the line found last. An offset on that line or
    /// after it is found by galloping forward from it (a few steps to the next token,
    /// instead of a binary search over every line: a tenants policy has a million),
    /// anything before it by a binary search; either way at most logarithmic.
    pub fn line_col_near(&self, offset: usize, cursor: &mut usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let starts = &self.line_starts;
        let key = offset as u32;
        let mut lo = (*cursor).min(starts.len() - 1);
        let line_idx = if starts[lo] > key {
            starts.partition_point(|&s| s <= key).saturating_sub(1)
        } else {
            // Invariant: starts[lo] <= key. Gallop to a bound past it, then search.
            let mut step = 1;
            let mut hi = lo + 1;
            while hi < starts.len() && starts[hi] <= key {
                lo = hi;
                step *= 2;
                hi = lo + step;
            }
            let hi = hi.min(starts.len());
            lo + starts[lo..hi].partition_point(|&s| s <= key) - 1
        };
        *cursor = line_idx;
        self.col_on_line(offset, line_idx)
    }

    /// (line, column) of `offset`, known to be on line index `line_idx`.
    fn col_on_line(&self, offset: usize, line_idx: usize) -> (u32, u32) {
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0) as usize;
        let col = if self.char_marks.is_empty() || !self.text.is_char_boundary(offset) {
            offset - start
        } else {
            self.chars_before(offset) - self.chars_before(start)
        };
        (line_idx as u32 + 1, col as u32 + 1)
    }

    /// Characters that start before byte `offset` (a character boundary): a mark plus
    /// less than one block counted.
    fn chars_before(&self, offset: usize) -> usize {
        let block = offset / CHAR_BLOCK;
        let mark = self.char_marks.get(block).copied().unwrap_or(0) as usize;
        let from = block * CHAR_BLOCK;
        let partial = self.text.as_bytes().get(from..offset).unwrap_or(&[]);
        #[cfg(test)]
        work::count(partial.len());
        mark + partial.iter().filter(|&&b| !is_continuation(b)).count()
    }

    /// The whole lines that bytes `start..end` touch: the 1-based number of the first
    /// and their byte range (newline included). A renderer shows these, not the file,
    /// so showing a diagnostic costs its lines, not the whole text.
    pub fn lines_around(&self, start: usize, end: usize) -> (u32, std::ops::Range<usize>) {
        let line_of = |offset: usize| match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (first, last) =
            (line_of(start.min(self.text.len())), line_of(end.min(self.text.len())));
        let from = self.line_starts.get(first).copied().unwrap_or(0) as usize;
        let to = self.line_starts.get(last + 1).map_or(self.text.len(), |&e| e as usize);
        (first as u32 + 1, from..to)
    }

    /// The text of the 1-based line `line`, without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(idx) else { return "" };
        let end = self.line_starts.get(idx + 1).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start as usize..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }
}

/// A UTF-8 continuation byte (`10xxxxxx`): not the start of a character.
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Bytes examined to find columns, per thread: tests compare it across input shapes,
/// which catches quadratic reading without timing anything.
#[cfg(test)]
pub(crate) mod work {
    use std::cell::Cell;

    thread_local!(static BYTES: Cell<usize> = const { Cell::new(0) });

    pub(crate) fn count(n: usize) {
        BYTES.with(|b| b.set(b.get() + n));
    }

    /// The bytes counted while `f` runs.
    pub(crate) fn measure(f: impl FnOnce()) -> usize {
        let before = BYTES.with(Cell::get);
        f();
        BYTES.with(Cell::get) - before
    }
}

/// All files read for one policy set: the root file and everything it includes.
///
/// Files are shared ([`SourceMap::shared`]): the loader parses one while it adds the
/// files that one includes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(Arc::new(file));
        FileId(self.files.len() as u32 - 1)
    }

    /// Adds a file another map holds too (it is shared, not copied) and returns its id.
    pub fn add_shared(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with id `id`, or `None` for an id from another map.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).map(|f| &**f)
    }

    /// The file with id `id`, shared: it stays readable while the map grows.
    pub fn shared(&self, id: FileId) -> Option<Arc<SourceFile>> {
        self.files.get(id.0 as usize).cloned()
    }

    /// The id of an already loaded file, by path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(i as u32))
    }

    /// All files, in load order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), &**f))
    }

    /// The path of a span's file, for `file:line:col` output.
    pub fn path(&self, id: FileId) -> &Path {
        self.get(id).map_or(Path::new("<unknown>"), |f| f.path.as_path())
    }

    /// `file:line:col` of a span.
    pub fn location(&self, span: Span) -> String {
        format!("{}:{}:{}", self.path(span.file).display(), span.line, span.col)
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file).and_then(|f| f.text.get(span.range())).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: characters from the start of the line, counted the slow way.
    fn slow_line_col(text: &str, offset: usize) -> (u32, u32) {
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let col = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line, col as u32 + 1)
    }

    #[test]
    fn line_col_near_agrees_with_line_col_from_any_cursor() {
        let text = "a\nbc\n\n\ndéf\n".repeat(40) + "tail";
        let file = SourceFile::new("t", text.as_str());
        let lines = file.line_starts.len();
        for offset in 0..=text.len() + 2 {
            for start in [0, 1, lines / 3, lines / 2, lines - 1, lines + 5] {
                let mut cursor = start;
                let want = file.line_col(offset);
                assert_eq!(file.line_col_near(offset, &mut cursor), want, "{offset} from {start}");
                assert_eq!(cursor as u32 + 1, want.0, "the cursor is left on the line found");
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_text() {
        let f = SourceFile::new("p.cors", "\u{feff}policy p {}\n");
        assert_eq!(f.text, "policy p {}\n");
        assert_eq!(f.line_col(0), (1, 1));
        // Only a leading one: elsewhere it is a character like any other.
        assert_eq!(SourceFile::new("p.cors", "a\u{feff}").text, "a\u{feff}");
    }

    #[test]
    fn line_col_agrees_with_counting_from_the_line_start() {
        let long: String = "é".repeat(100) + "ab\n" + &"x".repeat(130) + "ü€𝄞\r\nz";
        for text in ["", "a", "\n\n", "ab\ncd", "é\nüx", long.as_str()] {
            let file = SourceFile::new("t", text);
            for offset in 0..=text.len() + 2 {
                let want = slow_line_col(text, offset.min(text.len()));
                assert_eq!(file.line_col(offset), want, "{text:?} at {offset}");
            }
        }
    }

    /// Parses `text` and returns the bytes examined for columns.
    fn column_work(text: &str) -> usize {
        work::measure(|| {
            let file = SourceFile::new("t.cors", text);
            let _ = crate::syntax::parse(&file, FileId(0));
        })
    }

    /// Issue #18: finding a token's column must not rescan its line. Pinned as work
    /// counted on the same origins, laid out on one line and one per line, and on twice
    /// as many: linear reading keeps both ratios near 1 and 2 (quadratic reading made
    /// the one-line case grow with the square of the line).
    #[test]
    fn reading_is_linear_whatever_the_shape() {
        // Non-ASCII text, so columns are counted (ASCII text needs no counting).
        let policy = |n: usize, sep: &str| {
            let origins: Vec<String> =
                (0..n).map(|i| format!("https://h{i}.exämple.com")).collect();
            format!("# é\npolicy p {{\n origin {};\n}}\n", origins.join(sep))
        };
        let (one_line, per_line) =
            (column_work(&policy(4000, " ")), column_work(&policy(4000, "\n ")));
        let doubled = column_work(&policy(8000, " "));
        assert!(one_line > 0, "the test measures something");
        assert!(one_line <= 2 * per_line.max(1), "one line: {one_line}, one per line: {per_line}");
        assert!(doubled <= 5 * one_line / 2, "4000 origins: {one_line}, 8000: {doubled}");
        // Thousands of errors on one line (`~` where a directive name belongs).
        let errors = format!("é{}", "~;".repeat(64 * 1024));
        let per_byte = column_work(&errors) as f64 / errors.len() as f64;
        assert!(per_byte < 2.0 * CHAR_BLOCK as f64, "{per_byte} bytes examined per input byte");
        // A line of `;` is one mistake, reported once.
        let semis = ";".repeat(512 * 1024);
        let (_, diags) = crate::syntax::parse(&SourceFile::new("t.cors", semis), FileId(0));
        assert_eq!(diags.len(), 1, "{:?}", diags.first());
    }
}
