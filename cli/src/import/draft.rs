//! What every importer produces: policies to write ([`Draft`]), each statement
//! remembering where in the imported configuration it came from ([`At`]), and the
//! findings about the recipe ([`Note`]).
//!
//! [`render`] writes the policy text and a line map; [`lint`] runs the project's own
//! checks (`cors_dsl::load_str`, `compile`, `lint`) on that text and points each finding
//! back at the configuration line it came from. The importers decide what the recipe
//! means; this file only writes it down and asks the linter.

use cors_dsl::diag::Severity;
use std::fmt::Write as _;
use std::path::Path;

/// A place in the imported configuration: `nginx.conf:12` and that line's text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct At {
    /// `path:line`.
    pub place: String,
    /// The source line, trimmed (empty when unknown).
    pub text: String,
}

impl At {
    /// `(path, line)` for sorting notes in file order.
    pub fn sort_key(&self) -> (String, u64) {
        match self.place.rsplit_once(':') {
            Some((path, line)) => (path.to_string(), line.parse().unwrap_or(0)),
            None => (self.place.clone(), 0),
        }
    }
}

/// An origin as the recipe treats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftOrigin {
    /// `*` sent literally.
    Any,
    /// Every origin reflected (`$http_origin` sent back unchecked).
    ReflectAny,
    /// One exact serialised origin.
    Exact(String),
    /// A regex, already in whole-match form; `tight` is the anchored one the author
    /// probably meant (for `--fix`), when it differs.
    Regex {
        /// Whole-match form of what the recipe does.
        whole: String,
        /// What `--fix` writes instead.
        tight: Option<String>,
    },
    /// `scheme://*.suffix[:port]` (Gateway API host wildcards).
    Pattern(String),
}

/// One rule: origins and the rights they get.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DraftRule {
    /// The origins, each with its source.
    pub origins: Vec<(DraftOrigin, At)>,
    /// `methods`.
    pub methods: Vec<String>,
    /// `headers` (`*` when the recipe reflects what the preflight asks).
    pub headers: Vec<String>,
    /// `expose`.
    pub expose: Vec<String>,
    /// `credentials on`.
    pub credentials: bool,
    /// `max-age`, seconds.
    pub max_age: Option<u64>,
    /// `private-network on` (Private Network Access preflights answered).
    pub private_network: bool,
    /// Where the rights (the other headers) come from.
    pub at: At,
    /// Where `methods`, `headers` and `expose` come from, when apart from `at`.
    pub lists_at: [Option<At>; 3],
}

/// How preflights are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preflight {
    /// Answered in nginx, with this status.
    #[default]
    Answer,
    /// Answered with 200 instead of 204.
    Answer200,
}

/// One policy to write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    /// `policy NAME`.
    pub name: String,
    /// Comment lines written above it (where it came from).
    pub comment: Vec<String>,
    /// Its rules, first match wins.
    pub rules: Vec<DraftRule>,
    /// Preflight handling.
    pub preflight: Preflight,
}

/// How bad a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing.
    Info,
    /// The module will behave differently from the recipe (usually better).
    Differs,
    /// A hole: the recipe is unsafe or broken today.
    Hole,
    /// Not understood: check by hand.
    Unknown,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Info => "note",
            Level::Differs => "differs",
            Level::Hole => "hole",
            Level::Unknown => "not imported",
        }
    }
}

/// A finding about the imported configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// How bad.
    pub level: Level,
    /// Where in the imported configuration.
    pub at: At,
    /// What (lower-case, no period).
    pub message: String,
    /// What to do, or what the module does instead.
    pub help: Option<String>,
    /// A lint code when the note is a lint finding.
    pub code: Option<&'static str>,
}

impl Note {
    /// A note without help.
    pub fn new(level: Level, at: At, message: impl Into<String>) -> Self {
        Note { level, at, message: message.into(), help: None, code: None }
    }

    /// Adds help.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Whether to write what the recipe does or the tightened policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// What browsers experience today, holes included.
    Faithful,
    /// The holes closed where that can be done mechanically.
    Fix,
}

/// A written policy file: its text and, for each line (0-based), where it came from.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The text.
    pub text: String,
    /// Line → source.
    pub lines: Vec<Option<At>>,
}

impl Written {
    fn line(&mut self, text: &str, at: Option<&At>) {
        self.text.push_str(text);
        self.text.push('\n');
        self.lines.push(at.cloned());
    }
}

/// Writes the policies.
pub fn render(drafts: &[Draft], mode: Mode, header: &str) -> Written {
    let mut w = Written::default();
    for line in header.lines() {
        w.line(format!("# {line}").trim_end(), None);
    }
    for draft in drafts {
        w.line("", None);
        for c in &draft.comment {
            w.line(&format!("# {c}"), None);
        }
        w.line(&format!("policy {} {{", draft.name), None);
        let flat = draft.rules.len() == 1;
        for rule in &draft.rules {
            let indent = if flat { "    " } else { "        " };
            if !flat {
                w.line("    allow {", Some(&rule.at));
            }
            rule_lines(&mut w, rule, mode, indent);
            if !flat {
                w.line("    }", None);
            }
        }
        if draft.preflight == Preflight::Answer200 {
            w.line("    preflight-status 200;", None);
        }
        w.line("}", None);
    }
    w
}

fn rule_lines(w: &mut Written, rule: &DraftRule, mode: Mode, indent: &str) {
    // Origins `--fix` can only write as `*`: credentials must go with them.
    let any_in_fix = |o: &DraftOrigin| match o {
        DraftOrigin::ReflectAny => true,
        DraftOrigin::Regex { tight: Some(t), .. } => t == "*",
        _ => false,
    };
    let reflect_with_credentials =
        rule.credentials && rule.origins.iter().any(|(o, _)| any_in_fix(o));
    for (origin, at) in &rule.origins {
        // `null` can be sent by any page (sandboxed iframes): `--fix` drops it.
        if mode == Mode::Fix && *origin == DraftOrigin::Exact("null".into()) {
            continue;
        }
        let text = match (origin, mode) {
            (DraftOrigin::Any, _) => "*".to_string(),
            (DraftOrigin::ReflectAny, Mode::Faithful) if rule.credentials => "~ \".*\"".to_string(),
            (DraftOrigin::ReflectAny, _) => "*".to_string(),
            (DraftOrigin::Exact(o) | DraftOrigin::Pattern(o), _) => o.clone(),
            (DraftOrigin::Regex { tight: Some(t), .. }, Mode::Fix) if t == "*" => "*".to_string(),
            (DraftOrigin::Regex { tight: Some(t), .. }, Mode::Fix) => tight_origin(t),
            (DraftOrigin::Regex { whole, .. }, _) => format!("~ {}", quote(whole)),
        };
        w.line(&format!("{indent}origin {text};"), Some(at));
    }
    let list = |w: &mut Written, word: &str, items: &[String], at: &Option<At>| {
        if !items.is_empty() {
            w.line(
                &format!("{indent}{word} {};", items.join(" ")),
                Some(at.as_ref().unwrap_or(&rule.at)),
            );
        }
    };
    list(w, "methods", &rule.methods, &rule.lists_at[0]);
    list(w, "headers", &rule.headers, &rule.lists_at[1]);
    list(w, "expose", &rule.expose, &rule.lists_at[2]);
    let credentials = rule.credentials && !(mode == Mode::Fix && reflect_with_credentials);
    if credentials {
        w.line(&format!("{indent}credentials on;"), Some(&rule.at));
    }
    if rule.private_network {
        w.line(&format!("{indent}private-network on;"), Some(&rule.at));
    }
    if let Some(s) = rule.max_age {
        w.line(&format!("{indent}max-age {s};"), Some(&rule.at));
    }
}

/// A tightened regex that is one literal origin becomes that origin.
fn tight_origin(regex: &str) -> String {
    let (flag, regex) = match regex.strip_prefix("(?i)") {
        Some(r) => ("(?i)", r),
        None => ("", regex),
    };
    let unescaped = regex.replace("\\.", ".").replace("\\/", "/").replace("\\-", "-");
    let literal =
        !unescaped.contains(['\\', '(', ')', '[', ']', '|', '?', '*', '+', '{', '}', '^', '$']);
    if literal && cors_dsl::origin::parse_origin(&unescaped).is_ok() {
        return unescaped.to_ascii_lowercase();
    }
    format!("~ {}", quote(&format!("{flag}{regex}")))
}

/// A policy-language string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The linter's verdict on a written policy, each finding turned into a [`Note`] at
/// the configuration line it came from. `loads` is false when the policy would be
/// refused (a language or compile error, or a lint error).
pub fn lint(written: &Written, name: &Path) -> (Vec<Note>, bool) {
    let loaded = cors_dsl::load_str(name, &written.text);
    let mut diags = loaded.diagnostics.clone();
    if let Some(set) = loaded.set.as_ref() {
        match cors_dsl::compile(set, &loaded.sources) {
            Err(errors) => diags.extend(errors),
            Ok(_) => diags.extend(cors_dsl::lint::lint(set, &loaded.sources)),
        }
    }
    let loads = !diags.iter().any(|d| d.severity == Severity::Error);
    let notes = diags
        .iter()
        .map(|d| {
            let line = d.span.line.saturating_sub(1) as usize;
            let at = written.lines.get(line).cloned().flatten().unwrap_or_else(|| At {
                place: format!("{}:{}", name.display(), d.span.line),
                text: written.text.lines().nth(line).unwrap_or("").trim().to_string(),
            });
            let level = match d.severity {
                Severity::Error | Severity::Warning => Level::Hole,
                _ => Level::Info,
            };
            let mut message = format!("{}: {}", d.severity_word(), d.message);
            if !d.label.is_empty() {
                let _ = write!(message, " ({})", d.label);
            }
            Note { level, at, message, help: d.help.clone(), code: Some(d.code.code) }
        })
        .collect();
    (notes, loads)
}

trait SeverityWord {
    fn severity_word(&self) -> &'static str;
}

impl SeverityWord for cors_dsl::Diagnostic {
    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            _ => "info",
        }
    }
}

/// Applies the linter's mechanical fixes (remove a safelisted method, a duplicate, …)
/// to a written policy, last first so earlier offsets stay valid. Fixes only edit
/// within a line, so the line map still holds.
pub fn apply_lint_fixes(mut written: Written, name: &Path) -> Written {
    // One fix at a time, linting again after each: fixes of neighbouring list entries
    // share the blank between them. Bounded: each fix removes or rewrites a token.
    for _ in 0..256 {
        let loaded = cors_dsl::load_str(name, &written.text);
        let Some(set) = loaded.set.as_ref() else { break };
        let fix = cors_dsl::lint::lint(set, &loaded.sources)
            .into_iter()
            .filter_map(|d| d.fix)
            .find(|f| !f.replacement.contains('\n'));
        let Some(f) = fix else { break };
        let (start, end) = (f.span.start as usize, f.span.end as usize);
        match written.text.get(start..end) {
            Some(slice) if !slice.contains('\n') => {
                written.text.replace_range(start..end, &f.replacement)
            }
            _ => break,
        }
    }
    // A list left empty (`methods ;`) is removed with its line.
    let mut text = String::new();
    let mut lines = Vec::new();
    for (line, at) in written.text.lines().zip(written.lines.iter()) {
        let t = line.trim();
        if t.ends_with(';') && !t.contains(' ') && !t.starts_with('#') {
            continue;
        }
        text.push_str(line);
        text.push('\n');
        lines.push(at.clone());
    }
    Written { text, lines }
}

/// Notes as text for people: `place: level[CODE]: message`, the source line, the help.
pub fn report(notes: &[Note]) -> String {
    let mut out = String::new();
    for n in notes {
        let code = n.code.map(|c| format!("[{c}]")).unwrap_or_default();
        let _ = writeln!(out, "{}: {}{code}: {}", n.at.place, n.level.word(), n.message);
        if !n.at.text.is_empty() {
            let _ = writeln!(out, "    | {}", n.at.text);
        }
        if let Some(h) = &n.help {
            let _ = writeln!(out, "    = help: {h}");
        }
    }
    out
}
