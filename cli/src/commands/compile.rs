//! `corsc compile`: policy source → `.corsb` rule table for the nginx module.
//!
//! Compiling ahead of time lets a deploy ship a table that is known to load, and lets
//! nginx skip parsing at reload. A policy with errors is refused and nothing is written;
//! lint warnings and errors are shown but do not stop the build (that is `corsc lint`'s job).

use super::{build, write_atomic, write_block, CliError, Outcome, Report, Term};
use crate::args::{CompileArgs, Emit, OutputFormat};

/// Compiles one file; exit 1 (and nothing written) when it has errors.
pub fn run(args: &CompileArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    if args.output.is_none() && args.emit.is_none() {
        return Err(CliError::Usage(
            "`corsc compile` needs `-o OUT.corsb` (or `--emit json` to print a dump)".into(),
        ));
    }
    let (table, loaded) = match build(&args.file)? {
        Ok(ok) => ok,
        Err(loaded) => {
            let mut report = Report::default();
            report.add(&loaded.sources, loaded.diagnostics);
            write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
            writeln!(term.err, "`{}` has errors; nothing written", args.file.display())?;
            return Ok(Outcome::Failed);
        }
    };
    if let Some(set) = loaded.set.as_ref() {
        // Infos are for `corsc lint`; a build shows what may need attention.
        let mut findings = cors_dsl::lint::lint(set, &loaded.sources);
        findings.retain(|d| d.severity >= cors_dsl::Severity::Warning);
        let mut report = Report::default();
        report.add(&loaded.sources, findings);
        write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
    }
    let bytes = match args.emit {
        Some(Emit::Json) => {
            let mut json = table.to_json();
            json.push('\n');
            json.into_bytes()
        }
        None => table.to_bytes(),
    };
    match &args.output {
        Some(out) => {
            write_atomic(out, &bytes)?;
            let policies = match table.policy_names().count() {
                1 => "1 policy".to_string(),
                n => format!("{n} policies"),
            };
            writeln!(term.err, "wrote `{}` ({policies}, {} bytes)", out.display(), bytes.len())?;
        }
        None => term.out.write_all(&bytes)?,
    }
    Ok(Outcome::Clean)
}
