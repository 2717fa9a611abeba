//! `corsc check`: will nginx load this policy? Errors only, rustc-style on stderr.
//!
//! The quick gate before a deploy: the same verdict as `nginx -t` and `corsc compile`
//! ([`cors_dsl::build`]): language errors, the compile error validation cannot catch
//! (regexes too large together), and lint findings of error severity that no
//! `# corsc: allow CODE reason` comment suppresses. Warnings are `corsc lint`'s to
//! report.

use super::{build, write_block, CliError, Outcome, Report, Term};
use crate::args::{CheckArgs, OutputFormat};

/// Checks every file; exit 1 when any has an error.
pub fn run(args: &CheckArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut report = Report::default();
    for path in &args.files {
        let mut loaded = match build(path)? {
            Ok((_, loaded)) | Err(loaded) => loaded,
        };
        loaded.diagnostics.retain(|d| d.is_error());
        report.add(&loaded.sources, loaded.diagnostics);
    }
    write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
    Ok(Outcome::from_failed(report.diagnostics.iter().any(|d| d.is_error())))
}
