//! `corsc rules`: the registry of diagnostic codes, for people.
//!
//! Reads [`cors_dsl::lint::registry::all`], the same list SARIF output and `docs/rules.md` come
//! from, so what a user reads here is exactly what the tools report.

use super::{CliError, Outcome, Term};
use crate::args::RulesArgs;
use cors_dsl::codes::{Code, CodeKind};
use cors_dsl::lint::registry;

/// Lists every code, or prints the docs of one (unknown code: exit 2).
pub fn run(args: &RulesArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    match &args.code {
        None => list(term)?,
        Some(code) => {
            let found = registry::lookup(code).ok_or_else(|| {
                CliError::Usage(format!("unknown code `{code}` (run `corsc rules` for the list)"))
            })?;
            show(found, term)?;
        }
    }
    Ok(Outcome::Clean)
}

fn list(term: &mut Term<'_>) -> std::io::Result<()> {
    let all: Vec<&Code> = registry::all().collect();
    let name_width = all.iter().map(|m| m.name.len()).max().unwrap_or(0);
    writeln!(term.out, "{:<8} {:<8} {:<name_width$}  SUMMARY", "CODE", "SEVERITY", "NAME")?;
    for m in all {
        writeln!(
            term.out,
            "{:<8} {:<8} {:<name_width$}  {}",
            m.code,
            m.severity.as_str(),
            m.name,
            m.summary
        )?;
    }
    Ok(())
}

fn show(m: &Code, term: &mut Term<'_>) -> std::io::Result<()> {
    let kind = match m.kind {
        CodeKind::Language => "language error: the policy is refused; cannot be suppressed",
        CodeKind::Expectation => {
            "policy test: the policy is refused; cannot be suppressed (change the policy or the expectation)"
        }
        CodeKind::Lint => {
            "lint rule: suppress with `# corsc: allow CODE \"reason\"` on the line before"
        }
    };
    writeln!(term.out, "# {} {}\n", m.code, m.name)?;
    writeln!(term.out, "{}\n", m.summary)?;
    writeln!(term.out, "Severity: {}  ({kind})\n", m.severity)?;
    write!(term.out, "{}", m.docs)?;
    if !m.docs.ends_with('\n') {
        writeln!(term.out)?;
    }
    Ok(())
}
