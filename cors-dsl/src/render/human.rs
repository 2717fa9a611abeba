//! Human output: rustc-style diagnostics with the offending source underlined.
//!
//! Built on `annotate-snippets` (the renderer rustc and cargo use), so the output
//! looks like what Rust users already read every day:
//!
//! ```text
//! error[CORS004]: origin has a trailing slash
//!  --> policy.cors:3:12
//!   |
//! 3 |     origin https://app.example.com/;
//!   |            ^^^^^^^^^^^^^^^^^^^^^^^^ a browser never sends a path
//!   |
//!   = help: remove the trailing slash
//! ```

use crate::diag::Fix;
use crate::span::SourceFile;
use crate::{Diagnostic, Severity, SourceMap, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};
use std::ops::Range;

use super::Summary;
use crate::diagnostics::{more_line, MAX_DIAGNOSTICS};

/// Renders `diags` rustc-style (annotate-snippets), in colour when `color` is set.
///
/// Diagnostics are printed in the order given, separated by blank lines, followed by a
/// summary line (`error: 1 error, 2 warnings, 0 infos`, with the level of the worst
/// finding) when there is at least one. Output is deterministic: no terminal width
/// detection, no timing.
pub fn render(sources: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = render_findings(sources, diags, color);
    if let Some(worst) = diags.iter().map(|d| d.severity).max() {
        let summary = Summary::of(diags).to_string();
        let title = level(worst).primary_title(summary);
        out.push_str(&renderer.render(&[Group::with_title(title)]));
        out.push('\n');
    }
    out
}

/// [`render`] for a whole run, capped: the first [`MAX_DIAGNOSTICS`] of `diags` (in the
/// order given), then `… and M more` for the rest and for `omitted` (found but not
/// kept, see [`crate::diagnostics`]), then the summary line counting them all (left out
/// when `quiet`). Output grows with what is shown, not with what was found.
pub fn render_run(
    sources: &SourceMap,
    diags: &[Diagnostic],
    omitted: Summary,
    color: bool,
    quiet: bool,
) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let shown = diags.get(..MAX_DIAGNOSTICS).unwrap_or(diags);
    let mut out = render_findings(sources, shown, color);
    let more = diags.len() - shown.len() + omitted.total();
    if more > 0 {
        out.push_str(&more_line(more));
        out.push_str("\n\n");
    }
    let all = Summary::of(diags).plus(omitted);
    let worst =
        [Severity::Error, Severity::Warning, Severity::Info].into_iter().find(|s| all.get(*s) > 0);
    if let (Some(worst), false) = (worst, quiet) {
        let title = level(worst).primary_title(all.to_string());
        out.push_str(&renderer.render(&[Group::with_title(title)]));
        out.push('\n');
    }
    out
}

/// [`render`] without the summary line (`corsc lint --quiet`).
pub fn render_findings(sources: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for diag in diags {
        let report = report(sources, diag);
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Clamps a span to its file's text so a stale or foreign span can never make the
/// renderer slice outside the source.
fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let end = (span.end as usize).min(text.len());
    let start = (span.start as usize).min(end);
    start..end
}

/// The most source text one snippet shows. `annotate-snippets` lays out a whole line
/// before cutting it to the terminal's width, so a finding on a 10 MB line would cost
/// 10 MB of work each (issue #17); longer excerpts are named, not shown.
const MAX_EXCERPT: usize = 4096;

/// The lines of `file` that `spans` touch (their text and first line number) and the
/// spans moved into them: a snippet shows those lines, not the file, so rendering costs
/// them alone (a file with many findings is not re-read once per finding). `None` when
/// they are longer than [`MAX_EXCERPT`].
fn excerpt<'a>(
    file: &'a SourceFile,
    spans: &[Span],
) -> Option<(&'a str, usize, Vec<Range<usize>>)> {
    let ranges: Vec<Range<usize>> = spans.iter().map(|s| clamp(&file.text, *s)).collect();
    let start = ranges.iter().map(|r| r.start).min().unwrap_or(0);
    let end = ranges.iter().map(|r| r.end).max().unwrap_or(0);
    let (line, lines) = file.lines_around(start, end);
    if lines.len() > MAX_EXCERPT {
        return None;
    }
    let text = file.text.get(lines.clone()).unwrap_or("");
    let moved = ranges.iter().map(|r| r.start - lines.start..r.end - lines.start).collect();
    Some((text, line as usize, moved))
}

/// A snippet of `file` showing `text` from line `line`.
fn snippet_of<'a, T: Clone>(file: &SourceFile, text: &'a str, line: usize) -> Snippet<'a, T> {
    Snippet::source(text).line_start(line).path(file.path.display().to_string())
}

fn report<'a>(sources: &'a SourceMap, diag: &'a Diagnostic) -> Vec<Group<'a>> {
    let title = level(diag.severity).primary_title(diag.message.as_str()).id(diag.code.as_str());
    let mut group = Group::with_title(title);
    // Secondary labels in the same file share the snippet; others get their own.
    let (here, elsewhere): (Vec<_>, Vec<_>) =
        diag.secondary.iter().partition(|l| l.span.file == diag.span.file);
    let spans: Vec<Span> = std::iter::once(diag.span).chain(here.iter().map(|l| l.span)).collect();
    let shown = sources.get(diag.span.file).map(|file| (file, excerpt(file, &spans)));
    match shown {
        Some((file, Some((text, line, moved)))) => {
            let mut snippet = snippet_of(file, text, line);
            let mut moved = moved.into_iter();
            if let Some(primary) = moved.next() {
                snippet = snippet.annotation(
                    AnnotationKind::Primary.span(primary).label(non_empty(&diag.label)),
                );
            }
            for (label, span) in here.iter().zip(moved) {
                snippet = snippet.annotation(
                    AnnotationKind::Context.span(span).label(non_empty(&label.message)),
                );
            }
            group = group.element(snippet);
            for label in elsewhere {
                if let Some(other) = sources.get(label.span.file) {
                    let Some((text, line, moved)) = excerpt(other, &[label.span]) else {
                        continue;
                    };
                    if let Some(span) = moved.into_iter().next() {
                        group = group.element(snippet_of(other, text, line).annotation(
                            AnnotationKind::Context.span(span).label(non_empty(&label.message)),
                        ));
                    }
                }
            }
        }
        Some((_, None)) => {
            let at = sources.location(diag.span);
            group =
                group.element(Level::NOTE.message(format!("at {at} (too long a line to show)")));
        }
        None => {
            // No source to show: say where at least.
            group =
                group.element(Level::NOTE.message(format!("at {}", sources.location(diag.span))));
        }
    }
    // When the fix says the same as the help, the suggestion below says it already.
    if let Some(help) =
        diag.help.as_ref().filter(|h| diag.fix.as_ref().is_none_or(|f| &f.description != *h))
    {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let mut groups = vec![group];
    if let Some(fix) = &diag.fix {
        if let Some(g) = fix_group(sources, fix) {
            groups.push(g);
        }
    }
    groups
}

/// The fix as a rustc-style suggestion: the line before and after.
fn fix_group<'a>(sources: &'a SourceMap, fix: &'a Fix) -> Option<Group<'a>> {
    let file = sources.get(fix.span.file)?;
    let title = Level::HELP.secondary_title(fix.description.as_str());
    let (text, line, moved) = excerpt(file, &[fix.span])?;
    let span = moved.into_iter().next()?;
    Some(
        Group::with_title(title).element(
            snippet_of(file, text, line).patch(Patch::new(span, fix.replacement.as_str())),
        ),
    )
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}
