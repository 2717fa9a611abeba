//! The parser: text → [`crate::ast::Document`].
//!
//! Two small stages. The lexer (built from `nom` combinators on `&str`; byte offsets
//! are recovered from how much input is left) cuts the text into words, quoted
//! strings, `~`, `;`, `{`, `}` and comments. The parser then assembles nginx-shaped
//! directives from those tokens by recursive descent.
//!
//! Both stages are total: every input yields a (possibly partial) document plus a
//! `CORS001` diagnostic for each problem found. After an error the parser skips to the
//! next `;` or `}` (stepping over whole `{ … }` blocks) and goes on, so one run reports
//! every error it can. Nesting is capped at [`MAX_DEPTH`] so hostile input cannot
//! exhaust the stack.

use crate::ast::{Arg, ArgKind, Block, Directive, Document};
use crate::check::ALL;
use crate::codes;
use crate::diag::Diagnostic;
use crate::span::{FileId, SourceFile, Span, Spanned};
use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{recognize, value};
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser as _};

/// The deepest `{ … }` nesting accepted. The language needs three levels (policy,
/// allow, and nothing below); the cap only exists to bound recursion.
pub const MAX_DEPTH: usize = 16;

/// Parses one file. Reports every syntax error it can (recovering at the next `;` or
/// `}`), never panics, and returns the directives it could read.
pub fn parse(file: &SourceFile, id: FileId) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (tokens, quoted) = lex(&file.text, &mut |start, end, message, help| {
        diags.push((start, end, message, help));
    });
    let mut parser = Parser { file, id, tokens, quoted, pos: 0, diags: Vec::new() };
    for (start, end, message, help) in diags {
        let span = parser.span(start, end);
        parser
            .diags
            .push(Diagnostic::new(codes::SYNTAX_ERROR, span, message).label("here").help(help));
    }
    let (directives, trailing_comments, _) = parser.list(0, None);
    let mut diags = parser.diags;
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    (Document { directives, trailing_comments }, diags)
}

// ---------------------------------------------------------------------------------
// Lexer

/// A token's kind; its text is the source's bytes `start..end` (no copy per token: a
/// tenants policy has millions), except a quoted string's, whose escapes are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word,
    /// Index of its value in the lexer's quoted values.
    Quoted(u32),
    Tilde,
    Semi,
    Open,
    Close,
    /// `#` and `len` bytes of text (trailing blanks and `\r` excluded).
    Comment {
        len: u32,
    },
    /// Text that could not be lexed; already reported.
    Bad,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Characters that may appear in a bare word (`#` and `~` only after the first).
fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ';' | '{' | '}' | '"' | '\'')
}

/// `# …` up to the end of the line (the newline itself is not part of it).
fn comment(i: &str) -> IResult<&str, &str> {
    preceded(char('#'), take_till(|c| c == '\n')).parse(i)
}

fn punct(i: &str) -> IResult<&str, Tok> {
    alt((
        value(Tok::Semi, char(';')),
        value(Tok::Open, char('{')),
        value(Tok::Close, char('}')),
        value(Tok::Tilde, char('~')),
    ))
    .parse(i)
}

fn word(i: &str) -> IResult<&str, &str> {
    recognize(pair(satisfy(|c| is_word_char(c) && c != '#' && c != '~'), take_while(is_word_char)))
        .parse(i)
}

fn spaces(i: &str) -> IResult<&str, &str> {
    take_while(char::is_whitespace).parse(i)
}

/// A `"…"` or `'…'` string with `\"`, `\'`, `\\`, `\n` and `\t` resolved; any other
/// `\X` is kept as the two characters (so regexes need no double escaping).
/// `Err` carries nothing: the only failure is a missing closing quote.
fn quoted(i: &str) -> Result<(&str, String), ()> {
    let mut chars = i.char_indices();
    let Some((_, quote)) = chars.next() else { return Err(()) };
    let mut out = String::new();
    while let Some((idx, c)) = chars.next() {
        if c == quote {
            let rest = i.get(idx + c.len_utf8()..).unwrap_or("");
            return Ok((rest, out));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, e @ ('"' | '\'' | '\\'))) => out.push(e),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, other)) => {
                out.push('\\');
                out.push(other);
            }
            None => break,
        }
    }
    Err(())
}

/// Cuts `text` into tokens, and the values of its quoted strings (escapes resolved,
/// indexed by [`Tok::Quoted`]); `error(start, end, message, help)` is told about each
/// piece of text that cannot be a token.
fn lex(
    text: &str,
    error: &mut dyn FnMut(usize, usize, String, String),
) -> (Vec<Token>, Vec<String>) {
    let offset = |rest: &str| text.len() - rest.len();
    let mut tokens = Vec::new();
    let mut quoted_values = Vec::new();
    let mut rest = text;
    loop {
        rest = spaces(rest).map_or(rest, |(r, _)| r);
        if rest.is_empty() {
            break;
        }
        let start = offset(rest);
        let (next, tok) = if let Ok((r, c)) = comment(rest) {
            (r, Tok::Comment { len: c.trim_end().len() as u32 })
        } else if let Ok((r, t)) = punct(rest) {
            (r, t)
        } else if rest.starts_with(['"', '\'']) {
            match quoted(rest) {
                Ok((r, s)) => {
                    quoted_values.push(s);
                    (r, Tok::Quoted(quoted_values.len() as u32 - 1))
                }
                Err(()) => {
                    error(
                        start,
                        start + 1,
                        "unterminated string".into(),
                        "close the string with the same quote it starts with".into(),
                    );
                    ("", Tok::Bad)
                }
            }
        } else if let Ok((r, _)) = word(rest) {
            (r, Tok::Word)
        } else {
            // Unreachable by construction (every non-space character starts some
            // token), but a lexer that cannot make progress must not loop.
            let n = rest.chars().next().map_or(1, char::len_utf8);
            error(start, start + n, "unexpected character".into(), "remove it".into());
            (rest.get(n..).unwrap_or(""), Tok::Bad)
        };
        // Comments end before trailing spaces or `\r`; their span should too.
        let end = match &tok {
            Tok::Comment { len } => start + 1 + *len as usize,
            _ => offset(next),
        };
        tokens.push(Token { tok, start, end });
        rest = next;
    }
    (tokens, quoted_values)
}

// ---------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    file: &'a SourceFile,
    id: FileId,
    tokens: Vec<Token>,
    /// The values of quoted strings, indexed by [`Tok::Quoted`].
    quoted: Vec<String>,
    pos: usize,
    diags: Vec<Diagnostic>,
}

/// What [`Parser::list`] stopped at.
enum ListEnd {
    /// The closing `}` (its end offset).
    Closed(usize),
    /// End of input.
    Eof,
}

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        let (line, col) = self.file.line_col(start);
        Span { file: self.id, start: start as u32, end: end as u32, line, col }
    }

    fn line(&self, offset: usize) -> u32 {
        self.file.line_col(offset).0
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// The text of a token, as written.
    fn text(&self, t: &Token) -> &str {
        self.file.text.get(t.start..t.end).unwrap_or("")
    }

    /// A comment token's text, after the `#`.
    fn comment_text(&self, t: &Token) -> String {
        self.file.text.get(t.start + 1..t.end).unwrap_or("").to_string()
    }

    fn error(&mut self, start: usize, end: usize, message: &str, label: &str, help: &str) {
        let span = self.span(start, end);
        self.diags
            .push(Diagnostic::new(codes::SYNTAX_ERROR, span, message).label(label).help(help));
    }

    /// A comment on the same line as the byte at `offset`, if one comes next.
    fn same_line_comment(&mut self, offset: usize) -> Option<Spanned<String>> {
        let t = self.peek()?;
        let t = *t;
        let Tok::Comment { .. } = t.tok else { return None };
        if self.line(t.start) != self.line(offset) {
            return None;
        }
        let c = Spanned::new(self.comment_text(&t), self.span(t.start, t.end));
        self.pos += 1;
        Some(c)
    }

    /// Skips to just after the next `;`, or to the next `}` (left for the enclosing
    /// block), stepping over whole `{ … }` blocks without recursion.
    fn recover(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Semi if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                Tok::Open => depth += 1,
                Tok::Close if depth == 0 => return,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Directives up to the `}` closing `open` (or the end of input at top level).
    fn list(
        &mut self,
        depth: usize,
        open: Option<(usize, usize)>,
    ) -> (Vec<Directive>, Vec<Spanned<String>>, ListEnd) {
        let mut directives = Vec::new();
        let mut comments = Vec::new();
        loop {
            let Some(t) = self.peek().copied() else {
                if let Some((start, end)) = open {
                    self.error(
                        start,
                        end,
                        "unclosed block",
                        "this `{` is never closed",
                        "add the missing `}`",
                    );
                }
                return (directives, comments, ListEnd::Eof);
            };
            match t.tok {
                Tok::Comment { .. } => {
                    self.pos += 1;
                    comments.push(Spanned::new(self.comment_text(&t), self.span(t.start, t.end)));
                }
                Tok::Close if open.is_some() => {
                    self.pos += 1;
                    return (directives, comments, ListEnd::Closed(t.end));
                }
                Tok::Close => {
                    self.pos += 1;
                    self.error(
                        t.start,
                        t.end,
                        "unexpected `}`",
                        "no block to close",
                        "remove it, or add the `{` it should close",
                    );
                }
                Tok::Semi => {
                    // A run of them is one mistake, reported once (not one diagnostic,
                    // and one rendered line, per byte of a line of `;`).
                    let mut end = t.end;
                    self.pos += 1;
                    while let Some(Token { tok: Tok::Semi, end: e, .. }) = self.peek() {
                        end = *e;
                        self.pos += 1;
                    }
                    let label =
                        if end - t.start > 1 { "empty statements" } else { "empty statement" };
                    self.error(t.start, end, "unexpected `;`", label, "remove it");
                }
                Tok::Bad => self.pos += 1,
                Tok::Open | Tok::Tilde | Tok::Quoted(_) => {
                    let what = match t.tok {
                        Tok::Open => "`{`",
                        Tok::Tilde => "`~`",
                        _ => "a quoted string",
                    };
                    self.error(
                        t.start,
                        t.end,
                        &format!("expected a directive name, found {what}"),
                        "expected a name such as `policy` or `origin`",
                        "start each statement with a directive name",
                    );
                    self.recover();
                }
                Tok::Word => {
                    self.pos += 1;
                    let leading = std::mem::take(&mut comments);
                    let name = self.text(&t).to_string();
                    if let Some(d) = self.directive(name, &t, leading, depth) {
                        directives.push(d);
                    }
                }
            }
        }
    }

    /// The rest of a directive whose name token was just consumed.
    fn directive(
        &mut self,
        name: String,
        name_tok: &Token,
        mut leading_comments: Vec<Spanned<String>>,
        depth: usize,
    ) -> Option<Directive> {
        let name = Spanned::new(name, self.span(name_tok.start, name_tok.end));
        // Most directives have one argument: a `Vec` would start with room for four
        // (a tenants policy has a million `origin` lines), so start with one and trim
        // in `finish`.
        let mut args = Vec::with_capacity(1);
        // The last token read, where a missing `;` is reported.
        let mut last = (name_tok.start, name_tok.end);
        let mut saw_bad = false;
        loop {
            let Some(t) = self.peek().copied() else {
                // An unterminated string ran to the end of the input: the missing
                // `;` is no news, and the arguments are incomplete, so the directive
                // is dropped rather than checked.
                if saw_bad {
                    return None;
                }
                self.missing_semi(&name.node, last);
                return Some(self.finish(name, args, None, leading_comments, None, last.1));
            };
            let kind = match &t.tok {
                Tok::Word => Some((ArgKind::Word, self.text(&t).to_string())),
                Tok::Quoted(i) => Some((
                    ArgKind::Quoted,
                    self.quoted.get(*i as usize).cloned().unwrap_or_default(),
                )),
                Tok::Tilde => Some((ArgKind::Tilde, "~".to_string())),
                _ => None,
            };
            // A directive name opening a later line is the next directive, not one
            // more argument: the `;` before it is missing (`origin a b` ⏎ `methods GET;`
            // would otherwise read `methods` and `GET` as two more origins). No
            // argument of the language is spelled like a directive name.
            if let Some((ArgKind::Word, word)) = &kind {
                if ALL.contains(&word.as_str()) && self.line(t.start) > self.line(last.1) {
                    self.missing_semi(&name.node, last);
                    return Some(self.finish(name, args, None, leading_comments, None, last.1));
                }
            }
            if let Some((kind, value)) = kind {
                self.pos += 1;
                args.push(Arg { kind, value, span: self.span(t.start, t.end) });
                last = (t.start, t.end);
                continue;
            }
            match t.tok {
                Tok::Comment { .. } => {
                    // A comment between arguments has no place of its own in the tree;
                    // keep it with the directive so `fmt` does not lose it.
                    self.pos += 1;
                    leading_comments
                        .push(Spanned::new(self.comment_text(&t), self.span(t.start, t.end)));
                }
                Tok::Bad => {
                    self.pos += 1;
                    saw_bad = true;
                }
                Tok::Semi => {
                    self.pos += 1;
                    let trailing = self.same_line_comment(t.start);
                    return Some(self.finish(name, args, None, leading_comments, trailing, t.end));
                }
                Tok::Open if depth + 1 > MAX_DEPTH => {
                    self.error(
                        t.start,
                        t.end,
                        "blocks nested too deeply",
                        "this block",
                        "policies need at most two levels: `policy { allow { … } }`",
                    );
                    self.recover();
                    return None;
                }
                Tok::Open => {
                    self.pos += 1;
                    let mut trailing = self.same_line_comment(t.start);
                    let (directives, trailing_comments, list_end) =
                        self.list(depth + 1, Some((t.start, t.end)));
                    let end = match list_end {
                        ListEnd::Closed(end) => end,
                        ListEnd::Eof => self.file.text.len(),
                    };
                    if trailing.is_none() && matches!(list_end, ListEnd::Closed(_)) {
                        trailing = self.same_line_comment(end.saturating_sub(1));
                    }
                    let block =
                        Block { directives, trailing_comments, span: self.span(t.start, end) };
                    return Some(self.finish(
                        name,
                        args,
                        Some(block),
                        leading_comments,
                        trailing,
                        end,
                    ));
                }
                // `}` or anything else: the `;` is missing. Keep what was read; the
                // `}` is left for the enclosing block.
                _ => {
                    self.missing_semi(&name.node, last);
                    return Some(self.finish(name, args, None, leading_comments, None, last.1));
                }
            }
        }
    }

    fn missing_semi(&mut self, name: &str, (start, end): (usize, usize)) {
        self.error(
            start,
            end,
            &format!("expected `;` after `{name}`"),
            "expected `;` after this",
            "end the directive with `;`",
        );
    }

    fn finish(
        &self,
        name: Spanned<String>,
        args: Vec<Arg>,
        block: Option<Block>,
        leading_comments: Vec<Spanned<String>>,
        trailing_comment: Option<Spanned<String>>,
        end: usize,
    ) -> Directive {
        let span = self.span(name.span.start as usize, end);
        let mut args = args;
        if args.capacity() > args.len() {
            args.shrink_to_fit();
        }
        Directive {
            name,
            args,
            block: block.map(Box::new),
            leading_comments,
            trailing_comment: trailing_comment.map(Box::new),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Document, Vec<Diagnostic>) {
        parse(&SourceFile::new("t.cors", text), FileId(0))
    }

    fn args(d: &Directive) -> Vec<(ArgKind, &str)> {
        d.args.iter().map(|a| (a.kind, a.value.as_str())).collect()
    }

    #[test]
    fn quoted_strings_resolve_only_known_escapes() {
        let cases: &[(&str, &str)] = &[
            (r#""abc""#, "abc"),
            (r#""a\"b""#, "a\"b"),
            (r#"'a\'b'"#, "a'b"),
            (r#"'a"b'"#, "a\"b"),
            (r#""a\\b""#, "a\\b"),
            (r#""a\nb\tc""#, "a\nb\tc"),
            (r#""^https://x\.example\.com$""#, r"^https://x\.example\.com$"),
            (r#""\d+""#, r"\d+"),
            (r#""""#, ""),
            ("\"multi\nline\"", "multi\nline"),
        ];
        for (input, want) in cases {
            let (doc, diags) = parse_str(&format!("x {input};"));
            assert!(diags.is_empty(), "input {input:?}: {diags:?}");
            let d = &doc.directives[0];
            assert_eq!(args(d), vec![(ArgKind::Quoted, *want)], "input {input:?}");
        }
    }

    #[test]
    fn words_tilde_and_hash() {
        let (doc, diags) = parse_str("origin ~\"a\" ~b https://x#y c~d; # done\n");
        assert!(diags.is_empty(), "{diags:?}");
        let d = &doc.directives[0];
        assert_eq!(
            args(d),
            vec![
                (ArgKind::Tilde, "~"),
                (ArgKind::Quoted, "a"),
                (ArgKind::Tilde, "~"),
                (ArgKind::Word, "b"),
                (ArgKind::Word, "https://x#y"),
                (ArgKind::Word, "c~d"),
            ]
        );
        assert_eq!(d.trailing_comment.as_ref().map(|c| c.node.as_str()), Some(" done"));
    }

    #[test]
    fn spans_have_lines_and_columns() {
        let text = "# hi\r\npolicy p {\r\n\torigin  'https://a.com';\r\n}\r\n";
        let (doc, diags) = parse_str(text);
        assert!(diags.is_empty(), "{diags:?}");
        let p = &doc.directives[0];
        assert_eq!((p.span.line, p.span.col), (2, 1));
        assert_eq!(p.leading_comments[0].node, " hi");
        let block = p.block.as_ref().unwrap();
        let o = &block.directives[0];
        assert_eq!((o.name.span.line, o.name.span.col), (3, 2));
        let a = &o.args[0];
        assert_eq!((a.span.line, a.span.col), (3, 10));
        assert_eq!(&text[a.span.range()], "'https://a.com'");
        assert_eq!(&text[o.span.range()], "origin  'https://a.com';");
        assert_eq!(&text[p.span.range()], &text[6..text.len() - 2]);
    }

    #[test]
    fn comments_are_attached_where_written() {
        let text = "policy p { # after open\n  # lead\n  a 1; # trail\n  # end of block\n} # after close\n# end of file\n";
        let (doc, diags) = parse_str(text);
        assert!(diags.is_empty(), "{diags:?}");
        let p = &doc.directives[0];
        assert_eq!(p.trailing_comment.as_ref().unwrap().node, " after open");
        let b = p.block.as_ref().unwrap();
        assert_eq!(b.directives[0].leading_comments[0].node, " lead");
        assert_eq!(b.directives[0].trailing_comment.as_ref().unwrap().node, " trail");
        assert_eq!(b.trailing_comments[0].node, " end of block");
        let rest: Vec<_> = doc.trailing_comments.iter().map(|c| c.node.as_str()).collect();
        assert_eq!(rest, [" after close", " end of file"]);
    }

    #[test]
    fn syntax_errors_are_all_reported() {
        // (input, number of CORS001 diagnostics, a word in the first message)
        let cases: &[(&str, usize, &str)] = &[
            ("policy p { origin a }", 1, "expected `;`"),
            ("policy p { origin a;", 1, "unclosed block"),
            ("policy p { origin \"a; }", 2, "unclosed block"),
            ("}", 1, "unexpected `}`"),
            (";", 1, "unexpected `;`"),
            ("{ a; }", 1, "directive name"),
            ("\"q\" a;", 1, "directive name"),
            ("~ a;", 1, "directive name"),
            ("a; } b; } c;", 2, "unexpected `}`"),
            ("policy a { x 'y; } policy b { }", 2, "unclosed"),
            ("a b", 1, "expected `;`"),
            // The next directive on the next line ends the list: one error, where the
            // `;` belongs, and `methods GET;` parsed as a directive of its own.
            (
                "policy p {\n origin https://a.example\n methods GET;\n}",
                1,
                "expected `;` after `origin`",
            ),
            ("policy p {\n origin\n methods GET;\n}", 1, "expected `;` after `origin`"),
        ];
        for (input, count, needle) in cases {
            let (_, diags) = parse_str(input);
            assert!(diags.iter().all(|d| d.code == "CORS001"), "input {input:?}: {diags:?}");
            assert_eq!(diags.len(), *count, "input {input:?}: {diags:?}");
            assert!(diags[0].message.contains(needle), "input {input:?}: {diags:?}");
        }
    }

    #[test]
    fn recovery_keeps_later_directives() {
        let (doc, diags) = parse_str("policy a { { x; } origin b; } ; policy c { }");
        assert_eq!(diags.len(), 2, "{diags:?}");
        let names: Vec<_> = doc.directives.iter().map(|d| d.name()).collect();
        assert_eq!(names, ["policy", "policy"]);
        let inner = &doc.directives[0].block.as_ref().unwrap().directives;
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].name(), "origin");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("{}{}", "a {".repeat(100_000), "}".repeat(100_000));
        let (_, diags) = parse_str(&text);
        assert!(diags.iter().any(|d| d.message.contains("too deeply")), "{:?}", diags.first());
    }
}
