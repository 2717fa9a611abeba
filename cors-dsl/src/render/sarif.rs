//! SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.
//!
//! Built from the typed `serde-sarif` structures (generated from the official SARIF
//! 2.1.0 schema), so the shape is right by construction. `tool.driver.rules[]` comes
//! from the code registry, so every `ruleId` in `results` has its documentation, and
//! each rule's `helpUri` points at its entry in `docs/rules.md`. Relative paths are
//! written as relative URIs against the `%SRCROOT%` base (`uriBaseId`), which
//! `originalUriBaseIds` resolves when the directory is known; inputs that could not be
//! linted are `toolExecutionNotifications` of the run's invocation, and so is the count of
//! findings not listed (beyond the first of a severity in a file), as a `note`.

use super::{end_position, omitted_text, Failure, Summary};
use crate::codes::Code;
use crate::lint::registry;
use crate::{Diagnostic, Severity, SourceMap, Span};
use serde_sarif::sarif;
use std::path::Path;

/// The base relative artifact URIs are resolved against (SARIF's conventional name).
const SRCROOT: &str = "%SRCROOT%";

/// Where the rules are documented: `docs/rules.md` of the repository.
const RULES_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

/// Where SARIF readers find the schema.
const SCHEMA_URL: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders `diags` as a SARIF 2.1.0 log with one run, pretty-printed.
pub fn render(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    render_run(sources, diags, &[], Summary::default(), None)
}

/// [`render`], recording the inputs that could not be linted as notifications of a
/// failed invocation, and resolving relative paths against `base` (the directory they
/// are relative to, usually the working directory) when given. Findings counted but
/// not kept (`omitted`) are one `note` notification, which leaves the invocation
/// successful.
pub fn render_run(
    sources: &SourceMap,
    diags: &[Diagnostic],
    failures: &[Failure],
    omitted: Summary,
    base: Option<&Path>,
) -> String {
    let codes: Vec<&Code> = registry::all().collect();
    let driver = sarif::ToolComponent::builder()
        .name("corsc")
        .full_name("corsc (ngx-cors policy linter)")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(codes.iter().map(|c| descriptor(c)).collect::<Vec<_>>())
        .build();
    let results: Vec<sarif::Result> = diags
        .iter()
        .map(|d| {
            let related: Vec<sarif::Location> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(sources, l.span, Some(&l.message));
                    loc.id = Some(i as i64);
                    loc
                })
                .collect();
            let mut result = sarif::Result::builder()
                .rule_id(d.code.as_str())
                .level(level(d.severity))
                .message(sarif::Message::builder().text(message_text(d)).build())
                .locations(vec![location(sources, d.span, None)])
                .build();
            result.rule_index = codes.iter().position(|c| *c == d.code).map(|i| i as i64);
            result.related_locations = (!related.is_empty()).then_some(related);
            result.fixes = d.fix.as_ref().map(|f| {
                let replacement = sarif::Replacement::builder()
                    .deleted_region(region(sources, f.span))
                    .inserted_content(
                        sarif::ArtifactContent::builder().text(f.replacement.clone()).build(),
                    )
                    .build();
                let change = sarif::ArtifactChange::builder()
                    .artifact_location(artifact(sources, f.span))
                    .replacements(vec![replacement])
                    .build();
                vec![sarif::Fix::builder()
                    .description(sarif::Message::builder().text(f.description.clone()).build())
                    .artifact_changes(vec![change])
                    .build()]
            });
            result
        })
        .collect();
    let notifications: Vec<sarif::Notification> = failures
        .iter()
        .map(|f| {
            let physical =
                sarif::PhysicalLocation::builder().artifact_location(artifact_at(&f.path)).build();
            sarif::Notification::builder()
                .level(serde_json::json!("error"))
                .message(sarif::Message::builder().text(f.message.clone()).build())
                .locations(vec![sarif::Location::builder().physical_location(physical).build()])
                .build()
        })
        .collect();
    let successful = notifications.is_empty();
    let notifications: Vec<sarif::Notification> = notifications
        .into_iter()
        .chain((omitted.total() > 0).then(|| {
            sarif::Notification::builder()
                .level(serde_json::json!("note"))
                .message(sarif::Message::builder().text(omitted_text(omitted)).build())
                .build()
        }))
        .collect();
    let mut invocation = sarif::Invocation::builder().execution_successful(successful).build();
    invocation.tool_execution_notifications = (!notifications.is_empty()).then_some(notifications);
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    run.original_uri_base_ids = base.map(|dir| {
        let mut uri = file_uri(dir);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        std::iter::once((SRCROOT.to_string(), sarif::ArtifactLocation::builder().uri(uri).build()))
            .collect()
    });
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|_| r#"{"version":"2.1.0","runs":[]}"#.to_string());
    out.push('\n');
    out
}

/// SARIF has no "info"; `note` is its equivalent.
fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

fn message_text(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

fn descriptor(m: &Code) -> sarif::ReportingDescriptor {
    let text = |t: &str| sarif::MultiformatMessageString::builder().text(t).build();
    let markdown = |t: &str| sarif::MultiformatMessageString::builder().text(t).markdown(t).build();
    sarif::ReportingDescriptor::builder()
        .id(m.code)
        .name(m.name)
        .short_description(text(m.summary))
        .full_description(text(m.summary))
        .help(markdown(m.docs))
        .help_uri(format!("{RULES_DOC}#{}", m.doc_anchor()))
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::to_value(level(m.severity)).unwrap_or_default())
                .build(),
        )
        .build()
}

/// The file as a relative URI reference: SARIF wants `/` separators and
/// percent-encoding of characters that are not allowed in a URI.
fn artifact(sources: &SourceMap, span: Span) -> sarif::ArtifactLocation {
    artifact_at(&sources.path(span.file).to_string_lossy())
}

/// A relative path as a relative URI against `%SRCROOT%`; an absolute one as a
/// `file://` URI.
fn artifact_at(path: &str) -> sarif::ArtifactLocation {
    if Path::new(path).is_absolute() {
        return sarif::ArtifactLocation::builder().uri(file_uri(Path::new(path))).build();
    }
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    sarif::ArtifactLocation::builder().uri(uri_encode(path)).uri_base_id(SRCROOT).build()
}

/// `file:///abs/path`, percent-encoded.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') { text } else { format!("/{text}") };
    format!("file://{}", uri_encode(&text))
}

fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(sources: &SourceMap, span: Span) -> sarif::Region {
    let (end_line, end_col) = end_position(sources, span);
    sarif::Region::builder()
        .start_line(i64::from(span.line))
        .start_column(i64::from(span.col))
        .end_line(i64::from(end_line))
        .end_column(i64::from(end_col))
        .build()
}

fn location(sources: &SourceMap, span: Span, message: Option<&str>) -> sarif::Location {
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact(sources, span))
        .region(region(sources, span))
        .build();
    let mut loc = sarif::Location::builder().physical_location(physical).build();
    loc.message = message.map(|m| sarif::Message::builder().text(m).build());
    loc
}
