//! JSON output: one stable document for scripts and editors.
//!
//! The schema is versioned (`"version": 1`) and documented in `docs/json-schema.md`;
//! fields are only ever added, never renamed or removed, within a version.

use super::{end_position, Failure, Summary};
use crate::{Diagnostic, SourceMap, Span};
use serde::Serialize;

/// The JSON schema version this module writes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Every finding counted, shown or not.
    summary: Summary,
    /// Findings counted but not listed: beyond the first
    /// [`crate::MAX_DIAGNOSTICS`] of a severity in one root file.
    omitted: Summary,
    /// Inputs that could not be linted (unreadable, not policy source).
    failures: Vec<JsonFailure<'a>>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Position {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    /// The code's kebab-case name (the schema allows `null`; every code has a name).
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    position: Position,
    label: &'a str,
    help: Option<&'a str>,
    secondary: Vec<JsonLabel<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    position: Position,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    /// `machine-applicable` (`corsc lint --fix` applies it) or `maybe-incorrect`.
    applicability: crate::diag::Applicability,
    #[serde(flatten)]
    position: Position,
    replacement: &'a str,
}

fn position(sources: &SourceMap, span: Span) -> Position {
    let (end_line, end_column) = end_position(sources, span);
    Position {
        file: sources.path(span.file).display().to_string(),
        line: span.line,
        column: span.col,
        end_line,
        end_column,
    }
}

/// Renders `diags` as one pretty-printed JSON document (schema in
/// `docs/json-schema.md`), ending with a newline.
pub fn render(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    render_run(sources, diags, &[], Summary::default())
}

/// [`render`], with the inputs that could not be linted in `failures` and the findings
/// counted but not kept in `omitted` (part of `summary`, and counted apart).
pub fn render_run(
    sources: &SourceMap,
    diags: &[Diagnostic],
    failures: &[Failure],
    omitted: Summary,
) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        diagnostics: diags
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code.as_str(),
                name: d.code.name,
                severity: d.severity.as_str(),
                message: &d.message,
                position: position(sources, d.span),
                label: &d.label,
                help: d.help.as_deref(),
                secondary: d
                    .secondary
                    .iter()
                    .map(|l| JsonLabel { position: position(sources, l.span), message: &l.message })
                    .collect(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    description: &f.description,
                    applicability: f.applicability,
                    position: position(sources, f.span),
                    replacement: &f.replacement,
                }),
            })
            .collect(),
        summary: Summary::of(diags).plus(omitted),
        omitted,
        failures: failures
            .iter()
            .map(|f| JsonFailure { file: &f.path, message: &f.message })
            .collect(),
    };
    // Serialising plain structs of strings and integers cannot fail; fall back to an
    // empty document rather than panic if it ever did.
    let mut out = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|_| format!("{{\"version\":{SCHEMA_VERSION},\"diagnostics\":[]}}"));
    out.push('\n');
    out
}
