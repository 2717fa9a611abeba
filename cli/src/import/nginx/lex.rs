//! nginx's lexical rules, as `ngx_conf_read_token` applies them: words, `"…"` and
//! `'…'` strings, `;`, `{`, `}`, and `#` comments that start only where a token could.
//!
//! Unlike the policy language's lexer (`cors_dsl::syntax`), `~` is not a token of its
//! own (nginx's `~*` is a word), a backslash outside quotes keeps the next character in
//! the word (`\;`), and `${name}` keeps its braces inside a word. Escapes are resolved
//! the way nginx does after it cut a token: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any
//! other `\X` keeps its backslash (regexes need no doubling).

use nom::bytes::complete::{take_till, take_while};
use nom::character::complete::char;
use nom::sequence::preceded;
use nom::{IResult, Parser as _};

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare or quoted word, escapes resolved.
    Word {
        /// The text.
        text: String,
        /// Written between quotes (so `"~*"` is not an operator).
        quoted: bool,
    },
    /// `;`
    Semi,
    /// `{`
    Open,
    /// `}`
    Close,
}

/// A token and its byte range in the file.
#[derive(Debug, Clone)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A lexical error: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset.
    pub at: usize,
    /// What is wrong, nginx's wording where it has one.
    pub message: String,
}

fn spaces(i: &str) -> IResult<&str, &str> {
    take_while(char::is_whitespace).parse(i)
}

fn comment(i: &str) -> IResult<&str, &str> {
    preceded(char('#'), take_till(|c| c == '\n')).parse(i)
}

/// Cuts `text` into tokens. Total: every input yields tokens and the errors found; a
/// missing closing quote ends the input.
pub fn lex(text: &str) -> (Vec<Token>, Vec<LexError>) {
    let offset = |rest: &str| text.len() - rest.len();
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut rest = text;
    loop {
        rest = spaces(rest).map_or(rest, |(r, _)| r);
        if rest.is_empty() {
            break;
        }
        if let Ok((r, _)) = comment(rest) {
            rest = r;
            continue;
        }
        let start = offset(rest);
        let (next, tok) = match rest.chars().next() {
            Some(';') => (&rest[1..], Tok::Semi),
            Some('{') => (&rest[1..], Tok::Open),
            Some('}') => (&rest[1..], Tok::Close),
            Some(q @ ('"' | '\'')) => match quoted(&rest[1..], q) {
                Some((r, raw)) => {
                    if let Some(c) = r.chars().next() {
                        if !c.is_whitespace() && !matches!(c, ';' | '{' | ')') {
                            errors.push(LexError {
                                at: offset(r),
                                message: format!("unexpected \"{c}\" after a quoted string"),
                            });
                        }
                    }
                    (r, Tok::Word { text: unescape(raw), quoted: true })
                }
                None => {
                    errors.push(LexError {
                        at: start,
                        message: "unexpected end of file, expecting closing quote".into(),
                    });
                    ("", Tok::Semi)
                }
            },
            _ => {
                let (r, raw) = bare(rest);
                (r, Tok::Word { text: unescape(raw), quoted: false })
            }
        };
        if next.len() == rest.len() {
            // Cannot happen (every branch consumes), but never loop forever.
            break;
        }
        tokens.push(Token { tok, start, end: offset(next) });
        rest = next;
    }
    (tokens, errors)
}

/// The raw text of a quoted string after its opening quote, and what follows the
/// closing one; `None` when it never closes.
fn quoted(i: &str, quote: char) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (idx, c) in i.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some((&i[idx + 1..], &i[..idx]));
        }
    }
    None
}

/// A bare word: up to whitespace, `;`, `{` (unless it follows `$`: `${name}`), `}`
/// (unless it closes such a `${`) or a quote; `\X` keeps `X` in the word.
fn bare(i: &str) -> (&str, &str) {
    let mut in_var_braces = false;
    let mut prev = '\0';
    let mut escaped = false;
    for (idx, c) in i.char_indices() {
        if escaped {
            escaped = false;
            prev = c;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' if prev == '$' => in_var_braces = true,
            '}' if in_var_braces => in_var_braces = false,
            ';' | '{' | '}' => return (&i[idx..], &i[..idx]),
            '"' | '\'' if idx > 0 => return (&i[idx..], &i[..idx]),
            c if c.is_whitespace() => return (&i[idx..], &i[..idx]),
            _ => {}
        }
        prev = c;
    }
    ("", i)
}

/// nginx's escape resolution after a token is cut.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(e @ ('"' | '\'' | '\\')) => {
                out.push(e);
                chars.next();
            }
            Some('t') => {
                out.push('\t');
                chars.next();
            }
            Some('r') => {
                out.push('\r');
                chars.next();
            }
            Some('n') => {
                out.push('\n');
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        lex(text)
            .0
            .into_iter()
            .map(|t| match t.tok {
                Tok::Word { text, quoted: true } => format!("q:{text}"),
                Tok::Word { text, .. } => text,
                Tok::Semi => ";".into(),
                Tok::Open => "{".into(),
                Tok::Close => "}".into(),
            })
            .collect()
    }

    #[test]
    fn nginx_tokens() {
        let cases: &[(&str, &[&str])] = &[
            ("add_header X 1 always;", &["add_header", "X", "1", "always", ";"]),
            (
                "if ($http_origin ~* \"^https://a\\.b$\") {}",
                &["if", "($http_origin", "~*", "q:^https://a\\.b$", ")", "{", "}"],
            ),
            ("set $a ${b}x; # c\n}", &["set", "$a", "${b}x", ";", "}"]),
            ("a b#c;", &["a", "b#c", ";"]),
            ("a 'it\\'s' \"q\\\"\";", &["a", "q:it's", "q:q\"", ";"]),
            ("a x\\;y;", &["a", "x\\;y", ";"]),
            (
                "~^https://[a-z]+\\.example\\.com$ 1;",
                &["~^https://[a-z]+\\.example\\.com$", "1", ";"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(words(text), *expected, "{text}");
        }
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let (_, errors) = lex("a \"open;");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
