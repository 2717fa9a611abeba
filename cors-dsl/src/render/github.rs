//! GitHub Actions output: workflow commands that become annotations on a pull request.
//!
//! One line per finding, in the form GitHub documents for workflow commands:
//! `::error file=policy.cors,line=3,col=12,endLine=3,endColumn=36,title=CORS004::message`.
//! Info findings become `notice`. Data is escaped (`%`, `\r`, `\n`) and so are property
//! values (also `:` and `,`), otherwise a message containing `::` or a newline would
//! end the command early or inject another one.

use super::{end_position, omitted_text, Failure, Summary};
use crate::{Diagnostic, Severity, SourceMap};
use std::fmt::Write;

/// Renders `diags` as GitHub workflow commands, one per line.
///
/// Columns are given only for single-line spans: GitHub rejects (or misplaces)
/// `col`/`endColumn` on annotations that span several lines.
pub fn render(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    render_run(sources, diags, &[], Summary::default())
}

/// [`render`], then one `::error` per input that could not be linted, and one
/// `::notice` counting the findings not kept (`omitted`), if any.
pub fn render_run(
    sources: &SourceMap,
    diags: &[Diagnostic],
    failures: &[Failure],
    omitted: Summary,
) -> String {
    let mut out = String::new();
    for f in failures {
        let props = format!("file={},title=corsc", escape_property(&f.path));
        let _ = writeln!(out, "::error {props}::{}", escape_data(&f.message));
    }
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (end_line, end_col) = end_position(sources, d.span);
        let file = sources.path(d.span.file).display().to_string();
        let mut props = format!("file={},line={}", escape_property(&file), d.span.line);
        if end_line == d.span.line {
            let _ = write!(props, ",col={},endLine={end_line},endColumn={end_col}", d.span.col);
        } else {
            let _ = write!(props, ",endLine={end_line}");
        }
        let _ = write!(props, ",title={}", escape_property(d.code.as_str()));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(out, "::{command} {props}::{}", escape_data(&message));
    }
    if omitted.total() > 0 {
        let _ = writeln!(out, "::notice title=corsc::{}", escape_data(&omitted_text(omitted)));
    }
    out
}

/// Escapes a command's data (the message) per the workflow-commands spec.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: data escapes plus `:` and `,`, which separate properties.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_spec() {
        let cases = [
            ("100%", "100%25", "100%25"),
            ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
            ("x::y,z", "x::y,z", "x%3A%3Ay%2Cz"),
            ("%0A", "%250A", "%250A"),
        ];
        for (input, data, property) in cases {
            assert_eq!(escape_data(input), data, "data escape of {input:?}");
            assert_eq!(escape_property(input), property, "property escape of {input:?}");
        }
    }
}
