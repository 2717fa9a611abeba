//! Diagnostics: what is wrong with a policy, where, and how to fix it.
//!
//! Every problem the parser, the validator or the linter finds is a [`Diagnostic`]
//! with a stable [`Code`] (see [`crate::codes`]), a severity, a message, the exact span it
//! is about and, where possible, a hint and a mechanical fix. Rendering (rustc-style
//! text, JSON, SARIF, GitHub annotations) lives in [`crate::render`].

use crate::codes::Code;
pub use crate::codes::Severity;
use crate::span::Span;
use serde::Serialize;

/// A secondary location with a short note ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub message: String,
}

/// A mechanical fix: replace the bytes of `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What to replace.
    pub span: Span,
    /// The new text (empty to delete).
    pub replacement: String,
    /// A short description ("remove the trailing slash").
    pub description: String,
    /// Whether `corsc lint --fix` may apply it without asking.
    pub applicability: Applicability,
}

/// How sure a fix is (rustc's and ruff's distinction): `corsc lint --fix` applies only
/// [`Applicability::MachineApplicable`] fixes; the others are shown as suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps what the author meant (removes a dead entry, writes an origin the way a
    /// browser sends it): safe to apply unattended.
    MachineApplicable,
    /// A guess at what was meant (the closest directive name, a scheme added): a
    /// person should look first.
    MaybeIncorrect,
}

/// One finding about a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `CORS001`, with its metadata; prints as `CORS001`.
    pub code: &'static Code,
    /// How bad it is.
    pub severity: Severity,
    /// Lower-case, no trailing period; values in backticks.
    pub message: String,
    /// The exact token or statement it is about.
    pub span: Span,
    /// What to write under the caret (may be empty).
    pub label: String,
    /// Other relevant places.
    pub secondary: Vec<Label>,
    /// How to fix it, in words.
    pub help: Option<String>,
    /// How to fix it, mechanically.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic for `code` with the code's default severity.
    pub fn new(code: &'static Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// Sets the text under the caret.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the hint.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the severity (lints that are stricter with credentials on).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    /// Adds a mechanical fix that keeps the author's meaning (`corsc lint --fix`
    /// applies it).
    pub fn fix(mut self, span: Span, replacement: impl Into<String>, description: &str) -> Self {
        self.fix = Some(Fix {
            span,
            replacement: replacement.into(),
            description: description.to_string(),
            applicability: Applicability::MachineApplicable,
        });
        self
    }

    /// Adds a fix that guesses what was meant: shown, never applied unattended.
    pub fn suggestion(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        description: &str,
    ) -> Self {
        self = self.fix(span, replacement, description);
        if let Some(fix) = self.fix.as_mut() {
            fix.applicability = Applicability::MaybeIncorrect;
        }
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
