//! Canonical formatting of a [`crate::ast::Document`] (`corsc fmt`).
//!
//! One layout for every policy file, so diffs show meaning and not whitespace:
//! 4-space indents, one directive per line, single spaces between arguments, quoted
//! strings re-quoted with as few escapes as possible, comments kept where they were
//! (above a directive, after it on the same line, or at the end of a block), at most
//! one blank line where the source had any, and exactly one blank line between
//! top-level blocks. The source text is needed only to see where blank lines were
//! (spans record where things start; the source says on which line they end).
//!
//! Printing is idempotent (`print(parse(print(x))) == print(x)`) and keeps meaning:
//! the printed text parses to the same tree, spans aside.

use crate::ast::{Arg, ArgKind, Directive, Document};
use crate::diag::Diagnostic;
use crate::span::{FileId, SourceFile, Span, Spanned};

const INDENT: &str = "    ";

/// Prints `doc`, parsed from `source`, in canonical form.
pub fn print(doc: &Document, source: &SourceFile) -> String {
    let mut p = Printer { out: String::new(), source };
    p.list(&doc.directives, &doc.trailing_comments, 0);
    let trimmed = p.out.trim_end_matches('\n').len();
    p.out.truncate(trimmed);
    if !p.out.is_empty() {
        p.out.push('\n');
    }
    p.out
}

/// Parses `file` and prints it in canonical form; refuses (returning the syntax
/// errors) when the file does not parse, since printing a partial tree would drop text.
pub fn format(file: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    let (doc, diags) = crate::syntax::parse(file, FileId(0));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(print(&doc, file))
}

struct Printer<'a> {
    out: String,
    source: &'a SourceFile,
}

impl Printer<'_> {
    /// The line the last byte of `span` is on.
    fn end_line(&self, span: Span) -> u32 {
        self.source.line_col(span.end.saturating_sub(1).max(span.start) as usize).0
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }

    fn comment_line(&mut self, c: &Spanned<String>, depth: usize) {
        self.indent(depth);
        self.out.push('#');
        self.out.push_str(&c.node);
        self.out.push('\n');
    }

    fn list(&mut self, directives: &[Directive], trailing: &[Spanned<String>], depth: usize) {
        // Line where the previous item ended; `None` at the start of a block, where
        // blank lines are never kept.
        let mut prev_end: Option<u32> = None;
        let mut prev_was_block = false;
        let gap = |line: u32, prev: Option<u32>| prev.is_some_and(|e| line > e + 1);
        for d in directives {
            // Comments written between the arguments are printed above the directive.
            let (above, inside): (Vec<_>, Vec<_>) =
                d.leading_comments.iter().partition(|c| c.span.start < d.span.start);
            let first_line = above.first().map_or(d.span.line, |c| c.span.line);
            let separate_blocks =
                depth == 0 && prev_end.is_some() && (prev_was_block || d.block.is_some());
            if gap(first_line, prev_end) || separate_blocks {
                self.out.push('\n');
            }
            let mut last: Option<u32> = None;
            for c in &above {
                if gap(c.span.line, last) {
                    self.out.push('\n');
                }
                self.comment_line(c, depth);
                last = Some(c.span.line);
            }
            for c in &inside {
                self.comment_line(c, depth);
            }
            if gap(d.span.line, last) {
                self.out.push('\n');
            }
            self.directive(d, depth);
            prev_end = Some(self.end_line(d.span));
            prev_was_block = d.block.is_some();
        }
        for c in trailing {
            if gap(c.span.line, prev_end) {
                self.out.push('\n');
            }
            self.comment_line(c, depth);
            prev_end = Some(c.span.line);
        }
    }

    fn directive(&mut self, d: &Directive, depth: usize) {
        self.indent(depth);
        self.out.push_str(d.name());
        for a in &d.args {
            self.out.push(' ');
            self.arg(a);
        }
        let trailing = |c: &Spanned<String>| format!(" #{}", c.node);
        match &d.block {
            None => {
                self.out.push(';');
                if let Some(c) = &d.trailing_comment {
                    self.out.push_str(&trailing(c));
                }
            }
            Some(b) => {
                let (after_open, after_close) = match &d.trailing_comment {
                    Some(c) if c.span.start >= b.span.end => (None, Some(c)),
                    other => (other.as_ref(), None),
                };
                if b.directives.is_empty() && b.trailing_comments.is_empty() && after_open.is_none()
                {
                    self.out.push_str(" {}");
                } else {
                    self.out.push_str(" {");
                    if let Some(c) = after_open {
                        self.out.push_str(&trailing(c));
                    }
                    self.out.push('\n');
                    self.list(&b.directives, &b.trailing_comments, depth + 1);
                    self.indent(depth);
                    self.out.push('}');
                }
                if let Some(c) = after_close {
                    self.out.push_str(&trailing(c));
                }
            }
        }
        self.out.push('\n');
    }

    fn arg(&mut self, a: &Arg) {
        match a.kind {
            ArgKind::Word | ArgKind::Tilde => self.out.push_str(&a.value),
            ArgKind::Quoted => self.out.push_str(&quote(&a.value)),
        }
    }
}

/// Quotes `value` so the lexer reads it back unchanged, with as few escapes as
/// possible: `'…'` when that avoids escaping `"`, and a backslash doubled only where
/// the lexer would otherwise read it as the start of an escape.
pub fn quote(value: &str) -> String {
    let q = if value.contains('"') && !value.contains('\'') { '\'' } else { '"' };
    let mut out = String::with_capacity(value.len() + 2);
    out.push(q);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.peek().copied();
                let ambiguous =
                    next.is_none_or(|n| matches!(n, '"' | '\'' | '\\' | 'n' | 't' | '\n' | '\t'));
                out.push_str(if ambiguous { "\\\\" } else { "\\" });
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(&SourceFile::new("t.cors", text)) {
            Ok(s) => s,
            Err(d) => panic!("input {text:?} does not parse: {d:?}"),
        }
    }

    #[test]
    fn quoting_round_trips() {
        let values = [
            "",
            "abc",
            "a\"b",
            "a'b",
            "a\"b'c",
            r"\.",
            r"a\",
            r"\\",
            r"\n",
            "\\\n",
            "\n\t",
            r"^https://x\.example\.com$",
            r#"\""#,
            r"\'",
            "x\\\t",
        ];
        for v in values {
            let text = format!("x {};", quote(v));
            let (doc, diags) = crate::syntax::parse(&SourceFile::new("t", &*text), FileId(0));
            assert!(diags.is_empty(), "value {v:?} printed as {text:?}: {diags:?}");
            assert_eq!(doc.directives[0].args[0].value, v, "value {v:?} printed as {text:?}");
        }
        assert_eq!(quote(r"^https://x\.y$"), r#""^https://x\.y$""#);
        assert_eq!(quote("say \"hi\""), r#"'say "hi"'"#);
    }

    #[test]
    fn canonical_layout() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("\n\n", ""),
            ("a;", "a;\n"),
            ("  a   b\t'c' ;", "a b \"c\";\n"),
            ("origin ~\"x\" ~  y;", "origin ~ \"x\" ~ y;\n"),
            ("policy p { }", "policy p {}\n"),
            (
                "policy p {origin a;methods GET;}",
                "policy p {\n    origin a;\n    methods GET;\n}\n",
            ),
            (
                "policy p {\n\n\n  a;\n\n\n\n  b;\n\n}\n\n\n",
                "policy p {\n    a;\n\n    b;\n}\n",
            ),
            ("policy a {}\npolicy b {}", "policy a {}\n\npolicy b {}\n"),
            ("include a;\ninclude b;", "include a;\ninclude b;\n"),
            ("include a;\n\n\ninclude b;", "include a;\n\ninclude b;\n"),
            (
                "# top\n\n# lead\npolicy p { # open\n  a; # trail\n  # end\n} # close\n# eof",
                // Only one comment fits on the directive; the one after `}` moves down.
                "# top\n\n# lead\npolicy p { # open\n    a; # trail\n    # end\n}\n# close\n# eof\n",
            ),
            ("policy p {\n} # close", "policy p {} # close\n"),
            ("policy p { # open\n}", "policy p { # open\n}\n"),
            ("a x # inside\n y;", "# inside\na x y;\n"),
            ("a;\r\n\r\n\r\nb;\r\n", "a;\n\nb;\n"),
            (
                "policy p {\n allow {\n origin x;\n }\n}",
                "policy p {\n    allow {\n        origin x;\n    }\n}\n",
            ),
        ];
        for (input, want) in cases {
            let got = fmt(input);
            assert_eq!(&got, want, "input {input:?}");
            assert_eq!(fmt(&got), got, "not idempotent for input {input:?}");
        }
    }
}
