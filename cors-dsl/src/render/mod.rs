//! Rendering diagnostics for people and machines.
//!
//! Every renderer takes the [`crate::SourceMap`] the diagnostics point into and a slice
//! of [`crate::Diagnostic`]s and returns the text to print. They share the helpers
//! below so that every format agrees on where a span ends and how findings are counted.
//!
//! Positions are 1-based; columns count characters. An *end* column is exclusive (the
//! column just after the last character), as in SARIF, so a one-character token at
//! column 5 has `column 5`, `end_column 6`.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::{SourceMap, Span};

/// A problem with the run rather than with a policy: an input that could not be read,
/// or is not policy source. Machine formats record it beside the findings, so a
/// report is never empty or silently partial when an input is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The input as given (`policies/api.cors`, `<stdin>`).
    pub path: String,
    /// One line, lower-case: what the file is and what to do.
    pub message: String,
}

/// Start and end of a span as 1-based `(line, column)` pairs, end exclusive.
///
/// The start comes from the span itself (the parser computed it); the end is computed
/// from the file's line index. For a span in a file the map does not know, the end is
/// the start (nothing better can be said).
pub(crate) fn end_position(sources: &SourceMap, span: Span) -> (u32, u32) {
    match sources.get(span.file) {
        Some(file) => file.line_col(span.end as usize),
        None => (span.line, span.col),
    }
}

pub use crate::diagnostics::Summary;

/// What machine formats say about findings counted but not kept: the same
/// `… and M more` people see, and why.
pub(crate) fn omitted_text(omitted: Summary) -> String {
    format!(
        "{} ({omitted}): only the first {} findings of each severity in a file are listed",
        crate::diagnostics::more_line(omitted.total()),
        crate::diagnostics::MAX_DIAGNOSTICS,
    )
}
