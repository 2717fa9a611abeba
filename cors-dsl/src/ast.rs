//! The syntax tree: what the text says, before any meaning is given to it.
//!
//! The policy language has nginx.conf's lexical shape, so the tree has its shape too:
//! a file is a list of [`Directive`]s; a directive is a name, arguments, and either a
//! `;` or a `{ … }` block of further directives. Meaning (which names exist, what their
//! arguments must be) is given by [`crate::check`], which turns this tree into a
//! [`crate::model::PolicySet`]. Comments are kept so `corsc fmt` can print them back.

use crate::span::{Span, Spanned};
use serde::Serialize;

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Top-level directives (`policy`, `include`).
    pub directives: Vec<Directive>,
    /// Comments after the last directive.
    pub trailing_comments: Vec<Spanned<String>>,
}

/// `name arg… ;` or `name arg… { directive… }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// The directive's name (`origin`, `policy`, …).
    pub name: Spanned<String>,
    /// Its arguments, in order.
    pub args: Vec<Arg>,
    /// The `{ … }` block, if the directive has one instead of `;`. (Boxed, like the
    /// trailing comment: most directives have neither, and a tenants policy has a
    /// million directives.)
    pub block: Option<Box<Block>>,
    /// `#` comment lines directly above the directive (text after the `#`).
    pub leading_comments: Vec<Spanned<String>>,
    /// A `#` comment on the same line after the `;` or `{`.
    pub trailing_comment: Option<Box<Spanned<String>>>,
    /// From the first byte of the name to the `;` or `}` inclusive.
    pub span: Span,
}

/// A `{ … }` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// The directives inside.
    pub directives: Vec<Directive>,
    /// Comments after the last directive, before the `}`.
    pub trailing_comments: Vec<Spanned<String>>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

/// How an argument was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgKind {
    /// A bare word: `https://app.example.com`, `on`, `2h`.
    Word,
    /// A quoted string with escapes resolved: `"^https://x\.example$"`.
    Quoted,
    /// The regex marker `~`.
    Tilde,
}

/// One argument, with escapes already resolved for quoted strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    /// How it was written.
    pub kind: ArgKind,
    /// The value (for `~`, the text `~`).
    pub value: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

impl Directive {
    /// The directive's name as text.
    pub fn name(&self) -> &str {
        &self.name.node
    }
}
