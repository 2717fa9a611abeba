//! Applying fixes to source text: what `corsc lint --fix` does with the
//! [`Fix`](crate::diag::Fix)es diagnostics carry.
//!
//! Only [`Applicability::MachineApplicable`] fixes are applied, each a byte-range
//! replacement, so comments and formatting around them stay as written. Fixes that
//! overlap one already taken are left for the next round: the caller lints the result
//! again and applies what is still offered, until nothing is (ruff's loop), which
//! settles every fix that two neighbouring deletions shared a blank for.

use crate::diag::{Applicability, Diagnostic, Fix};
use crate::span::FileId;

/// Upper bound on lint-and-fix rounds: each round removes or rewrites at least one
/// entry, and no fix creates a finding with a fix, so a policy settles in a few.
pub const MAX_ROUNDS: usize = 16;

/// The machine-applicable fixes of `diags` that edit `file`.
pub fn applicable(diags: &[Diagnostic], file: FileId) -> Vec<&Fix> {
    diags
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability == Applicability::MachineApplicable && f.span.file == file)
        .collect()
}

/// `text` with `fixes` applied (those that overlap an earlier one, or whose range is
/// not in `text`, are skipped), and how many were applied.
pub fn apply(text: &str, fixes: &[&Fix]) -> (String, usize) {
    let mut sorted: Vec<&Fix> = fixes.to_vec();
    sorted.sort_by_key(|f| (f.span.start, f.span.end));
    let mut out = String::with_capacity(text.len());
    let mut done = 0usize;
    let mut applied = 0;
    for fix in sorted {
        let range = fix.span.range();
        // Overlapping (or, for two insertions, touching) an applied fix: next round.
        if range.start < done || (applied > 0 && range.start == done && range.is_empty()) {
            continue;
        }
        let (Some(before), Some(_)) = (text.get(done..range.start), text.get(range.clone())) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&fix.replacement);
        done = range.end;
        applied += 1;
    }
    out.push_str(text.get(done..).unwrap_or(""));
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn fix(start: u32, end: u32, replacement: &str) -> Fix {
        Fix {
            span: Span { file: FileId(0), start, end, line: 1, col: start + 1 },
            replacement: replacement.into(),
            description: String::new(),
            applicability: Applicability::MachineApplicable,
        }
    }

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let text = "methods GET POST PUT;";
        // `GET ` and ` POST` share the blank between them: one per round.
        let (a, b, c) = (fix(8, 12, ""), fix(11, 16, ""), fix(17, 20, "PATCH"));
        let (once, n) = apply(text, &[&c, &b, &a]);
        assert_eq!((once.as_str(), n), ("methods POST PATCH;", 2), "{text:?}");
        let (none, n) = apply(text, &[]);
        assert_eq!((none.as_str(), n), (text, 0));
        let out_of_range = fix(40, 41, "x");
        assert_eq!(apply(text, &[&out_of_range]), (text.to_string(), 0));
    }
}
