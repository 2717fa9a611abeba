//! `corsc diff OLD NEW`: what a change to a policy file grants and takes away, per
//! policy, in meaning rather than text.
//!
//! The comparison is [`cors_dsl::diff`]; this module reads the two sides
//! ([`version`]: a file or `REV:PATH`), words each change ([`text`]) and prints the
//! report as text, Markdown (a pull-request comment) or JSON.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the command: read both sides, compare, print, exit code |
//! | `version.rs` | one side: a file on disk or a file in a git revision (with its includes) |
//! | `text.rs` | one sentence per change |

mod text;
mod version;

use super::{paint, write_block, CliError, Outcome, Report, Term};
use crate::args::{DiffArgs, DiffFormat, FailOn, OutputFormat};
use cors_dsl::diff::{self, Diff, Effect, PolicyDiff, PolicyStatus, Version};
use cors_dsl::Loaded;
use version::Origin;

/// Compares two versions; exit 1 when `--fail-on` finds its kind of change, 2 when a
/// side cannot be read or does not load.
pub fn run(args: &DiffArgs, term: &mut Term<'_>) -> Result<Outcome, CliError> {
    let sides = [Origin::parse(&args.old), Origin::parse(&args.new)];
    let mut loaded: Vec<(Origin, Loaded)> = Vec::new();
    let mut failed = false;
    for side in sides {
        match version::load(&side) {
            Ok(l) if l.set.is_some() => loaded.push((side, l)),
            Ok(l) => {
                let mut report = Report::default();
                report.add(&l.sources, l.diagnostics);
                write_block(term.err, &report.render(OutputFormat::Human, term.color_err))?;
                writeln!(term.err, "error: `{}` has errors; cannot compare it", side.label())?;
                failed = true;
            }
            Err(version::Unreadable(why)) => {
                writeln!(term.err, "error: {why}")?;
                failed = true;
            }
        }
    }
    let [(old_origin, old), (new_origin, new)] = match <[_; 2]>::try_from(loaded) {
        Ok(both) if !failed => both,
        _ => return Ok(Outcome::InputFailed),
    };
    let (Some(old_set), Some(new_set)) = (&old.set, &new.set) else {
        return Ok(Outcome::InputFailed);
    };
    let result = diff::diff(
        Version { set: old_set, sources: &old.sources },
        Version { set: new_set, sources: &new.sources },
    );
    let labels = (old_origin.label(), new_origin.label());
    let report = match args.format {
        DiffFormat::Human => human(&result, &labels, term.color_out),
        DiffFormat::Markdown => markdown(&result, &labels),
        DiffFormat::Json => json(&result, &labels),
    };
    write_block(term.out, &report)?;
    let fails = match args.fail_on {
        None => false,
        // Unknown could be a widening: a review is what `--fail-on widen` asks for.
        Some(FailOn::Widen) => result.count(Effect::Widen) + result.count(Effect::Unknown) > 0,
        Some(FailOn::Any) => !result.is_empty(),
    };
    Ok(Outcome::from_failed(fails))
}

fn status(p: &PolicyDiff) -> String {
    match p.status {
        PolicyStatus::Added => "added".into(),
        PolicyStatus::Removed => {
            format!("removed (a configuration with `cors {};` no longer loads)", p.name)
        }
        PolicyStatus::Changed => "changed".into(),
    }
}

fn marker(e: Effect) -> &'static str {
    match e {
        Effect::Widen => "+",
        Effect::Narrow => "-",
        Effect::Unknown => "?",
        Effect::Neutral => "~",
    }
}

/// `2 widen, 1 narrow` (only the kinds present).
fn summary(d: &Diff) -> String {
    let parts: Vec<String> = [Effect::Widen, Effect::Narrow, Effect::Unknown, Effect::Neutral]
        .into_iter()
        .filter_map(|e| {
            let n = d.count(e);
            (n > 0).then(|| format!("{n} {}", e.as_str()))
        })
        .collect();
    let policies = d.policies.len();
    let s = if policies == 1 { "" } else { "s" };
    format!(
        "{policies} polic{} changed: {}",
        if s.is_empty() { "y" } else { "ies" },
        parts.join(", ")
    )
}

fn human(d: &Diff, (old, new): &(String, String), color: bool) -> String {
    let mut out = String::new();
    if d.is_empty() {
        out.push_str(&format!("no change for browsers from `{old}` to `{new}`\n"));
        return out;
    }
    for p in &d.policies {
        let name = paint(color, "1", &format!("policy `{}`", p.name));
        out.push_str(&format!("{name}: {}\n", status(p)));
        for c in &p.changes {
            let style = match c.effect {
                Effect::Widen => "1;31",
                Effect::Narrow => "33",
                Effect::Unknown => "35",
                Effect::Neutral => "2",
            };
            let mark = paint(color, style, &format!("{} {}", marker(c.effect), c.effect.as_str()));
            out.push_str(&format!("  {mark:<w$}  {}\n", text::sentence(c), w = 9));
        }
    }
    out.push_str(&format!("\n{}\n", summary(d)));
    out
}

fn markdown(d: &Diff, (old, new): &(String, String)) -> String {
    let mut out = format!("### CORS changes: `{old}` → `{new}`\n\n");
    if d.is_empty() {
        out.push_str("No change for browsers.\n");
        return out;
    }
    out.push_str(&format!("{}\n", summary(d)));
    for p in &d.policies {
        let heading = match p.status {
            PolicyStatus::Added => "added",
            PolicyStatus::Removed => "removed",
            PolicyStatus::Changed => "changed",
        };
        out.push_str(&format!("\n#### `{}` ({heading})\n\n", p.name));
        if p.status == PolicyStatus::Removed {
            out.push_str(&format!("A configuration with `cors {};` no longer loads.\n\n", p.name));
        }
        if p.changes.is_empty() {
            out.push_str("No origin is allowed.\n");
        }
        for c in &p.changes {
            let effect = match c.effect {
                Effect::Widen => "**widens**",
                Effect::Narrow => "**narrows**",
                Effect::Unknown => "**unknown**",
                Effect::Neutral => "neutral",
            };
            out.push_str(&format!("- {effect}: {}\n", text::sentence(c)));
        }
    }
    out
}

fn json(d: &Diff, (old, new): &(String, String)) -> String {
    let policies: Vec<serde_json::Value> = d
        .policies
        .iter()
        .map(|p| {
            let changes: Vec<serde_json::Value> = p
                .changes
                .iter()
                .map(|c| {
                    let mut v = serde_json::to_value(c).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("text".into(), text::sentence(c).into());
                    }
                    v
                })
                .collect();
            serde_json::json!({ "name": p.name, "status": p.status, "changes": changes })
        })
        .collect();
    let count = |e| d.count(e);
    let doc = serde_json::json!({
        "old": old,
        "new": new,
        "policies": policies,
        "summary": {
            "widen": count(Effect::Widen),
            "narrow": count(Effect::Narrow),
            "unknown": count(Effect::Unknown),
            "neutral": count(Effect::Neutral),
        },
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
