//! The registry of every diagnostic code: language errors and lint rules.
//!
//! One list ([`RULES`]) holds every code with its name, severity and documentation;
//! `corsc rules`, the SARIF `rules[]` array and `docs/rules.md` are all generated from
//! it. Codes are stable and never reused: a removed rule stays as a tombstone.
//!
//! - `CORS0xx`: language errors. The parser and validator report them; a policy with
//!   any of them is refused and cannot be suppressed.
//! - `CORS1xx`: lint rules. [`crate::lint`] reports them on a valid policy; each can be
//!   suppressed with `# corsc: allow CORS1xx "reason"` on the line before.

use crate::diag::Severity;

pub(crate) mod language;

/// What kind of check a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// The policy is refused; cannot be suppressed.
    Language,
    /// A finding of the linter on a valid policy.
    Lint,
}

/// Everything known about one code, for docs and output formats.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleMeta {
    /// `CORS001`.
    pub code: &'static str,
    /// kebab-case name: `credentials-with-wildcard-origin`.
    pub name: &'static str,
    /// Default severity (some lint rules raise it when credentials are on).
    pub severity: Severity,
    /// Language error or lint.
    pub kind: RuleKind,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown: `## Why is this bad?`, `## Example`, `## Use instead`.
    pub docs: &'static str,
}

/// Every code, sorted by code.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    language::LANGUAGE.iter()
}

/// The metadata of `code`, if it exists.
pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code))
}
