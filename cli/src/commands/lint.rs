//! `corsc lint`: language errors plus the linter's findings, in any output format.
//!
//! This is the CI entry point: `--format sarif|github` feed code-scanning dashboards and
//! pull-request annotations, `--deny warnings` tightens the gate, `--allow` drops codes
//! a project has decided to live with (language errors cannot be dropped: such a policy
//! would not load at all).

use super::{load, write_block, CliError, Outcome, Report, Term};
use crate::args::{DenyLevel, LintArgs, OutputFormat};
use cors_dsl::codes::{Code, CodeKind};
use cors_dsl::diag::Severity;
use cors_dsl::lint::registry;

/// Lints every file; exit 1 on an error (or a warning with `--deny warnings`).
pub fn run(args: &LintArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let allowed = allowed_codes(&args.allow)?;
    let mut report = Report::default();
    for path in &args.files {
        let mut loaded = load(path)?;
        if let Some(set) = loaded.set.as_ref() {
            if let Err(errors) = cors_dsl::compile(set, &loaded.sources) {
                loaded.diagnostics.extend(errors);
            } else {
                let findings = cors_dsl::lint::lint(set, &loaded.sources);
                loaded.diagnostics.extend(findings);
            }
        }
        loaded.diagnostics.retain(|d| !allowed.contains(&d.code));
        report.add(&loaded.sources, loaded.diagnostics);
    }
    let failing = match args.deny {
        Some(DenyLevel::Warnings) => Severity::Warning,
        None => Severity::Error,
    };
    let failed = report.diagnostics.iter().any(|d| d.severity >= failing);
    if args.format == OutputFormat::Human {
        write_block(term.err, &report.render(args.format, term.color_err))?;
    } else {
        write_block(term.out, &report.render(args.format, false))?;
    }
    Ok(Outcome::from_failed(failed))
}

/// Resolves `--allow` codes against the registry, refusing unknown codes (a typo would
/// otherwise silently allow nothing) and language errors.
fn allowed_codes(codes: &[String]) -> Result<Vec<&'static Code>, CliError> {
    codes
        .iter()
        .map(|code| match registry::lookup(code) {
            Some(m) if m.kind == CodeKind::Lint => Ok(m),
            Some(m) if m.kind == CodeKind::Expectation => Err(CliError::Usage(format!(
                "`{}` ({}) is a failed policy test and cannot be allowed: change the policy or the expectation",
                m.code, m.name
            ))),
            Some(m) => Err(CliError::Usage(format!(
                "`{}` ({}) is a language error and cannot be allowed: the policy would not load",
                m.code, m.name
            ))),
            None => Err(CliError::Usage(format!(
                "unknown code `{code}` in --allow (see `corsc rules`)"
            ))),
        })
        .collect()
}
