//! The nginx side of the migration: remove the recipe's lines, add
//! `cors_policy_file` to `http` and `cors NAME;` where the recipe lived.
//!
//! What goes: every `add_header`/`more_set_headers` of an `Access-Control-*` header,
//! `add_header Vary Origin` beside them (the module keeps `Vary` right), `if` blocks
//! about `OPTIONS` or the origin left with nothing but `return 204`/`200` and headers
//! for the preflight answer, and — repeated until nothing changes — `set` and `map`
//! variables nothing else reads any more. Everything else stays as written, comments
//! and formatting included: edits are byte ranges, whole lines where the directive is
//! alone on its line.

use super::conf::{Conf, Directive, Loc};
use super::recipe::{sets_cors_header, Analysis};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The edited files: `(index into conf.files, new text)` for each changed file.
pub fn rewrite(
    conf: &Conf,
    analysis: &Analysis,
    policy_file: &str,
    load_module: Option<&str>,
) -> Vec<(usize, String)> {
    let removed = removals(&conf.root);
    // Insertions: (file, offset) → text.
    let mut inserts: BTreeMap<(usize, usize), String> = BTreeMap::new();
    let mut homes: BTreeMap<Loc, BTreeSet<String>> = BTreeMap::new();
    for site in &analysis.sites {
        let (Some(home), Some(p)) = (site.home, site.policy) else { continue };
        if let Some(d) = analysis.drafts.get(p) {
            homes.entry(home).or_default().insert(d.name.clone());
        }
    }
    // A home with several policies (its locations differ): each location gets its own.
    let mut placed: Vec<(Loc, String)> = Vec::new();
    for (home, names) in &homes {
        if names.len() == 1 {
            placed.push((*home, names.iter().next().cloned().unwrap_or_default()));
        } else {
            for site in analysis.sites.iter().filter(|s| s.home == Some(*home)) {
                if let Some(d) = site.policy.and_then(|p| analysis.drafts.get(p)) {
                    placed.push((site.owner, d.name.clone()));
                }
            }
        }
    }
    placed.sort();
    placed.dedup();
    for (block, name) in placed {
        let Some(d) = find(&conf.root, block) else { continue };
        let body = d.block.as_deref().unwrap_or(&[]);
        // In the block's own file: a snippet included elsewhere too keeps no `cors`.
        let first_removed =
            body.iter().find(|c| removed.contains(&c.loc) && c.loc.file == d.loc.file);
        let place = match first_removed {
            Some(c) if alone_on_line(conf, c.loc) => {
                Place::Line(c.loc.file, line_start(conf, c.loc), indent_of(conf, c.loc))
            }
            // A directive sharing its line (a one-line configuration): right before it.
            Some(c) => Place::Inline(c.loc.file, c.loc.start, ""),
            None => after_open(conf, d),
        };
        let (key, text) = place.put(&format!("cors {name};"));
        inserts.entry(key).or_default().push_str(&text);
    }
    if let Some(http) = analysis.http.and_then(|l| find(&conf.root, l)) {
        let (key, text) = after_open(conf, http).put(&format!("cors_policy_file {policy_file};"));
        inserts.entry(key).or_default().insert_str(0, &text);
    } else {
        inserts.entry((0, 0)).or_default().insert_str(0, &format!("# corsc import: put this in the http {{}} block\ncors_policy_file {policy_file};\n"));
    }
    if let Some(m) = load_module {
        if !conf
            .root
            .iter()
            .any(|d| d.name == "load_module" && d.arg(0).contains("ngx_http_cors_module"))
        {
            inserts.entry((0, 0)).or_default().insert_str(0, &format!("load_module {m};\n"));
        }
    }
    // Deletions: whole lines when the directive is alone on them.
    let mut deletions: Vec<(usize, usize, usize)> = removed
        .iter()
        .filter(|l| {
            !removed
                .iter()
                .any(|o| o != *l && o.file == l.file && o.start <= l.start && l.end <= o.end)
        })
        .map(|l| {
            let text = &conf.files[l.file].text;
            let start = line_start(conf, *l);
            let alone_before = text[start..l.start].trim().is_empty();
            let line_end = text[l.end..].find('\n').map_or(text.len(), |i| l.end + i + 1);
            let after = text[l.end..line_end].trim();
            let alone_after = after.is_empty() || after.starts_with('#');
            if alone_before && alone_after {
                (l.file, start, line_end)
            } else {
                (l.file, l.start, l.end)
            }
        })
        .collect();
    deletions.sort();
    let mut files: BTreeSet<usize> = deletions.iter().map(|d| d.0).collect();
    files.extend(inserts.keys().map(|k| k.0));
    let mut out = Vec::new();
    for f in files {
        let text = &conf.files[f].text;
        let mut new = String::with_capacity(text.len());
        let mut pos = 0;
        let mut points: BTreeSet<usize> =
            inserts.keys().filter(|k| k.0 == f).map(|k| k.1).collect();
        for d in deletions.iter().filter(|d| d.0 == f) {
            points.insert(d.1);
        }
        for p in points {
            if p < pos {
                continue;
            }
            new.push_str(&text[pos..p]);
            pos = p;
            if let Some(ins) = inserts.get(&(f, p)) {
                new.push_str(ins);
            }
            if let Some(d) = deletions.iter().find(|d| d.0 == f && d.1 == p) {
                pos = d.2;
            }
        }
        new.push_str(&text[pos.min(text.len())..]);
        out.push((f, new));
    }
    out
}

/// A unified diff of the edits.
pub fn diff(conf: &Conf, edits: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (f, new) in edits {
        let old = &conf.files[*f].text;
        let path = conf.files[*f].path.display().to_string();
        let d = similar::TextDiff::from_lines(old.as_str(), new.as_str());
        out.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("a/{path}"), &format!("b/{path}"))
                .to_string(),
        );
    }
    out
}

fn find(body: &[Directive], loc: Loc) -> Option<&Directive> {
    for d in body {
        if d.loc == loc {
            return Some(d);
        }
        if let Some(found) = d.block.as_deref().and_then(|b| find(b, loc)) {
            return Some(found);
        }
    }
    None
}

fn line_start(conf: &Conf, loc: Loc) -> usize {
    let text = &conf.files[loc.file].text;
    text[..loc.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

fn indent_of(conf: &Conf, loc: Loc) -> String {
    let text = &conf.files[loc.file].text;
    let start = line_start(conf, loc);
    text[start..loc.start].chars().take_while(|c| c.is_whitespace()).collect()
}

/// Where a new directive goes: on a line of its own (file, line start, indent), or
/// inline at a byte offset, with text before it (a one-line configuration).
enum Place {
    Line(usize, usize, String),
    Inline(usize, usize, &'static str),
}

impl Place {
    /// The insertion key and text for `directive`.
    fn put(&self, directive: &str) -> ((usize, usize), String) {
        match self {
            Place::Line(f, at, indent) => ((*f, *at), format!("{indent}{directive}\n")),
            Place::Inline(f, at, before) => ((*f, *at), format!("{before}{directive} ")),
        }
    }
}

/// Whether only blanks precede the directive at `loc` on its line.
fn alone_on_line(conf: &Conf, loc: Loc) -> bool {
    let text = &conf.files[loc.file].text;
    text[line_start(conf, loc)..loc.start].trim().is_empty()
}

/// Just after the line of `d`'s opening `{`, indented one level deeper than `d`; or
/// just after the `{` when the block goes on on that line.
fn after_open(conf: &Conf, d: &Directive) -> Place {
    let text = &conf.files[d.loc.file].text;
    let brace = text[d.loc.start..d.loc.end].find('{').map_or(d.loc.start, |i| d.loc.start + i);
    let line_end = text[brace..].find('\n').map_or(text.len(), |i| brace + i);
    let rest = text[(brace + 1).min(line_end)..line_end].trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        return Place::Inline(d.loc.file, brace + 1, " ");
    }
    let offset = (line_end + 1).min(text.len());
    Place::Line(d.loc.file, offset, format!("{}    ", indent_of(conf, d.loc)))
}

/// The directives the migration removes.
pub fn removals(root: &[Directive]) -> HashSet<Loc> {
    let mut removed: HashSet<Loc> = HashSet::new();
    let mut cors_vars: HashSet<String> = HashSet::new();
    loop {
        let before = removed.len();
        let used = used_vars(root, &removed);
        visit(
            root,
            &mut |d, siblings, removed_now: &HashSet<Loc>| {
                decide(d, siblings, removed_now, &used, &cors_vars)
            },
            &mut removed,
        );
        let mut all = Vec::new();
        collect(root, &mut all);
        for d in all.iter().filter(|d| removed.contains(&d.loc)) {
            for a in &d.args {
                cors_vars.extend(vars_in(&a.text));
            }
        }
        if removed.len() == before {
            // One more pass once the variables are known.
            let used = used_vars(root, &removed);
            visit(
                root,
                &mut |d, siblings, r: &HashSet<Loc>| decide(d, siblings, r, &used, &cors_vars),
                &mut removed,
            );
            if removed.len() == before {
                return removed;
            }
        }
    }
}

fn decide(
    d: &Directive,
    siblings: &[Directive],
    removed: &HashSet<Loc>,
    used: &HashSet<String>,
    cors_vars: &HashSet<String>,
) -> bool {
    match d.name.as_str() {
        "add_header" | "more_set_headers" if sets_cors_header(d) => true,
        // `Vary: Origin` beside CORS headers: the module keeps `Vary` right.
        "add_header" => {
            d.arg(0).eq_ignore_ascii_case("vary")
                && d.arg(1).eq_ignore_ascii_case("origin")
                && siblings.iter().any(sets_cors_header)
        }
        // `more_set_headers "Vary: Origin"` beside CORS ones: the module keeps `Vary`.
        "more_set_headers" => {
            d.args.iter().all(|a| a.text.replace(' ', "").eq_ignore_ascii_case("vary:origin"))
                && siblings.iter().any(sets_cors_header)
        }
        "set" => {
            d.arg(0).strip_prefix('$').is_some_and(|v| cors_vars.contains(v) && !used.contains(v))
        }
        "map" => {
            d.arg(1).strip_prefix('$').is_some_and(|v| cors_vars.contains(v) && !used.contains(v))
        }
        "if" => {
            let cond = super::eval::if_condition(d).join(" ");
            let about_cors = cond.contains("$http_origin")
                || (cond.contains("$request_method") && cond.contains("OPTIONS"))
                || vars_in(&cond).iter().any(|v| cors_vars.contains(v))
                // A flag test (`if ($cors = "true")`) whose block held CORS headers.
                || d.block.as_deref().unwrap_or(&[]).iter().any(sets_cors_header);
            let body = d.block.as_deref().unwrap_or(&[]);
            about_cors
                && body.iter().all(|c| {
                    removed.contains(&c.loc)
                        || (c.name == "return"
                            && matches!(c.arg(0), "204" | "200")
                            && c.args.len() == 1)
                        || (c.name == "add_header"
                            && ["content-type", "content-length"]
                                .contains(&c.arg(0).to_ascii_lowercase().as_str()))
                        || (c.name == "set"
                            && c.arg(0).strip_prefix('$').is_some_and(|v| cors_vars.contains(v)))
                })
        }
        _ => false,
    }
}

/// Whether to remove a directive, given its siblings and what is removed so far.
type Decider<'a> = dyn FnMut(&Directive, &[Directive], &HashSet<Loc>) -> bool + 'a;

fn visit(body: &[Directive], f: &mut Decider<'_>, removed: &mut HashSet<Loc>) {
    for d in body {
        if let Some(b) = d.block.as_deref() {
            visit(b, f, removed);
        }
        if !removed.contains(&d.loc) && f(d, body, removed) {
            removed.insert(d.loc);
        }
    }
}

fn collect<'a>(body: &'a [Directive], out: &mut Vec<&'a Directive>) {
    for d in body {
        out.push(d);
        collect(d.block.as_deref().unwrap_or(&[]), out);
    }
}

/// Variables read by directives that stay (a `set`'s or `map`'s own target is not a read).
fn used_vars(root: &[Directive], removed: &HashSet<Loc>) -> HashSet<String> {
    let mut all = Vec::new();
    collect(root, &mut all);
    let mut used = HashSet::new();
    for d in
        all.iter().filter(|d| !removed.contains(&d.loc) && !inside_removed(root, d.loc, removed))
    {
        let skip_first = matches!(d.name.as_str(), "set");
        for (i, a) in d.args.iter().enumerate() {
            if (skip_first && i == 0) || (d.name == "map" && i == 1) {
                continue;
            }
            used.extend(vars_in(&a.text));
        }
        if d.name == "map" {
            // Map entries are children: their values are reads only if the map stays.
            continue;
        }
    }
    used
}

fn inside_removed(root: &[Directive], loc: Loc, removed: &HashSet<Loc>) -> bool {
    removed
        .iter()
        .any(|r| r.file == loc.file && r.start <= loc.start && loc.end <= r.end && *r != loc)
        && find(root, loc).is_some()
}

/// `$name` and `${name}` in a string.
pub fn vars_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        let (name, next) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            (&inner[..end], &inner[end.min(inner.len())..])
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if !name.is_empty() {
            out.push(name.to_string());
        }
        rest = next;
    }
    out
}
