//! `corsc check`: will nginx load this policy? Errors only, rustc-style on stderr.
//!
//! The quick gate before a deploy: the same verdict as `nginx -t` and `corsc compile`
//! ([`cors_dsl::build`]): language errors, the compile error validation cannot catch
//! (regexes too large together), and lint findings of error severity that no
//! `# corsc: allow CODE reason` comment suppresses. Warnings are `corsc lint`'s to
//! report. Files given together are checked as nginx loads them together: a policy
//! defined in two of them is an error.

use super::input::{self, Input};
use super::{write_block, CliError, Outcome, Report, Term};
use crate::args::{CheckArgs, OutputFormat};
use cors_dsl::Severity;

/// Checks every input; exit 1 when any has an error, 2 when one cannot be read.
pub fn run(args: &CheckArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut report = Report::default();
    let inputs = input::expand(&args.inputs.files, args.inputs.stdin_filename.as_deref());
    for item in inputs {
        let read = item
            .and_then(|input: Input| Ok((input.path().to_path_buf(), input::read_source(&input)?)));
        let (path, text) = match read {
            Ok(it) => it,
            Err(e) => {
                report.fail(&e);
                writeln!(term.err, "{}: {e}", super::paint(term.color_err, "1;31", "error"))?;
                continue;
            }
        };
        // A refused policy comes back without its set: nothing to compare names of.
        let mut loaded = match cors_dsl::build_string_with(&path, text, input::source_limit()) {
            Ok((_, loaded)) | Err(loaded) => loaded,
        };
        let mut errors = std::mem::take(&mut loaded.diagnostics);
        errors.retain(|d| d.is_error());
        report.add_root(&loaded.sources, errors, loaded.set.as_ref());
        report.omit(loaded.omitted, |s| s == Severity::Error);
    }
    report.sort();
    write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
    if !report.failures.is_empty() {
        return Ok(Outcome::InputFailed);
    }
    Ok(Outcome::from_failed(report.diagnostics.iter().any(|d| d.is_error())))
}
