//! `corsc test`: run the policy tests (`expect` statements) of policy files and of
//! `*.cors-test` files, and report every one that fails.
//!
//! Each file goes through [`cors_dsl::build`], the verdict `corsc check`, `corsc
//! compile` and `nginx -t` take, which runs the expectations against the compiled
//! table; so a test that fails here fails the deploy too. A directory stands for every
//! `*.cors-test` file under it (policy files there may be fragments meant to be
//! included, so they are named explicitly). Output and exit codes are `corsc lint`'s:
//! the same writers, errors fail the run. A run that finds no expectation at all fails
//! too: a green test job that tested nothing is a misconfigured one.

use super::{build, plural, write_block, CliError, Outcome, Report, Term};
use crate::args::{OutputFormat, TestArgs};
use cors_dsl::codes::CodeKind;
use std::path::{Path, PathBuf};

/// The extension of a file that holds only tests (`test NAME { expect …; }`) and
/// includes the policies it tests.
pub const TEST_EXTENSION: &str = "cors-test";

/// Runs the expectations of every file; exit 1 when one fails or a policy has errors.
pub fn run(args: &TestArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let files = expand(&args.files)?;
    let mut report = Report::default();
    let mut summary = Vec::new();
    let (mut total, mut failed_total) = (0, 0);
    for path in &files {
        let mut loaded = match build(path)? {
            Ok((_, loaded)) | Err(loaded) => loaded,
        };
        // Warnings and infos are `corsc lint`'s to report.
        loaded.diagnostics.retain(|d| d.is_error());
        let count = |kind| loaded.diagnostics.iter().filter(|d| d.code.kind == kind).count();
        let result = FileResult {
            expectations: loaded.expectations,
            failed: count(CodeKind::Expectation),
            language_errors: count(CodeKind::Language),
            lint_errors: count(CodeKind::Lint),
        };
        total += result.expectations;
        failed_total += result.failed;
        summary.push(line(path, &result));
        report.add(&loaded.sources, loaded.diagnostics);
        report.omit(loaded.omitted, |s| s == cors_dsl::Severity::Error);
    }
    let any_error = report.diagnostics.iter().any(|d| d.is_error()) || report.omitted.errors > 0;
    if args.format == OutputFormat::Human {
        write_block(term.err, &report.render(args.format, term.color_err))?;
        for l in &summary {
            writeln!(term.err, "{l}")?;
        }
        let files = plural(files.len(), "file");
        if total == 0 {
            writeln!(term.err, "error: no expectations in {files}; nothing was tested")?;
        } else {
            writeln!(
                term.err,
                "{} in {files}: {} passed, {failed_total} failed",
                plural(total, "expectation"),
                total - failed_total
            )?;
        }
    } else {
        write_block(term.out, &report.render(args.format, false))?;
    }
    Ok(Outcome::from_failed(any_error || total == 0))
}

/// One file's result, e.g. `api.cors: 4 expectations, 1 failed`. Expectations run
/// only on a policy that compiles, i.e. one without language errors.
fn line(path: &Path, r: &FileResult) -> String {
    let name = path.display();
    let count = plural(r.expectations, "expectation");
    if r.language_errors > 0 {
        return format!(
            "{name}: not run: the policy has {}",
            plural(r.language_errors, "language error")
        );
    }
    let mut text = match (r.expectations, r.failed) {
        (0, _) => format!("{name}: no expectations"),
        (_, 0) => format!("{name}: {count}, all passed"),
        (_, n) => format!("{name}: {count}, {n} failed"),
    };
    if r.lint_errors > 0 {
        text.push_str(&format!(
            " (and the policy is refused for {})",
            plural(r.lint_errors, "lint error")
        ));
    }
    text
}

/// What one file's run found.
struct FileResult {
    expectations: usize,
    failed: usize,
    language_errors: usize,
    lint_errors: usize,
}

/// Files as given; a directory becomes every `*.cors-test` file under it, sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let before = files.len();
        collect(path, &mut files)?;
        if files.len() == before {
            return Err(CliError::Usage(format!(
                "no `*.{TEST_EXTENSION}` files under `{}`",
                path.display()
            )));
        }
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let io = |source| CliError::Io { action: "read", path: dir.into(), source };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == TEST_EXTENSION) {
            out.push(path);
        }
    }
    Ok(())
}
