//! `corsc fmt`: rewrite policy files in canonical form (`cors_dsl::printer::print`).
//!
//! Only syntax is needed to format, so a file with validation errors is still
//! formatted; a file with syntax errors is left alone and its errors shown. Before
//! writing, the printed text is parsed again and its directive tree compared with the
//! original (spans aside), so a formatter bug can never silently change a policy.

use super::{read_text, write_atomic, write_block, CliError, Outcome, Report, Term};
use crate::args::{FmtArgs, OutputFormat};
use cors_dsl::ast::{Directive, Document};
use cors_dsl::span::{FileId, SourceFile};
use cors_dsl::{syntax, SourceMap};

/// Formats every file; with `--check` writes nothing and exits 1 if any would change.
pub fn run(args: &FmtArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let mut failed = false;
    let (mut changed, mut unchanged) = (0, 0);
    for path in &args.files {
        let text = read_text(path)?;
        let file = SourceFile::new(path, text.as_str());
        let (doc, diags) = syntax::parse(&file, FileId(0));
        if diags.iter().any(|d| d.is_error()) {
            let mut sources = SourceMap::new();
            sources.add(file);
            let mut report = Report::default();
            report.add(&sources, diags);
            write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
            writeln!(term.err, "`{}` has syntax errors; not formatted", path.display())?;
            failed = true;
            continue;
        }
        let printed = cors_dsl::printer::print(&doc, &file);
        let (reparsed, errors) = syntax::parse(&SourceFile::new(path, printed.as_str()), FileId(0));
        if !errors.is_empty() || shape(&reparsed) != shape(&doc) {
            writeln!(
                term.err,
                "error: formatting `{}` would change its meaning; file left unchanged (this is a bug in corsc, please report it)",
                path.display()
            )?;
            failed = true;
            continue;
        }
        if printed == text {
            unchanged += 1;
        } else if args.check {
            writeln!(term.out, "would reformat {}", path.display())?;
            changed += 1;
            failed = true;
        } else {
            write_atomic(path, printed.as_bytes())?;
            writeln!(term.err, "reformatted {}", path.display())?;
            changed += 1;
        }
    }
    let verb = if args.check { "would be reformatted" } else { "reformatted" };
    writeln!(
        term.err,
        "{} {verb}, {} already formatted",
        super::plural(changed, "file"),
        super::plural(unchanged, "file")
    )?;
    Ok(Outcome::from_failed(failed))
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
