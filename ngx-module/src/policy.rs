//! Policy files as nginx loads them: open a source or a `.corsb`, check its policy names
//! against the files loaded before it, resolve `cors NAME`, and word every message the
//! way nginx prints its own (`policy.cors:3:12: CORS001 …`, values in double quotes).
//!
//! Ordinary safe Rust over `cors_dsl` (and `ffi::map_file`, which maps a file), with no
//! nginx types: `conf.rs` calls it from the directive handlers and logs what it
//! returns against the nginx.conf line, after the directive and the path
//! (`cors_policy_file "PATH": MESSAGE`).

use std::path::Path;

use crate::ffi::{map_file, MapError};

use cors_dsl::diagnostics::more_line;
use cors_dsl::{
    Diagnostic, OpenError, Opened, PolicyId, RuleTable, Severity, SourceLimit, SourceMap,
    MAX_DIAGNOSTICS,
};

/// One loaded policy file.
pub struct PolicyFile {
    /// The resolved path, for messages.
    pub path: String,
    /// The compiled policies.
    pub table: RuleTable,
}

/// One line to log at configuration time: `[warn]` or `[emerg]`.
pub struct Message {
    /// `[warn]` rather than `[emerg]`.
    pub warn: bool,
    /// The text, after `cors_policy_file "PATH": `.
    pub text: String,
}

impl Message {
    /// What to log when loading failed on a bug (a caught panic) rather than on the file.
    pub fn internal_error() -> Message {
        Message { warn: false, text: "internal error".into() }
    }
}

/// Loads the policy file at `path` (a compiled `.corsb` table or a policy source), which
/// must not redefine a policy of the `earlier` files; policy source (each file of it)
/// may be at most `limit` (`cors_policy_max_size`). Returns its table if it is usable,
/// and what to log.
pub fn load(
    path: &str,
    earlier: &[PolicyFile],
    limit: SourceLimit,
) -> (Option<RuleTable>, Vec<Message>) {
    let (table, mut messages) = open(path, limit);
    let Some(table) = table else { return (None, messages) };
    if let Some(text) = duplicate_policy(earlier, &table) {
        messages.push(Message { warn: false, text });
        return (None, messages);
    }
    if table.policy_names().next().is_none() {
        messages.push(Message { warn: true, text: "defines no policies".into() });
    }
    (Some(table), messages)
}

/// Whether a `cors_policy_file` argument is a glob: the test nginx's `include` makes
/// (`strpbrk(name, "*?[")`).
pub fn is_glob(path: &[u8]) -> bool {
    path.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// Finds the policy `name` in the loaded files: the index of its file and its id there.
/// When there is none, the message names the nearest loaded policy or lists them, or
/// says why none is loaded (`unmatched`: the `cors_policy_file` globs that matched no
/// file).
pub fn resolve(
    files: &[PolicyFile],
    unmatched: &[String],
    name: &[u8],
) -> Result<(u32, PolicyId), String> {
    let text = String::from_utf8_lossy(name);
    for (i, f) in files.iter().enumerate() {
        if let Some(id) = f.table.policy_id(&text) {
            let file = u32::try_from(i).map_err(|_| "too many policy files".to_string())?;
            return Ok((file, id));
        }
    }
    let names: Vec<&str> = files.iter().flat_map(|f| f.table.policy_names()).collect();
    let why = if let Some(near) = nearest(&text, &names) {
        format!("did you mean \"{near}\"?")
    } else if !names.is_empty() {
        format!("loaded: {}", quoted_list(&names, 10))
    } else if let Some(glob) = unmatched.first() {
        format!("cors_policy_file \"{glob}\" matched no files")
    } else if files.is_empty() {
        "no cors_policy_file before this line; it must come first in the http block".into()
    } else {
        "the policy files loaded before this line define no policies".into()
    };
    Err(format!("unknown cors policy \"{text}\" ({why})"))
}

/// The loaded name `name` was most likely meant to be: one that differs only in case,
/// else the closest within a small edit distance (a third of its length, at least 1; the
/// same bound as the policy language's "did you mean"), the first loaded on a tie.
fn nearest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    if let Some(n) = names.iter().find(|n| n.to_lowercase() == lower) {
        return Some(n);
    }
    let max = (name.chars().count() / 3).max(1);
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(name, n), *n))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// `"a", "b", "c"`, or `"a", "b" and 3 more` past `max` names.
fn quoted_list(names: &[&str], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| format!("\"{n}\"")).collect();
    match names.len().saturating_sub(max) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// A policy name of `new` already defined by an earlier file.
fn duplicate_policy(earlier: &[PolicyFile], new: &RuleTable) -> Option<String> {
    new.policy_names().find_map(|name| {
        let first = earlier.iter().find(|f| f.table.policy_id(name).is_some())?;
        Some(format!("policy \"{name}\" is already defined in \"{}\"", first.path))
    })
}

/// Opens a `.corsb` table or compiles a policy source (`cors_dsl::open_owned`); returns
/// the table (if usable) and what to log.
///
/// The file is mapped read-only (`ffi::map_file`), not read: a `.corsb` table keeps
/// the mapping and looks its exact origins up in place, so loading a million origins
/// is a scan of the mapped pages, and the workers share them with the master.
fn open(path: &str, limit: SourceLimit) -> (Option<RuleTable>, Vec<Message>) {
    let opened = match map_file(path) {
        Ok(contents) => cors_dsl::open_owned(Path::new(path), contents, limit),
        Err(MapError::NotAFile) => Err(OpenError::NotAFile),
        Err(MapError::Io(e)) => Err(OpenError::Io(e)),
    };
    let built = match opened {
        Ok(Opened::Table(t)) => return (Some(t), Vec::new()),
        Ok(Opened::Source(built)) => built,
        Err(e) => {
            let text = match e {
                OpenError::Io(e) => format!("cannot read: {e}"),
                e => e.to_string(),
            };
            return (None, vec![Message { warn: false, text }]);
        }
    };
    // One severity scale (`cors_dsl::build`): any error refuses the file, as it does
    // for `corsc check` and `corsc compile`; warnings show as `[warn]`. Infos are advice
    // for `corsc lint` and would only be noise in nginx's log.
    let (table, loaded) = match built {
        Ok((table, loaded)) => (Some(table), loaded),
        Err(loaded) => (None, loaded),
    };
    // Capped as corsc caps them (`cors_dsl::MAX_DIAGNOSTICS`), then one line for the
    // rest: a file of a million mistakes makes a short log, not a million lines.
    let shown = |d: &&Diagnostic| d.severity != Severity::Info;
    let mut msgs: Vec<Message> = loaded
        .diagnostics
        .iter()
        .filter(shown)
        .take(MAX_DIAGNOSTICS)
        .map(|d| Message { warn: !d.is_error(), text: render(d, &loaded.sources) })
        .collect();
    let hidden = loaded.diagnostics.iter().filter(shown).skip(MAX_DIAGNOSTICS);
    let (mut errors, mut warnings) = (loaded.omitted.errors, loaded.omitted.warnings);
    for d in hidden {
        if d.is_error() {
            errors += 1;
        } else {
            warnings += 1;
        }
    }
    if errors + warnings > 0 {
        msgs.push(Message { warn: errors == 0, text: more_line(errors + warnings) });
    }
    if table.is_none() && !msgs.iter().any(|m| !m.warn) {
        msgs.push(Message { warn: false, text: "policy could not be loaded".into() });
    }
    (table, msgs)
}

/// A diagnostic in nginx's wording: `file:line:col: CODE message (hint: …)`, values in
/// double quotes as nginx prints them.
fn render(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut s = format!("{}: {} {}", sources.location(d.span), d.code, d.message);
    if let Some(help) = &d.help {
        s.push_str(&format!(" (hint: {help})"));
    }
    s.replace('`', "\"")
}
