//! `corsc check`: is this policy valid? Language errors only, rustc-style on stderr.
//!
//! The quick gate before a deploy or `nginx -t`: parses, validates and compiles each
//! file (compiling catches the one error validation cannot: regexes too large
//! together), without running the linter.

use super::{build, write_block, CliError, Outcome, Report, Term};
use crate::args::{CheckArgs, OutputFormat};

/// Checks every file; exit 1 when any has an error.
pub fn run(args: &CheckArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut report = Report::default();
    for path in &args.files {
        let loaded = match build(path)? {
            Ok((_, loaded)) | Err(loaded) => loaded,
        };
        report.add(&loaded.sources, loaded.diagnostics);
    }
    write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
    Ok(Outcome::from_failed(report.diagnostics.iter().any(|d| d.is_error())))
}
