//! `# corsc: allow CODE "reason"` comments: read from the syntax tree, applied to the
//! linter's findings.
//!
//! The loader collects the comments of every file it parses ([`collect`]) into the
//! model; the linter then drops the findings they cover (`apply`) and reports the
//! suppressions themselves when they lack a reason (`CORS190`) or silence nothing
//! (`CORS191`). The code in a comment is user text, so it is looked up in the
//! [`registry`](super::registry) here, once per comment.

use super::{cors190_suppression_without_reason as cors190, cors191_unused_suppression as cors191};
use crate::ast::{Directive, Document};
use crate::codes::CodeKind;
use crate::diag::{Diagnostic, Severity};
use crate::model::Suppression;
use crate::span::{FileId, Spanned};
use std::collections::HashMap;

/// Every `# corsc: allow CODE "reason"` comment of a parsed file.
///
/// A comment above a directive applies to that directive's line; a comment after a
/// directive on the same line applies to its own line; any other applies to its own
/// line (and will most likely be reported as unused by the linter).
pub fn collect(doc: &Document) -> Vec<Suppression> {
    let mut out = Vec::new();
    for d in &doc.directives {
        walk(d, &mut out);
    }
    out.extend(collect_comments(&doc.trailing_comments));
    out
}

/// [`collect`] for one top-level directive (the loader reads them one at a time).
pub fn collect_directive(d: &Directive) -> Vec<Suppression> {
    let mut out = Vec::new();
    walk(d, &mut out);
    out
}

/// The suppressions among comments that stand alone (after the last directive of a
/// file or block): each applies to its own line.
pub fn collect_comments(comments: &[Spanned<String>]) -> Vec<Suppression> {
    comments.iter().filter_map(|c| parse_comment(c, c.span.line)).collect()
}

fn walk(d: &Directive, out: &mut Vec<Suppression>) {
    for c in &d.leading_comments {
        out.extend(parse_comment(c, d.name.span.line));
    }
    if let Some(c) = &d.trailing_comment {
        out.extend(parse_comment(c, c.span.line));
    }
    if let Some(b) = &d.block {
        for inner in &b.directives {
            walk(inner, out);
        }
        out.extend(collect_comments(&b.trailing_comments));
    }
}

/// Reads `corsc: allow CODE "reason"` (reason quoted, bare, after `--`, or absent).
fn parse_comment(comment: &Spanned<String>, applies_to_line: u32) -> Option<Suppression> {
    let rest = comment.node.trim().strip_prefix("corsc:")?.trim_start().strip_prefix("allow")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let (code, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if code.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let rest = rest.strip_prefix("--").map_or(rest, str::trim_start);
    let reason = match rest.chars().next() {
        None => None,
        Some(q @ ('"' | '\'')) => {
            let inner = rest.get(1..).unwrap_or("");
            let inner = inner.rfind(q).map_or(inner, |end| inner.get(..end).unwrap_or(inner));
            Some(inner.trim().to_string())
        }
        Some(_) => Some(rest.to_string()),
    };
    Some(Suppression {
        code: code.to_string(),
        reason: reason.filter(|r| !r.is_empty()),
        span: comment.span,
        applies_to_line,
    })
}

/// Drops the findings `suppressions` cover, then adds `CORS190` for each suppression
/// without a reason and `CORS191` for each that covered nothing.
pub(crate) fn apply(suppressions: &[Suppression], findings: &mut Vec<Diagnostic>) {
    let targets: Vec<_> = suppressions.iter().map(|s| super::registry::lookup(&s.code)).collect();

    // The suppressions of each line, so that matching is linear: a generated tenants
    // file can hold a suppression and a finding on each of 100,000 lines.
    let mut by_line: HashMap<(FileId, u32), Vec<usize>> = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        by_line.entry((s.span.file, s.applies_to_line)).or_default().push(i);
    }

    // Which suppressions silenced something, and whether any of it was an error.
    let mut used = vec![false; suppressions.len()];
    let mut silenced_error = vec![false; suppressions.len()];
    findings.retain(|d| {
        let mut keep = true;
        for &i in by_line.get(&(d.span.file, d.span.line)).map_or(&[][..], Vec::as_slice) {
            if targets[i] == Some(d.code) {
                used[i] = true;
                silenced_error[i] |= d.is_error();
                keep = false;
            }
        }
        keep
    });

    for (((s, target), used), silenced_error) in
        suppressions.iter().zip(targets).zip(used).zip(silenced_error)
    {
        if s.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            let mut d = Diagnostic::new(
                cors190::CODE,
                s.span,
                format!("suppression of `{}` without a reason", s.code),
            )
            .label("say why this finding is acceptable here")
            .help(format!("write `# corsc: allow {} \"why it is fine here\"`", s.code));
            // An error would refuse the policy: silencing one takes a stated reason, or
            // the policy is still refused.
            if silenced_error {
                d = d.severity(Severity::Error);
            }
            findings.push(d);
        }
        if !used {
            let d = match target {
                None => Diagnostic::new(
                    cors191::CODE,
                    s.span,
                    format!("suppression of unknown code `{}`", s.code),
                )
                .label("no such code")
                .help("see `corsc rules` for the list of codes"),
                Some(c) if c.kind != CodeKind::Lint => Diagnostic::new(
                    cors191::CODE,
                    s.span,
                    match c.kind {
                        CodeKind::Expectation => {
                            format!("`{c}` is a failed policy test and cannot be suppressed")
                        }
                        _ => format!("`{c}` is a language error and cannot be suppressed"),
                    },
                )
                .label("has no effect")
                .help("fix the policy instead"),
                Some(c) => Diagnostic::new(
                    cors191::CODE,
                    s.span,
                    format!("suppression of `{c}` ({}) suppresses nothing", c.name),
                )
                .label(format!("no `{c}` finding on line {}", s.applies_to_line))
                .help("remove the comment"),
            };
            findings.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    /// (code, reason) of a parsed suppression.
    type Sup = Option<(String, Option<String>)>;

    fn sup(text: &str) -> Sup {
        let c = Spanned::new(text.to_string(), Span::default());
        parse_comment(&c, 1).map(|s| (s.code, s.reason))
    }

    #[test]
    fn suppression_comments() {
        let some = |c: &str, r: Option<&str>| Some((c.to_string(), r.map(str::to_string)));
        let cases: &[(&str, Sup)] = &[
            (" corsc: allow CORS101 \"dev only\"", some("CORS101", Some("dev only"))),
            (" corsc: allow CORS101 'dev only'", some("CORS101", Some("dev only"))),
            (" corsc: allow CORS101 -- dev only", some("CORS101", Some("dev only"))),
            (" corsc: allow CORS101 dev only", some("CORS101", Some("dev only"))),
            (" corsc: allow CORS101", some("CORS101", None)),
            (" corsc: allow CORS101 \"\"", some("CORS101", None)),
            ("corsc:allow CORS102 x", some("CORS102", Some("x"))),
            (" corsc: allow", None),
            (" corsc: allowCORS101", None),
            (" corsc allow CORS101", None),
            (" just a comment", None),
        ];
        for (input, want) in cases {
            assert_eq!(&sup(input), want, "input {input:?}");
        }
    }
}
