//! `corsc fmt`: rewrite policy files in canonical form (`cors_dsl::printer::print`).
//!
//! Only syntax is needed to format, so a file with validation errors is still
//! formatted; a file with syntax errors is left alone and its errors shown. Before
//! writing, the printed text is parsed again and its directive tree compared with the
//! original (spans aside), so a formatter bug can never silently change a policy.
//! `--check` lists what would change, `--diff` shows it as a unified diff; `-` formats
//! standard input to standard output.

use super::input::{self, Input};
use super::{write_atomic, write_block, CliError, Outcome, Report, Term};
use crate::args::{FmtArgs, OutputFormat};
use cors_dsl::ast::{Directive, Document};
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{syntax, SourceMap};

/// Formats every input; with `--check` or `--diff` writes nothing and exits 1 if any
/// would change.
pub fn run(args: &FmtArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut failed = false;
    let mut input_failed = false;
    let (mut changed, mut unchanged) = (0, 0);
    let dry_run = args.check || args.diff;
    let inputs = input::expand(&args.inputs.files, args.inputs.stdin_filename.as_deref());
    for item in inputs {
        let read = item.and_then(|input: Input| {
            let text = input::read_source(&input)?;
            Ok((input, text))
        });
        let (input, text) = match read {
            Ok(it) => it,
            Err(e) => {
                writeln!(term.err, "{}: {e}", super::paint(term.color_err, "1;31", "error"))?;
                input_failed = true;
                continue;
            }
        };
        let path = input.path();
        let Some(printed) = format_text(path, &text, term)? else {
            failed = true;
            continue;
        };
        let stdin = matches!(input, Input::Stdin { .. });
        if stdin && !dry_run {
            term.out.write_all(printed.as_bytes())?;
        }
        if printed == text {
            unchanged += 1;
            continue;
        }
        changed += 1;
        if args.diff {
            write_diff(term, path, &text, &printed)?;
            failed = true;
        } else if args.check {
            writeln!(term.out, "would reformat {}", path.display())?;
            failed = true;
        } else if !stdin {
            write_atomic(path, printed.as_bytes())?;
            writeln!(term.err, "reformatted {}", path.display())?;
        }
    }
    let verb = if dry_run { "would be reformatted" } else { "reformatted" };
    writeln!(
        term.err,
        "{} {verb}, {} already formatted",
        super::plural(changed, "file"),
        super::plural(unchanged, "file")
    )?;
    if input_failed {
        return Ok(Outcome::InputFailed);
    }
    Ok(Outcome::from_failed(failed))
}

/// `text` in canonical form; `None` (after saying why) when it has syntax errors or
/// formatting would change its meaning.
fn format_text(
    path: &std::path::Path,
    text: &str,
    term: &mut Term<'_>,
) -> Result<Option<String>, CliError> {
    let file = SourceFile::new(path, text);
    let (doc, diags) = syntax::parse(&file, FileId(0));
    if diags.iter().any(|d| d.is_error()) {
        let mut sources = SourceMap::new();
        sources.add(file);
        let mut report = Report::default();
        report.add(&sources, diags);
        write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
        writeln!(term.err, "`{}` has syntax errors; not formatted", path.display())?;
        return Ok(None);
    }
    let printed = cors_dsl::printer::print(&doc, &file);
    let (reparsed, errors) = syntax::parse(&SourceFile::new(path, printed.as_str()), FileId(0));
    if !errors.is_empty() || shape(&reparsed) != shape(&doc) {
        writeln!(
            term.err,
            "error: formatting `{}` would change its meaning; file left unchanged (this is a bug in corsc, please report it)",
            path.display()
        )?;
        return Ok(None);
    }
    Ok(Some(printed))
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, three lines of context), coloured on a
/// terminal.
fn write_diff(
    term: &mut Term<'_>,
    path: &std::path::Path,
    old: &str,
    new: &str,
) -> Result<(), CliError> {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    for line in text.lines() {
        let style = match line.as_bytes().first() {
            _ if line.starts_with("---") || line.starts_with("+++") => "1",
            Some(b'-') => "31",
            Some(b'+') => "32",
            Some(b'@') => "36",
            _ => "",
        };
        let painted = if style.is_empty() {
            line.to_string()
        } else {
            super::paint(term.color_out, style, line)
        };
        writeln!(term.out, "{painted}")?;
    }
    Ok(())
}

/// A document without positions: what the formatter must preserve. Comments count
/// (losing one is a bug too), their exact placement and whitespace do not.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Directive { name: String, args: Vec<(String, String)>, block: Option<Vec<Shape>> },
    Comment(String),
}

fn shape(doc: &Document) -> Vec<Shape> {
    let mut out = Vec::new();
    directives(&doc.directives, &mut out);
    out.extend(doc.trailing_comments.iter().map(|c| Shape::Comment(c.node.trim().to_string())));
    out
}

fn directives(list: &[Directive], out: &mut Vec<Shape>) {
    for d in list {
        out.extend(d.leading_comments.iter().map(|c| Shape::Comment(c.node.trim().to_string())));
        let block = d.block.as_ref().map(|b| {
            let mut inner = Vec::new();
            directives(&b.directives, &mut inner);
            inner.extend(
                b.trailing_comments.iter().map(|c| Shape::Comment(c.node.trim().to_string())),
            );
            inner
        });
        out.push(Shape::Directive {
            name: d.name().to_string(),
            args: d.args.iter().map(|a| (format!("{:?}", a.kind), a.value.clone())).collect(),
            block,
        });
        out.extend(d.trailing_comment.iter().map(|c| Shape::Comment(c.node.trim().to_string())));
    }
}
