//! `corsc lint`: language errors plus the linter's findings, in any output format.
//!
//! This is the CI entry point, with the conventions of shellcheck, ruff and hadolint:
//! `-` reads stdin and directories are searched for `*.cors`; the files of one run are
//! checked together, as nginx loads its `cors_policy_file`s (a policy defined twice is
//! an error); `--format sarif|github|json` feed dashboards and annotations and are
//! written whole even when an input cannot be read (the failure recorded in them);
//! `--deny`, `--warn` and `--allow` take codes or names; `--fix` applies the
//! machine-applicable fixes; `--exit-zero` and `--quiet` do what they do elsewhere.

use super::input::{self, Input, InputError};
use super::{write_atomic, write_block, CliError, Outcome, Report, Term};
use crate::args::{LintArgs, OutputFormat};
use cors_dsl::codes::{Code, CodeKind};
use cors_dsl::diag::Severity;
use cors_dsl::lint::registry;
use cors_dsl::span::FileId;
use cors_dsl::{fix, Diagnostic, Loaded};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What the flags make of one code for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// `--allow`: dropped.
    Allow,
    /// `--warn` or `--deny`: reported at this severity.
    Report(Severity),
}

/// The run's settings from `--deny`, `--warn` and `--allow`.
struct Selection {
    levels: HashMap<&'static str, Level>,
    /// `--deny warnings`.
    deny_warnings: bool,
}

impl Selection {
    fn from_args(args: &LintArgs) -> Result<Selection, CliError> {
        let mut sel = Selection { levels: HashMap::new(), deny_warnings: false };
        let flags = [
            ("--allow", &args.allow, Level::Allow),
            ("--warn", &args.warn, Level::Report(Severity::Warning)),
            ("--deny", &args.deny, Level::Report(Severity::Error)),
        ];
        for (flag, values, level) in flags {
            for value in values {
                if flag == "--deny" && value == "warnings" {
                    sel.deny_warnings = true;
                    continue;
                }
                let code = resolve(flag, value)?;
                if code.kind == CodeKind::Expectation {
                    return Err(CliError::Usage(format!(
                        "`{}` ({}) is a failed policy test and cannot be regraded: change the \
                         policy or the expectation",
                        code.code, code.name
                    )));
                }
                if code.kind == CodeKind::Language && level != Level::Report(Severity::Error) {
                    return Err(CliError::Usage(format!(
                        "`{}` ({}) is a language error and cannot be {}: the policy would not load",
                        code.code,
                        code.name,
                        if level == Level::Allow { "allowed" } else { "made a warning" }
                    )));
                }
                match sel.levels.insert(code.code, level) {
                    Some(before) if before != level => {
                        return Err(CliError::Usage(format!(
                            "`{}` ({}) is given more than one level; give each code one of \
                             --allow, --warn, --deny",
                            code.code, code.name
                        )))
                    }
                    _ => {}
                }
            }
        }
        Ok(sel)
    }

    /// Drops allowed findings and regrades the others.
    fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain_mut(|d| match self.levels.get(d.code.code) {
            Some(Level::Allow) => false,
            Some(Level::Report(severity)) => {
                d.severity = *severity;
                true
            }
            None => true,
        });
    }

    fn failing(&self) -> Severity {
        if self.deny_warnings {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

/// The code a user named, by code (`CORS104`, any case) or name (`insecure-origin`).
fn resolve(flag: &str, value: &str) -> Result<&'static Code, CliError> {
    registry::all().find(|c| c.code.eq_ignore_ascii_case(value) || c.name == value).ok_or_else(
        || CliError::Usage(format!("unknown code `{value}` in {flag} (see `corsc rules`)")),
    )
}

/// Lints every input; exit 1 on a finding at the failing level, 2 when an input could
/// not be read (after writing the report).
pub fn run(args: &LintArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let selection = Selection::from_args(args)?;
    let inputs = input::expand(&args.inputs.files, args.inputs.stdin_filename.as_deref());
    if args.fix
        && args.format != OutputFormat::Human
        && args.output_file.is_none()
        && inputs.iter().any(|i| matches!(i, Ok(Input::Stdin { .. })))
    {
        return Err(CliError::Usage(
            "`--fix` with `-` writes the fixed policy to stdout: use `--output-file` for the \
             report"
                .into(),
        ));
    }
    let mut report = Report::default();
    let mut roots: Vec<(Input, Loaded)> = Vec::new();
    let mut fixed = 0;
    for item in inputs {
        let read = item.and_then(|input| {
            let text = input::read_source(&input)?;
            Ok((input, text))
        });
        let (input, mut text) = match read {
            Ok(it) => it,
            Err(e) => {
                fail(&mut report, &e, term)?;
                continue;
            }
        };
        if args.fix {
            let (new_text, n) = fix_input(&input, text, &selection)?;
            fixed += n;
            text = new_text;
            if matches!(input, Input::Stdin { .. }) {
                term.out.write_all(text.as_bytes())?;
            }
        }
        let loaded = lint_text(input.path(), text);
        roots.push((input, loaded));
    }
    // A file another input includes is part of that input, not a policy file of its
    // own, when it was only found by searching a directory.
    let included: std::collections::HashSet<PathBuf> = roots
        .iter()
        .flat_map(|(_, l)| l.sources.files().skip(1).map(|(_, f)| canonical(&f.path)))
        .collect();
    for (input, loaded) in roots {
        if matches!(input, Input::File { found: true, .. })
            && included.contains(&canonical(input.path()))
        {
            continue;
        }
        let mut diagnostics = loaded.diagnostics;
        selection.apply(&mut diagnostics);
        report.add_root(&loaded.sources, diagnostics, loaded.set.as_ref());
        // Counted, not kept: they cannot be selected by code, only by severity.
        report.omit(loaded.omitted, |_| true);
    }
    report.sort();
    let failed = report.diagnostics.iter().any(|d| d.severity >= selection.failing());
    let color = args.output_file.is_none()
        && if args.format == OutputFormat::Human { term.color_err } else { term.color_out };
    let rendered = report.render_with(args.format, color, args.quiet);
    if args.fix && !args.quiet && fixed > 0 {
        writeln!(term.err, "fixed {}", super::plural(fixed, "finding"))?;
    }
    match &args.output_file {
        Some(path) => write_atomic(path, rendered.as_bytes())?,
        None if args.format == OutputFormat::Human => write_block(term.err, &rendered)?,
        None => write_block(term.out, &rendered)?,
    }
    Ok(if !report.failures.is_empty() {
        Outcome::InputFailed
    } else {
        Outcome::from_failed(failed && !args.exit_zero)
    })
}

/// Records an input that cannot be linted, and tells the person at the terminal.
fn fail(report: &mut Report, e: &InputError, term: &mut Term<'_>) -> Result<(), CliError> {
    report.fail(e);
    // Machine formats carry it too; a person reads stderr either way.
    writeln!(term.err, "{}: {e}", super::paint(term.color_err, "1;31", "error"))?;
    Ok(())
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Loads, checks, compiles and lints `text` as the file `path` (includes read from
/// disk), with every finding, language errors included, before `--allow` and friends.
fn lint_text(path: &Path, text: String) -> Loaded {
    let mut loaded = cors_dsl::load_string_with(path, text, input::source_limit());
    if let Some(set) = loaded.set.as_ref() {
        // Only the verdict is kept: the table is dropped before linting, not held
        // beside the linter's own maps (a million-origin table is ~100 MB).
        match cors_dsl::compile(set, &loaded.sources).err() {
            Some(errors) => loaded.add(errors),
            None => {
                let findings = cors_dsl::lint::lint(set, &loaded.sources);
                loaded.add(findings);
            }
        }
    }
    loaded
}

/// `--fix`: lints, applies the machine-applicable fixes of the findings the run
/// reports, and again, until none is left. Files (the root and its includes) are
/// rewritten in place, atomically; stdin's text is returned fixed (its includes are
/// left alone). Returns the final text of the root and how many fixes were applied.
fn fix_input(
    input: &Input,
    mut text: String,
    selection: &Selection,
) -> Result<(String, usize), CliError> {
    let mut total = 0;
    for _ in 0..fix::MAX_ROUNDS {
        let loaded = lint_text(input.path(), text.clone());
        // `--allow CODE` leaves that code's findings, fixes included, alone.
        let mut diagnostics = loaded.diagnostics;
        selection.apply(&mut diagnostics);
        let mut applied_this_round = 0;
        for (id, file) in loaded.sources.files() {
            let stdin = matches!(input, Input::Stdin { .. });
            let fixes = fix::applicable(&diagnostics, id);
            if fixes.is_empty() || (stdin && id != FileId(0)) {
                continue;
            }
            let (new, n) = fix::apply(&file.text, &fixes);
            if n == 0 || new == file.text {
                continue;
            }
            applied_this_round += n;
            if id == FileId(0) {
                text = new;
                if let Input::File { path, .. } = input {
                    write_atomic(path, text.as_bytes())?;
                }
            } else {
                write_atomic(&file.path, new.as_bytes())?;
            }
        }
        if applied_this_round == 0 {
            break;
        }
        total += applied_this_round;
    }
    Ok((text, total))
}
