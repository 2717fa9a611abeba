//! Collecting diagnostics with a bound: the first [`MAX_DIAGNOSTICS`] of each severity
//! (in source order) are kept, the rest only counted.
//!
//! A policy file is operator input, but a generator gone wrong can still write a
//! million bad lines. Nobody reads a million diagnostics, and keeping them costs
//! hundreds of bytes each (issue #17: 10 MB of `orign x;` took 1.4 GB, most of it
//! diagnostics and their rendering). Every stage that reports (parser, loader,
//! checker) collects into a [`Diagnostics`], and every output (corsc, nginx's
//! `error_log`) shows the kept ones and then "… and M more" ([`more_line`]).
//!
//! Which ones are kept does not depend on the order they are pushed in: a
//! [`Diagnostics`] keeps the ones that come first by position (file, start, end), so
//! stages that report out of order still keep the right ones. [`Diagnostics::wants`]
//! lets a stage skip building a diagnostic (a "did you mean" search, formatting) that
//! would only be counted.

use crate::diag::{Diagnostic, Severity};
use crate::span::Span;

/// How many diagnostics of one severity are kept and shown, by `corsc` and in nginx's
/// `error_log` alike; the rest are counted ("… and M more").
pub const MAX_DIAGNOSTICS: usize = 100;

/// How many errors, warnings and infos there are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
}

impl Summary {
    /// Counts `diags` by severity.
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        for d in diags {
            s.count(d.severity, 1);
        }
        s
    }

    /// Adds `n` findings of `severity`.
    pub fn count(&mut self, severity: Severity, n: usize) {
        match severity {
            Severity::Error => self.errors += n,
            Severity::Warning => self.warnings += n,
            Severity::Info => self.infos += n,
        }
    }

    /// The count for `severity`.
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
            Severity::Info => self.infos,
        }
    }

    /// Every finding counted.
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }

    /// Both counts added.
    pub fn plus(self, other: Summary) -> Summary {
        Summary {
            errors: self.errors + other.errors,
            warnings: self.warnings + other.warnings,
            infos: self.infos + other.infos,
        }
    }
}

impl std::fmt::Display for Summary {
    /// `2 errors, 1 warning, 0 infos`: always all three counts, so the line is
    /// easy to grep and never changes shape.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn plural(n: usize, word: &str) -> String {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        }
        write!(
            f,
            "{}, {}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info")
        )
    }
}

/// The line every output prints after the diagnostics it shows when `more` were left
/// out: `… and 999900 more`.
pub fn more_line(more: usize) -> String {
    format!("… and {more} more")
}

/// Where a diagnostic is, for "first by position".
type Key = (u32, u32, u32);

fn key(span: Span) -> Key {
    (span.file.0, span.start, span.end)
}

/// The kept diagnostics of one severity.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Unsorted, at most `2 * MAX_DIAGNOSTICS` (trimmed back to `MAX_DIAGNOSTICS`, in
    /// position order, when full).
    kept: Vec<Diagnostic>,
    /// Once trimmed: the position of the last kept one. Nothing at or after it can be
    /// among the first `MAX_DIAGNOSTICS` any more.
    bound: Option<Key>,
}

impl Bucket {
    fn wants(&self, at: Key) -> bool {
        self.bound.is_none_or(|b| at < b)
    }

    /// Sorts by position and keeps the first `MAX_DIAGNOSTICS`; returns how many went.
    fn trim(&mut self) -> usize {
        self.kept.sort_by_key(|d| key(d.span));
        let dropped = self.kept.len().saturating_sub(MAX_DIAGNOSTICS);
        self.kept.truncate(MAX_DIAGNOSTICS);
        if dropped > 0 || self.kept.len() == MAX_DIAGNOSTICS {
            self.bound = self.kept.last().map(|d| key(d.span));
        }
        dropped
    }
}

/// Diagnostics as collected: the first [`MAX_DIAGNOSTICS`] of each severity by
/// position are kept, the others counted. Memory stays bounded however many are
/// pushed, and each push costs O(log MAX_DIAGNOSTICS) amortised.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Error, warning, info.
    buckets: [Bucket; 3],
    omitted: Summary,
}

fn slot(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a diagnostic of `severity` at `span` would be kept. When it would not,
    /// a stage may [`Diagnostics::skip`] it instead of building it.
    pub fn wants(&self, severity: Severity, span: Span) -> bool {
        self.buckets[slot(severity)].wants(key(span))
    }

    /// Counts a diagnostic of `severity` without keeping it (one that
    /// [`Diagnostics::wants`] refused).
    pub fn skip(&mut self, severity: Severity) {
        self.omitted.count(severity, 1);
    }

    /// Adds one diagnostic (kept or counted).
    pub fn push(&mut self, d: Diagnostic) {
        let bucket = &mut self.buckets[slot(d.severity)];
        if !bucket.wants(key(d.span)) {
            self.omitted.count(d.severity, 1);
            return;
        }
        let severity = d.severity;
        bucket.kept.push(d);
        if bucket.kept.len() >= 2 * MAX_DIAGNOSTICS {
            let dropped = bucket.trim();
            self.omitted.count(severity, dropped);
        }
    }

    /// Adds diagnostics kept elsewhere, and the ones counted there.
    pub fn merge(&mut self, diags: Vec<Diagnostic>, omitted: Summary) {
        self.extend(diags);
        self.omitted = self.omitted.plus(omitted);
    }

    /// Whether any error was pushed (kept or not).
    pub fn has_errors(&self) -> bool {
        !self.buckets[0].kept.is_empty() || self.omitted.errors > 0
    }

    /// The kept diagnostics in position order (file, start, end; errors first among
    /// equals), and how many of each severity were left out.
    pub fn finish(mut self) -> (Vec<Diagnostic>, Summary) {
        let mut all = Vec::new();
        let severities = [Severity::Error, Severity::Warning, Severity::Info];
        for (bucket, severity) in self.buckets.iter_mut().zip(severities) {
            let dropped = bucket.trim();
            self.omitted.count(severity, dropped);
            all.append(&mut bucket.kept);
        }
        all.sort_by_key(|d| key(d.span));
        (all, self.omitted)
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        for d in iter {
            self.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use crate::span::FileId;

    fn at(start: u32) -> Diagnostic {
        let span = Span { file: FileId(0), start, end: start + 1, line: 1, col: start + 1 };
        Diagnostic::new(codes::SYNTAX_ERROR, span, format!("at {start}"))
    }

    #[test]
    fn keeps_the_first_by_position_whatever_the_order_pushed() {
        let n = MAX_DIAGNOSTICS as u32;
        for order in [(0..5 * n).collect::<Vec<_>>(), (0..5 * n).rev().collect()] {
            let mut c = Diagnostics::new();
            c.extend(order.iter().map(|&i| at(i)));
            assert!(c.has_errors());
            let (kept, omitted) = c.finish();
            let starts: Vec<u32> = kept.iter().map(|d| d.span.start).collect();
            assert_eq!(starts, (0..n).collect::<Vec<_>>());
            assert_eq!(omitted, Summary { errors: 4 * MAX_DIAGNOSTICS, ..Summary::default() });
        }
    }

    #[test]
    fn wants_refuses_only_what_cannot_be_kept() {
        let mut c = Diagnostics::new();
        c.extend((10..10 + 2 * MAX_DIAGNOSTICS as u32).map(at));
        assert!(c.wants(Severity::Error, at(5).span), "before every kept one");
        assert!(!c.wants(Severity::Error, at(100_000).span), "after the first N");
        assert!(c.wants(Severity::Warning, at(100_000).span), "severities are kept apart");
        c.skip(Severity::Error);
        let (kept, omitted) = c.finish();
        assert_eq!(kept.len(), MAX_DIAGNOSTICS);
        assert_eq!(omitted.errors, MAX_DIAGNOSTICS + 1);
    }

    #[test]
    fn few_are_all_kept() {
        let mut c = Diagnostics::new();
        c.extend([at(3), at(1)]);
        let (kept, omitted) = c.finish();
        assert_eq!(kept.iter().map(|d| d.span.start).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(omitted.total(), 0);
    }
}
