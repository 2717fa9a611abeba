//! A small interpreter of the parts of nginx that make up CORS recipes: for one
//! concrete request at one location, which status and which headers does nginx send?
//!
//! It runs the rewrite module's script the way nginx does (server level, then
//! location level; `set`, `if`, `return`, `break`; the configuration of the last `if`
//! that matched becomes the request's), evaluates variables (`$http_*`,
//! `$request_method`, `map` results, chained maps, `set` values), and applies
//! `add_header` (only on 200, 201, 204, 206, 301, 302, 303, 304, 307, 308 unless
//! `always`; a level with any `add_header` drops the inherited ones) and headers-more's
//! `more_set_headers` (every status unless `-s`). Regexes are nginx's PCRE ones
//! compiled with Rust's `regex` (the same syntax for what recipes use; one that does
//! not compile is reported by the recipe analysis, here it never matches).
//!
//! Probing the recipe with concrete requests, instead of pattern-matching its text,
//! is what lets flag patterns, chained maps and `if` blocks all work the same way.

use super::conf::{Directive, Loc};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;

/// Statuses `add_header` applies to without `always` (ngx_http_headers_filter).
pub const ADD_HEADER_STATUSES: [u16; 10] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

/// One request sent to the recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `Origin`, when sent.
    pub origin: Option<String>,
    /// The method.
    pub method: String,
    /// `Access-Control-Request-Method`.
    pub request_method: Option<String>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: Option<String>,
    /// What the upstream (or static content) answers when nginx does not `return`.
    pub upstream_status: u16,
}

/// A header nginx sends, and the directive that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// As written in the directive.
    pub name: String,
    /// Variables expanded.
    pub value: String,
    /// The `add_header` / `more_set_headers`.
    pub loc: Loc,
}

/// What nginx answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// `Some(loc)` when a `return` answered (the request never reached the upstream).
    pub returned: Option<Loc>,
    /// Headers added by the configuration, in order.
    pub headers: Vec<Sent>,
}

impl Answer {
    /// Every value sent for `name` (case-insensitive).
    pub fn all(&self, name: &str) -> Vec<&Sent> {
        self.headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)).collect()
    }

    /// The first value sent for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).first().map(|h| h.value.as_str())
    }
}

/// A `map` block.
#[derive(Debug, Clone)]
pub struct Map {
    /// The source expression (`$http_origin`).
    pub source: String,
    /// Exact keys (tried first, like nginx's hash).
    pub exact: Vec<(String, String, Loc)>,
    /// `~` / `~*` keys, in order: (regex text, case-insensitive, value, loc).
    pub regexes: Vec<(String, bool, String, Loc)>,
    /// `default`, `""` when absent.
    pub default: String,
}

impl Map {
    /// Reads a `map $src $dst { … }` directive.
    pub fn read(d: &Directive) -> Option<(String, Map)> {
        let dst = d.arg(1).strip_prefix('$')?.to_string();
        let mut map = Map {
            source: d.arg(0).to_string(),
            exact: vec![],
            regexes: vec![],
            default: String::new(),
        };
        for e in d.block.as_deref().unwrap_or(&[]) {
            let value = e.arg(0).to_string();
            let key_quoted = false;
            match e.name.as_str() {
                "default" => map.default = value,
                "hostnames" | "volatile" => {}
                k if k.starts_with("~*") && !key_quoted => {
                    map.regexes.push((k[2..].to_string(), true, value, e.loc))
                }
                k if k.starts_with('~') => {
                    map.regexes.push((k[1..].to_string(), false, value, e.loc))
                }
                k => map.exact.push((k.strip_prefix('\\').unwrap_or(k).to_string(), value, e.loc)),
            }
        }
        Some((dst, map))
    }
}

/// The configuration levels a request passes through: http, server, then nested
/// locations, outermost first.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a> {
    /// The blocks, outermost first (http's body, server's, each location's).
    pub levels: &'a [&'a [Directive]],
}

/// Evaluates requests against one location.
pub struct Evaluator<'a> {
    maps: &'a HashMap<String, Map>,
    regexes: HashMap<(String, bool), Option<Regex>>,
    /// Variables met that this interpreter does not know (evaluated as empty).
    pub unknown_vars: std::collections::BTreeSet<String>,
    /// Variables some `set` assigns (empty until assigned, like nginx's).
    pub declared: std::collections::HashSet<String>,
    /// `if` conditions it cannot evaluate (taken as false), and regexes that do not
    /// compile here (never matching).
    pub unknown: Vec<(Loc, String)>,
    /// The captures of the request's last regex match (`1`, `sub`, …).
    captured: HashMap<String, String>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator that knows the `http` level's maps.
    pub fn new(maps: &'a HashMap<String, Map>) -> Self {
        Evaluator {
            maps,
            regexes: HashMap::new(),
            unknown_vars: Default::default(),
            declared: Default::default(),
            unknown: Vec::new(),
            captured: HashMap::new(),
        }
    }

    /// Whether `text` matches nginx regex `re` (`None`: it does not compile here). A
    /// match sets the regex's captures, as nginx does: `$1`…`$9` and named groups
    /// (`(?<sub>…)` becomes `$sub`), readable until the next match in the request.
    pub fn matches(&mut self, re: &str, ci: bool, text: &str) -> Option<bool> {
        let compiled = self.regexes.entry((re.to_string(), ci)).or_insert_with(|| {
            RegexBuilder::new(re).case_insensitive(ci).size_limit(1 << 20).build().ok()
        });
        let compiled = compiled.as_ref()?;
        let Some(caps) = compiled.captures(text) else { return Some(false) };
        for (i, name) in compiled.capture_names().enumerate().skip(1) {
            let value = caps.get(i).map_or("", |m| m.as_str()).to_string();
            if let Some(n) = name {
                self.captured.insert(n.to_string(), value.clone());
            }
            self.captured.insert(i.to_string(), value);
        }
        Some(true)
    }

    /// Declares the named groups of regex `re` (`(?<sub>…)`): `$sub` is a variable
    /// (empty until a match sets it), not an unknown one.
    pub fn declare_captures(&mut self, re: &str) {
        if let Ok(r) = Regex::new(re) {
            self.declared.extend(r.capture_names().flatten().map(str::to_string));
        }
    }

    /// nginx's answer to `probe` at the location `chain` leads to.
    pub fn answer(&mut self, chain: Chain<'_>, probe: &Probe) -> Answer {
        let mut vars: HashMap<String, String> = HashMap::new();
        self.captured.clear();
        // The configuration that applies: index of the level, and the `if` block
        // that matched last (its own add_header list, inheriting from the level).
        let mut conf_if: Option<&[Directive]> = None;
        let mut conf_if_parent = 0;
        let mut returned = None;
        let mut status = probe.upstream_status;
        // The rewrite phase runs the server's script, then the location's (the
        // innermost one: nginx finds one location; nested ones do not run their
        // parents' rewrite directives).
        let script_levels: Vec<usize> = match chain.levels.len() {
            0 | 1 => vec![],
            2 => vec![1],
            n => vec![1, n - 1],
        };
        'phases: for &level in &script_levels {
            for d in chain.levels[level] {
                match self.step(d, probe, &mut vars) {
                    Step::Next => {}
                    Step::Break => break,
                    Step::Return(code, loc) => {
                        status = code;
                        returned = Some(loc);
                        break 'phases;
                    }
                    Step::Entered(block) => {
                        conf_if = Some(block);
                        conf_if_parent = level;
                        let mut stop = false;
                        for inner in block {
                            match self.step(inner, probe, &mut vars) {
                                Step::Next | Step::Entered(_) => {}
                                Step::Break => {
                                    stop = true;
                                    break;
                                }
                                Step::Return(code, loc) => {
                                    status = code;
                                    returned = Some(loc);
                                    break 'phases;
                                }
                            }
                        }
                        if stop {
                            break;
                        }
                    }
                }
            }
        }
        // The header filter: the applying configuration's add_header list.
        let mut levels: Vec<&[Directive]> = chain.levels.to_vec();
        if let Some(block) = conf_if {
            levels.truncate(conf_if_parent + 1);
            levels.push(block);
        }
        let mut headers = Vec::new();
        let own = |l: &&[Directive], name: &str| l.iter().any(|d| d.name == name);
        if let Some(level) = levels.iter().rev().find(|l| own(l, "add_header")) {
            for d in level.iter().filter(|d| d.name == "add_header") {
                let always = d.arg(2) == "always";
                if always || ADD_HEADER_STATUSES.contains(&status) {
                    let value = self.expand(d.arg(1), probe, &vars);
                    if !value.is_empty() {
                        headers.push(Sent { name: d.arg(0).to_string(), value, loc: d.loc });
                    }
                }
            }
        }
        if let Some(level) = levels.iter().rev().find(|l| own(l, "more_set_headers")) {
            for d in level.iter().filter(|d| d.name == "more_set_headers") {
                self.more_set_headers(d, status, probe, &vars, &mut headers);
            }
        }
        Answer { status, returned, headers }
    }

    fn more_set_headers(
        &mut self,
        d: &Directive,
        status: u16,
        probe: &Probe,
        vars: &HashMap<String, String>,
        out: &mut Vec<Sent>,
    ) {
        let mut statuses: Vec<u16> = Vec::new();
        let mut specs = Vec::new();
        let mut args = d.args.iter();
        while let Some(a) = args.next() {
            match a.text.as_str() {
                "-s" => {
                    let list = args.next().map_or("", |a| a.text.as_str());
                    statuses.extend(list.split_whitespace().filter_map(|s| s.parse::<u16>().ok()));
                }
                "-t" => {
                    args.next();
                }
                spec => specs.push(spec.to_string()),
            }
        }
        if !statuses.is_empty() && !statuses.contains(&status) {
            return;
        }
        for spec in specs {
            let Some((name, value)) = spec.split_once(':') else { continue };
            let value = self.expand(value.trim(), probe, vars);
            if !value.is_empty() {
                out.push(Sent { name: name.trim().to_string(), value, loc: d.loc });
            }
        }
    }

    fn step<'d>(
        &mut self,
        d: &'d Directive,
        probe: &Probe,
        vars: &mut HashMap<String, String>,
    ) -> Step<'d> {
        match d.name.as_str() {
            "set" => {
                if let Some(name) = d.arg(0).strip_prefix('$') {
                    let value = self.expand(d.arg(1), probe, vars);
                    vars.insert(name.to_string(), value);
                }
                Step::Next
            }
            "return" => {
                let code = d.arg(0).parse::<u16>().unwrap_or(302);
                Step::Return(code, d.loc)
            }
            "break" => Step::Break,
            "if" => match (self.condition(d, probe, vars), d.block.as_deref()) {
                (Some(true), Some(block)) => Step::Entered(block),
                (None, _) => {
                    let what = format!("if ({})", if_condition(d).join(" "));
                    if !self.unknown.iter().any(|(l, _)| *l == d.loc) {
                        self.unknown.push((d.loc, format!("`{what}` is not a condition the import can evaluate; taken as false")));
                    }
                    Step::Next
                }
                _ => Step::Next,
            },
            _ => Step::Next,
        }
    }

    /// An `if (…)` condition; `None` when it is not one this interpreter knows
    /// (file tests), which the analysis reports.
    pub fn condition(
        &mut self,
        d: &Directive,
        probe: &Probe,
        vars: &HashMap<String, String>,
    ) -> Option<bool> {
        let cond = if_condition(d);
        match cond.as_slice() {
            [v] => {
                let value = self.expand(v, probe, vars);
                Some(!value.is_empty() && value != "0")
            }
            [v, op, rhs] => {
                let value = self.expand(v, probe, vars);
                match op.as_str() {
                    "=" => Some(value == self.expand(rhs, probe, vars)),
                    "!=" => Some(value != self.expand(rhs, probe, vars)),
                    "~" => self.matches(rhs, false, &value),
                    "~*" => self.matches(rhs, true, &value),
                    "!~" => self.matches(rhs, false, &value).map(|m| !m),
                    "!~*" => self.matches(rhs, true, &value).map(|m| !m),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Expands `$name` and `${name}` in `text`.
    pub fn expand(&mut self, text: &str, probe: &Probe, vars: &HashMap<String, String>) -> String {
        self.expand_depth(text, probe, vars, 0)
    }

    fn expand_depth(
        &mut self,
        text: &str,
        probe: &Probe,
        vars: &HashMap<String, String>,
        depth: usize,
    ) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, next) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => (inner, ""),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() {
                out.push('$');
            } else {
                out.push_str(&self.variable(name, probe, vars, depth));
            }
            rest = next;
        }
        out.push_str(rest);
        out
    }

    fn variable(
        &mut self,
        name: &str,
        probe: &Probe,
        vars: &HashMap<String, String>,
        depth: usize,
    ) -> String {
        if let Some(v) = vars.get(name).or_else(|| self.captured.get(name)) {
            return v.clone();
        }
        let header = |v: &Option<String>| v.clone().unwrap_or_default();
        match name.to_ascii_lowercase().as_str() {
            "http_origin" => return header(&probe.origin),
            "request_method" => return probe.method.clone(),
            "http_access_control_request_method" => return header(&probe.request_method),
            "http_access_control_request_headers" => return header(&probe.request_headers),
            _ => {}
        }
        let Some(map) = self.maps.get(name) else {
            if !name.chars().all(|c| c.is_ascii_digit()) && !self.declared.contains(name) {
                self.unknown_vars.insert(name.to_string());
            }
            return String::new();
        };
        if depth > 16 {
            return String::new();
        }
        let map = map.clone();
        let key = self.expand_depth(&map.source, probe, vars, depth + 1);
        let value = self.map_value(&map, &key).to_string();
        self.expand_depth(&value, probe, vars, depth + 1)
    }

    /// The value a map gives `key`: exact keys first, then regexes in order, then
    /// `default` (nginx's order).
    pub fn map_value<'m>(&mut self, map: &'m Map, key: &str) -> &'m str {
        if let Some((_, v, _)) = map.exact.iter().find(|(k, _, _)| k == key) {
            return v;
        }
        for (re, ci, v, _) in &map.regexes {
            if self.matches(re, *ci, key) == Some(true) {
                return v;
            }
        }
        &map.default
    }
}

enum Step<'d> {
    Next,
    Break,
    Return(u16, Loc),
    Entered(&'d [Directive]),
}

/// The words of an `if (…)` condition without the parentheses.
pub fn if_condition(d: &Directive) -> Vec<String> {
    let mut words: Vec<String> = d.args.iter().map(|a| a.text.clone()).collect();
    if let Some(first) = words.first_mut() {
        if let Some(s) = first.strip_prefix('(') {
            *first = s.to_string();
        }
    }
    if let Some(last) = words.last_mut() {
        if let Some(s) = last.strip_suffix(')') {
            *last = s.to_string();
        }
    }
    words.retain(|w| !w.is_empty());
    words
}
