//! Diagnostic codes as values: each [`Code`] carries its own metadata.
//!
//! A [`crate::Diagnostic`] holds a `&'static Code`, so whoever reports a finding names
//! the code itself (`codes::INVALID_ARGUMENTS`, a lint's `CODE`), never a string to look
//! up later: a mistyped code does not compile, and the severity, name and docs travel
//! with the finding. Output prints a code as its identifier (`CORS003`).
//!
//! The language errors (`CORS0xx`) are defined here because the parser, the checker,
//! the loader and the compiler report them, and so are the policy-test codes
//! (`CORS2xx`, reported by [`crate::expect`]); the lint codes (`CORS1xx`) live with
//! their lints, and [`crate::lint::registry`] lists every code. Looking a code up by its text
//! is only for text a user wrote (`# corsc: allow CODE`, `corsc rules CODE`).

mod expect;
mod language;

pub use expect::*;
pub use language::*;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run unless asked.
    Info,
    /// Probably a mistake.
    Warning,
    /// A mistake: the policy is refused (language errors) or the lint run fails.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of check a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// The policy is refused; cannot be suppressed.
    Language,
    /// A finding of the linter on a valid policy.
    Lint,
    /// A policy test (`expect`) that does not hold: the policy is refused; cannot be
    /// suppressed (change the policy or the expectation).
    Expectation,
}

/// A diagnostic code and everything known about it, for output formats and docs.
///
/// Identity is the code string: two `Code`s are equal (and order, and hash) as their
/// [`Code::code`]s do. `Display` and `Serialize` write that string, `Debug` writes
/// `Code("CORS003")` (the docs would drown a dumped diagnostic).
#[derive(Clone, Copy)]
pub struct Code {
    /// The stable identifier: `CORS001`.
    pub code: &'static str,
    /// kebab-case name: `credentials-with-wildcard-origin`.
    pub name: &'static str,
    /// Default severity (some lints raise it when credentials are on).
    pub severity: Severity,
    /// Language error or lint.
    pub kind: CodeKind,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown: `## Why is this bad?`, `## Example`, `## Use instead`.
    pub docs: &'static str,
}

impl Code {
    /// A language error: always an error, never suppressible.
    pub const fn language(
        code: &'static str,
        name: &'static str,
        summary: &'static str,
        docs: &'static str,
    ) -> Code {
        Code { code, name, severity: Severity::Error, kind: CodeKind::Language, summary, docs }
    }

    /// A policy-test code: always an error, never suppressible.
    pub const fn expectation(
        code: &'static str,
        name: &'static str,
        summary: &'static str,
        docs: &'static str,
    ) -> Code {
        Code { code, name, severity: Severity::Error, kind: CodeKind::Expectation, summary, docs }
    }

    /// A lint code with its default severity.
    pub const fn lint(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        summary: &'static str,
        docs: &'static str,
    ) -> Code {
        Code { code, name, severity, kind: CodeKind::Lint, summary, docs }
    }

    /// The identifier, `CORS001`.
    pub const fn as_str(&self) -> &'static str {
        self.code
    }

    /// The anchor of the code's section in `docs/rules.md`: `cors001-credentials-with-wildcard-origin`.
    pub fn doc_anchor(&self) -> String {
        format!("{}-{}", self.code, self.name).to_ascii_lowercase()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Code").field(&self.code).finish()
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Code {}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.code == other
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Self) -> Ordering {
        self.code.cmp(other.code)
    }
}

impl Hash for Code {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}
