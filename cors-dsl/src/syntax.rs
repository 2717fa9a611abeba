//! The parser: text → [`crate::ast::Document`].
//!
//! Two small stages. The lexer (built from `nom` combinators on `&str`; byte offsets
//! are recovered from how much input is left) cuts the text into words, quoted
//! strings, `~`, `;`, `{`, `}` and comments, one token at a time, borrowing from the
//! text. The parser then assembles nginx-shaped directives from those tokens by
//! recursive descent, pulling each token when it needs it: no token list is ever
//! built (10 MB of `;` or `{` used to cost half a gigabyte of tokens, issue #17).
//!
//! Both stages are total: every input yields a (possibly partial) document plus a
//! `CORS001` diagnostic for each problem found. After an error the parser skips to the
//! next `;` or `}` (stepping over whole `{ … }` blocks) and goes on, so one run reports
//! every error it can; the diagnostics are collected in a [`Diagnostics`], which keeps
//! the first [`crate::MAX_DIAGNOSTICS`] and counts the rest. Nesting is capped at
//! [`MAX_DEPTH`] so hostile input cannot exhaust the stack.
//!
//! [`TopLevel`] hands out the top-level directives one by one, so the loader can check
//! and drop each before reading the next: a file of a million top-level mistakes never
//! exists as a million-node tree. A `policy` block is handed out statement by statement
//! too ([`TopLevel::next_item`]): a tenants policy of a million `origin` lines is never
//! a tree either (issue #13). [`parse`] collects them into a [`Document`].

use crate::ast::{Arg, ArgKind, Block, Directive, Document};
use crate::check::ALL;
use crate::codes;
use crate::diag::{Diagnostic, Severity};
use crate::diagnostics::Diagnostics;
use crate::span::{FileId, SourceFile, Span, Spanned};
use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{recognize, value};
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser as _};
use std::borrow::Cow;

/// The deepest `{ … }` nesting accepted. The language needs three levels (policy,
/// allow, and nothing below); the cap only exists to bound recursion.
pub const MAX_DEPTH: usize = 16;

/// The longest piece of user text (a directive name) quoted whole in a message;
/// longer ones are cut (see [`abbreviate`]), so a 10 MB word makes a short message.
pub const MAX_QUOTED: usize = 64;

/// `text`, or its first [`MAX_QUOTED`] characters and `…` when it is longer: user text
/// shown in a message.
pub fn abbreviate(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// Parses one file. Reports every syntax error it can (recovering at the next `;` or
/// `}`), never panics, and returns the directives it could read with the first
/// diagnostics (by position, up to [`crate::MAX_DIAGNOSTICS`] of each severity).
pub fn parse(file: &SourceFile, id: FileId) -> (Document, Vec<Diagnostic>) {
    let (doc, diags) = parse_counted(file, id);
    (doc, diags.finish().0)
}

/// [`parse`], keeping the count of the diagnostics left out.
pub fn parse_counted(file: &SourceFile, id: FileId) -> (Document, Diagnostics) {
    let mut top = TopLevel::new(file, id);
    let directives: Vec<Directive> = top.by_ref().collect();
    let (trailing_comments, diags) = top.finish();
    (Document { directives, trailing_comments }, diags)
}

/// The top-level directives of one file, parsed one at a time.
pub struct TopLevel<'a> {
    parser: Parser<'a>,
    /// Comments read since the last directive: the next one's leading comments, or
    /// the file's trailing comments.
    comments: Vec<Spanned<String>>,
    /// The `policy` block being handed out statement by statement.
    open: Option<OpenBlock>,
    done: bool,
}

/// A top-level block whose statements [`TopLevel::next_item`] is handing out.
struct OpenBlock {
    /// The `{`.
    brace: (usize, usize),
    /// The first byte of the directive's name (its span starts there).
    start: usize,
    /// Whether a comment followed the `{` on its line (then one after `}` is not the
    /// directive's).
    trailing: bool,
    /// Comments read since the block's last statement.
    comments: Vec<Spanned<String>>,
}

/// One piece of a file, as [`TopLevel::next_item`] hands it out.
#[derive(Debug)]
pub enum Item {
    /// A whole top-level directive.
    Directive(Directive),
    /// `policy … {`: the directive without its block (its span ends at the `{`, its
    /// trailing comment is one after the `{`). Its statements follow as
    /// [`Item::Inner`], then [`Item::Close`].
    Open(Directive),
    /// A statement of the open block, whole.
    Inner(Directive),
    /// The end of the open block (its `}`, or the end of the file, reported).
    Close(BlockEnd),
}

/// What is known of a streamed directive once its block ends.
#[derive(Debug)]
pub struct BlockEnd {
    /// The block's span, `{` to `}`.
    pub block_span: Span,
    /// Comments after the block's last statement.
    pub trailing_comments: Vec<Spanned<String>>,
    /// A comment after the `}` on its line, when none followed the `{`.
    pub trailing_comment: Option<Spanned<String>>,
    /// The whole directive's span, name to `}`.
    pub span: Span,
}

impl<'a> TopLevel<'a> {
    /// Starts parsing `file`, known as `id` in its source map.
    pub fn new(file: &'a SourceFile, id: FileId) -> Self {
        let parser = Parser {
            file,
            id,
            lexer: Lexer { text: &file.text, rest: &file.text },
            peeked: None,
            diags: Diagnostics::new(),
            line_cursor: std::cell::Cell::new(0),
        };
        TopLevel { parser, comments: Vec::new(), open: None, done: false }
    }

    /// The next piece of the file: a whole directive, or a `policy` block opened, one
    /// of its statements, or its end. A block's statements are parsed one at a time,
    /// so the caller can check and drop each before the next is read.
    pub fn next_item(&mut self) -> Option<Item> {
        loop {
            if let Some(open) = self.open.as_mut() {
                match self.parser.step(1, Some(open.brace), &mut open.comments, false) {
                    Step::Directive(d) => return Some(Item::Inner(*d)),
                    Step::End(list_end) => {
                        let open = self.open.take()?;
                        return Some(Item::Close(self.parser.block_end(open, list_end)));
                    }
                    Step::Opened(..) | Step::Nothing => {}
                }
                continue;
            }
            if self.done {
                return None;
            }
            match self.parser.step(0, None, &mut self.comments, true) {
                Step::Directive(d) => return Some(Item::Directive(*d)),
                Step::Opened(d, brace) => {
                    let trailing = d.trailing_comment.is_some();
                    let start = d.name.span.start as usize;
                    self.open = Some(OpenBlock { brace, start, trailing, comments: Vec::new() });
                    return Some(Item::Open(*d));
                }
                Step::End(_) => self.done = true,
                Step::Nothing => {}
            }
        }
    }

    /// The comments after the last directive, and every diagnostic (call once the
    /// iterator is exhausted; anything not read yet is parsed first).
    pub fn finish(mut self) -> (Vec<Spanned<String>>, Diagnostics) {
        while self.next().is_some() {}
        (self.comments, self.parser.diags)
    }
}

impl Iterator for TopLevel<'_> {
    type Item = Directive;

    /// The next whole top-level directive (a streamed block gathered back).
    fn next(&mut self) -> Option<Directive> {
        let mut d = match self.next_item()? {
            Item::Directive(d) => return Some(d),
            Item::Open(d) => d,
            // Only after an `Open` (gathered below), if a caller mixed the two calls.
            Item::Inner(d) => return Some(d),
            Item::Close(_) => return self.next(),
        };
        let mut directives = Vec::new();
        while let Some(item) = self.next_item() {
            match item {
                Item::Inner(inner) => directives.push(inner),
                Item::Close(end) => {
                    let block = Block {
                        directives,
                        trailing_comments: end.trailing_comments,
                        span: end.block_span,
                    };
                    d.block = Some(Box::new(block));
                    if d.trailing_comment.is_none() {
                        d.trailing_comment = end.trailing_comment.map(Box::new);
                    }
                    d.span = end.span;
                    return Some(d);
                }
                // An open block always ends with `Close` first.
                Item::Directive(_) | Item::Open(_) => break,
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Quoted(Cow<'a, str>),
    Tilde,
    Semi,
    Open,
    Close,
    Comment(&'a str),
    /// Text that could not be lexed: reported (once) when the parser pulls it.
    Bad(LexError),
}

/// What could not be lexed, and where the message points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LexError {
    end: usize,
    message: &'static str,
    help: &'static str,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
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

fn punct(i: &str) -> IResult<&str, Tok<'static>> {
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

/// `text` after its leading white space: ASCII blanks skipped byte by byte (the
/// common case, a million line breaks and indents in a tenants policy), anything
/// else by [`spaces`].
fn skip_spaces(mut text: &str) -> &str {
    loop {
        let ascii =
            text.bytes().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c));
        text = &text[ascii.count()..];
        if text.as_bytes().first().is_none_or(|&b| b < 0x80) {
            return text;
        }
        let rest = spaces(text).map_or(text, |(r, _)| r);
        if rest.len() == text.len() {
            return text;
        }
        text = rest;
    }
}

/// A `"…"` or `'…'` string with `\"`, `\'`, `\\`, `\n` and `\t` resolved; any other
/// `\X` is kept as the two characters (so regexes need no double escaping). Borrowed
/// when there is no escape. `Err` carries nothing: the only failure is a missing
/// closing quote.
fn quoted(i: &str) -> Result<(&str, Cow<'_, str>), ()> {
    let mut chars = i.char_indices();
    let Some((_, quote)) = chars.next() else { return Err(()) };
    let body = &i[quote.len_utf8()..];
    // The common case: no escape before the closing quote.
    match body.find([quote, '\\']) {
        Some(end) if body[end..].starts_with(quote) => {
            return Ok((&body[end + quote.len_utf8()..], Cow::Borrowed(&body[..end])));
        }
        None => return Err(()),
        Some(_) => {}
    }
    let mut out = String::new();
    while let Some((idx, c)) = chars.next() {
        if c == quote {
            let rest = i.get(idx + c.len_utf8()..).unwrap_or("");
            return Ok((rest, Cow::Owned(out)));
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

/// Cuts text into tokens, one per call.
struct Lexer<'a> {
    text: &'a str,
    rest: &'a str,
}

impl<'a> Lexer<'a> {
    fn offset(&self, rest: &str) -> usize {
        self.text.len() - rest.len()
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        let rest = skip_spaces(self.rest);
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        let start = self.offset(rest);
        // The first byte says which token it can be: only that one is tried.
        let lexed = match rest.as_bytes()[0] {
            b'#' => comment(rest).ok().map(|(r, c)| (r, Tok::Comment(c.trim_end()))),
            b';' | b'{' | b'}' | b'~' => punct(rest).ok(),
            _ => None,
        };
        let (next, tok) = if let Some(lexed) = lexed {
            lexed
        } else if rest.starts_with(['"', '\'']) {
            match quoted(rest) {
                Ok((r, s)) => (r, Tok::Quoted(s)),
                Err(()) => (
                    "",
                    Tok::Bad(LexError {
                        end: start + 1,
                        message: "unterminated string",
                        help: "close the string with the same quote it starts with",
                    }),
                ),
            }
        } else if let Ok((r, w)) = word(rest) {
            (r, Tok::Word(w))
        } else {
            // Unreachable by construction (every non-space character starts some
            // token), but a lexer that cannot make progress must not loop.
            let n = rest.chars().next().map_or(1, char::len_utf8);
            let error =
                LexError { end: start + n, message: "unexpected character", help: "remove it" };
            (rest.get(n..).unwrap_or(""), Tok::Bad(error))
        };
        // Comments end before trailing spaces or `\r`; their span should too.
        let end = match &tok {
            Tok::Comment(c) => start + 1 + c.len(),
            _ => self.offset(next),
        };
        self.rest = next;
        Some(Token { tok, start, end })
    }
}

// ---------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    file: &'a SourceFile,
    id: FileId,
    lexer: Lexer<'a>,
    /// The next token, once looked at.
    peeked: Option<Token<'a>>,
    diags: Diagnostics,
    /// The line index of the last position looked up (see [`Parser::line_col`]).
    line_cursor: std::cell::Cell<usize>,
}

/// What [`Parser::directive`] read.
enum Parsed {
    /// The whole directive.
    Whole(Directive),
    /// Up to its `{` (the block is streamed); the `{`.
    Opened(Directive, (usize, usize)),
}

/// What [`Parser::list`] stopped at.
enum ListEnd {
    /// The closing `}` (its end offset).
    Closed(usize),
    /// End of input.
    Eof,
}

/// One step of reading a list of directives.
enum Step {
    /// A directive was read (boxed: the other steps are small).
    Directive(Box<Directive>),
    /// A directive's name, arguments and `{` were read, and its block is left to be
    /// streamed ([`TopLevel::next_item`]): the directive so far and the `{`.
    Opened(Box<Directive>, (usize, usize)),
    /// The list ended.
    End(ListEnd),
    /// A comment or a mistake was read; go on.
    Nothing,
}

impl<'a> Parser<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        let (line, col) = self.line_col(start);
        Span { file: self.id, start: start as u32, end: end as u32, line, col }
    }

    fn line(&self, offset: usize) -> u32 {
        self.line_col(offset).0
    }

    /// Tokens are read in order: each lookup starts from the line of the last one.
    fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut cursor = self.line_cursor.get();
        let found = self.file.line_col_near(offset, &mut cursor);
        self.line_cursor.set(cursor);
        found
    }

    /// The next token, pulled from the lexer when needed. A token that could not be
    /// lexed is reported here, when it is pulled: once.
    fn peek(&mut self) -> Option<&Token<'a>> {
        if self.peeked.is_none() {
            let t = self.lexer.next_token()?;
            if let Tok::Bad(e) = &t.tok {
                let (start, e) = (t.start, *e);
                self.error(start, e.end, e.message, "here", e.help);
            }
            self.peeked = Some(t);
        }
        self.peeked.as_ref()
    }

    /// Consumes the token [`Parser::peek`] returned.
    fn bump(&mut self) {
        self.peeked = None;
    }

    fn error(&mut self, start: usize, end: usize, message: &str, label: &str, help: &str) {
        let span = Span { file: self.id, start: start as u32, end: end as u32, line: 0, col: 0 };
        if !self.diags.wants(Severity::Error, span) {
            // Left out anyway: not worth a line lookup and three strings.
            self.diags.skip(Severity::Error);
            return;
        }
        let span = self.span(start, end);
        self.diags
            .push(Diagnostic::new(codes::SYNTAX_ERROR, span, message).label(label).help(help));
    }

    /// A comment on the same line as the byte at `offset`, if one comes next.
    fn same_line_comment(&mut self, offset: usize) -> Option<Spanned<String>> {
        let t = self.peek()?;
        let Tok::Comment(text) = t.tok else { return None };
        let (start, end) = (t.start, t.end);
        if self.line(start) != self.line(offset) {
            return None;
        }
        let c = Spanned::new(text.to_string(), self.span(start, end));
        self.bump();
        Some(c)
    }

    /// Skips to just after the next `;`, or to the next `}` (left for the enclosing
    /// block), stepping over whole `{ … }` blocks without recursion.
    fn recover(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Semi if depth == 0 => {
                    self.bump();
                    return;
                }
                Tok::Open => depth += 1,
                Tok::Close if depth == 0 => return,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
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
            match self.step(depth, open, &mut comments, false) {
                Step::Directive(d) => directives.push(*d),
                Step::End(end) => return (directives, comments, end),
                Step::Opened(..) | Step::Nothing => {}
            }
        }
    }

    /// Reads the next directive of a list (or a comment, or a mistake, or its end).
    /// `comments` gathers the comments read before the next directive. With `stream`,
    /// a `policy` block is not read: [`Step::Opened`] is returned at its `{`.
    fn step(
        &mut self,
        depth: usize,
        open: Option<(usize, usize)>,
        comments: &mut Vec<Spanned<String>>,
        stream: bool,
    ) -> Step {
        let Some(t) = self.peek().cloned() else {
            if let Some((start, end)) = open {
                self.error(
                    start,
                    end,
                    "unclosed block",
                    "this `{` is never closed",
                    "add the missing `}`",
                );
            }
            return Step::End(ListEnd::Eof);
        };
        match t.tok {
            Tok::Comment(text) => {
                self.bump();
                comments.push(Spanned::new(text.to_string(), self.span(t.start, t.end)));
            }
            Tok::Close if open.is_some() => {
                self.bump();
                return Step::End(ListEnd::Closed(t.end));
            }
            Tok::Close => {
                // A run of them is one mistake, reported once (10 MB of `}` used to
                // make ten million diagnostics).
                let end = self.run_of(&Tok::Close, t.end);
                let label =
                    if end - t.start > 1 { "no blocks to close" } else { "no block to close" };
                self.error(
                    t.start,
                    end,
                    "unexpected `}`",
                    label,
                    "remove it, or add the `{` it should close",
                );
            }
            Tok::Semi => {
                // A run of them is one mistake, reported once (not one diagnostic,
                // and one rendered line, per byte of a line of `;`).
                let end = self.run_of(&Tok::Semi, t.end);
                let label = if end - t.start > 1 { "empty statements" } else { "empty statement" };
                self.error(t.start, end, "unexpected `;`", label, "remove it");
            }
            Tok::Bad(_) => self.bump(),
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
            Tok::Word(name) => {
                self.bump();
                let leading = std::mem::take(comments);
                let stream = stream && name == "policy";
                match self.directive(name, t.start, t.end, leading, depth, stream) {
                    Some(Parsed::Whole(d)) => return Step::Directive(Box::new(d)),
                    Some(Parsed::Opened(d, brace)) => return Step::Opened(Box::new(d), brace),
                    None => {}
                }
            }
        }
        Step::Nothing
    }

    /// Consumes the token just peeked and every following `tok`; the end of the last.
    fn run_of(&mut self, tok: &Tok<'_>, mut end: usize) -> usize {
        self.bump();
        while let Some(t) = self.peek().filter(|t| t.tok == *tok) {
            end = t.end;
            self.bump();
        }
        end
    }

    /// What [`TopLevel::next_item`] reports when the block it streams ends.
    fn block_end(&mut self, open: OpenBlock, list_end: ListEnd) -> BlockEnd {
        let end = match list_end {
            ListEnd::Closed(end) => end,
            ListEnd::Eof => self.file.text.len(),
        };
        let trailing_comment = if !open.trailing && matches!(list_end, ListEnd::Closed(_)) {
            self.same_line_comment(end.saturating_sub(1))
        } else {
            None
        };
        BlockEnd {
            block_span: self.span(open.brace.0, end),
            trailing_comments: open.comments,
            trailing_comment,
            span: self.span(open.start, end),
        }
    }

    /// The rest of a directive whose name token (`start..end`) was just consumed. With
    /// `stream`, a block is left unread: [`Parsed::Opened`] at its `{`.
    fn directive(
        &mut self,
        name: &str,
        start: usize,
        end: usize,
        mut leading_comments: Vec<Spanned<String>>,
        depth: usize,
        stream: bool,
    ) -> Option<Parsed> {
        let name = Spanned::new(name.to_string(), self.span(start, end));
        // Most directives have one argument: a `Vec` would start with room for four
        // (a tenants policy has a million `origin` lines), so start with one and trim
        // in `finish`.
        let mut args = Vec::with_capacity(1);
        // The last token read, where a missing `;` is reported.
        let mut last = (start, end);
        let mut saw_bad = false;
        loop {
            let Some(t) = self.peek().cloned() else {
                // An unterminated string ran to the end of the input: the missing
                // `;` is no news, and the arguments are incomplete, so the directive
                // is dropped rather than checked.
                if saw_bad {
                    return None;
                }
                return self.without_semi(name, args, leading_comments, last);
            };
            let kind = match t.tok {
                Tok::Word(v) => Some((ArgKind::Word, v.to_string())),
                Tok::Quoted(ref v) => Some((ArgKind::Quoted, v.clone().into_owned())),
                Tok::Tilde => Some((ArgKind::Tilde, "~".to_string())),
                _ => None,
            };
            // A directive name opening a later line is the next directive, not one
            // more argument: the `;` before it is missing (`origin a b` ⏎ `methods GET;`
            // would otherwise read `methods` and `GET` as two more origins). No
            // argument of the language is spelled like a directive name.
            if let Some((ArgKind::Word, word)) = &kind {
                if ALL.contains(&word.as_str()) && self.line(t.start) > self.line(last.1) {
                    return self.without_semi(name, args, leading_comments, last);
                }
            }
            if let Some((kind, value)) = kind {
                self.bump();
                args.push(Arg { kind, value, span: self.span(t.start, t.end) });
                last = (t.start, t.end);
                continue;
            }
            match t.tok {
                Tok::Comment(text) => {
                    // A comment between arguments has no place of its own in the tree;
                    // keep it with the directive so `fmt` does not lose it.
                    self.bump();
                    leading_comments
                        .push(Spanned::new(text.to_string(), self.span(t.start, t.end)));
                }
                Tok::Bad(_) => {
                    self.bump();
                    saw_bad = true;
                }
                Tok::Semi => {
                    self.bump();
                    let trailing = self.same_line_comment(t.start);
                    return Some(Parsed::Whole(self.finish(
                        name,
                        args,
                        None,
                        leading_comments,
                        trailing,
                        t.end,
                    )));
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
                Tok::Open if stream => {
                    self.bump();
                    let trailing = self.same_line_comment(t.start);
                    let d = self.finish(name, args, None, leading_comments, trailing, t.end);
                    return Some(Parsed::Opened(d, (t.start, t.end)));
                }
                Tok::Open => {
                    self.bump();
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
                    return Some(Parsed::Whole(self.finish(
                        name,
                        args,
                        Some(block),
                        leading_comments,
                        trailing,
                        end,
                    )));
                }
                // `}` or anything else: the `;` is missing. Keep what was read; the
                // `}` is left for the enclosing block.
                _ => {
                    return self.without_semi(name, args, leading_comments, last);
                }
            }
        }
    }

    /// A directive whose `;` is missing: reported after its last token `last`, and
    /// kept as far as it was read.
    fn without_semi(
        &mut self,
        name: Spanned<String>,
        args: Vec<Arg>,
        leading_comments: Vec<Spanned<String>>,
        last: (usize, usize),
    ) -> Option<Parsed> {
        self.missing_semi(&name.node, last);
        Some(Parsed::Whole(self.finish(name, args, None, leading_comments, None, last.1)))
    }

    fn missing_semi(&mut self, name: &str, (start, end): (usize, usize)) {
        self.error(
            start,
            end,
            &format!("expected `;` after `{}`", abbreviate(name)),
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
