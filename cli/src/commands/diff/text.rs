//! One sentence per change, the same in every format: code in backticks (Markdown
//! shows it as code, people read it as quoting).

use cors_dsl::diff::{Change, GrantChange, Grants, Mode, NameSet, Origins, What};

/// The sentence for `change`.
pub fn sentence(change: &Change) -> String {
    let origins = change.origins.as_ref();
    let region = || origins.map_or_else(|| "every origin".to_string(), for_region);
    match &change.what {
        What::OriginsAllowed { grants } => match origins {
            Some(o) if !all_whole(o) => {
                format!("{} now also {}{}", patterns(o), accepts(o), with(grants))
            }
            _ => format!("now also allows {}{}", region(), with(grants)),
        },
        What::OriginsRefused { grants } => match origins {
            Some(o) if !all_whole(o) => {
                format!("{} no longer {}{}", patterns(o), accepts(o), had(grants))
            }
            _ => format!("no longer allows {}{}", region(), had(grants)),
        },
        What::Grant { change } => grant(change, &region()),
        What::PreflightMode { new: Mode::Pass, .. } => {
            "preflights now go to the upstream (`preflight pass`): its answers decide \
             which methods and headers are allowed"
                .into()
        }
        What::PreflightMode { .. } => {
            "preflights are now answered by the policy (`preflight answer`), no longer by \
             the upstream"
                .into()
        }
        What::PreflightStatus { old, new } => {
            format!("allowed preflights are answered with `{new}` instead of `{old}`")
        }
        What::PreflightRefused { old, new } => {
            let say = |s: &Option<u16>| match s {
                Some(s) => format!("`{s}`"),
                None => "the upstream's answer (without CORS headers)".into(),
            };
            format!("refused preflights get {} instead of {}", say(new), say(old))
        }
        What::TooComplex { pattern: Some(p), reason } => {
            format!("origins not compared: `{p}` is too complex to analyse ({reason})")
        }
        What::TooComplex { pattern: None, reason } => {
            format!(
                "origins not compared: the policy's patterns are too complex together ({reason})"
            )
        }
    }
}

fn grant(change: &GrantChange, region: &str) -> String {
    let more = |gained: bool| if gained { "now also allows" } else { "no longer allows" };
    match change {
        GrantChange::Credentials { now: true } => {
            format!("now allows credentials (cookies, `Authorization`) for {region}")
        }
        GrantChange::Credentials { now: false } => {
            format!("no longer allows credentials for {region}")
        }
        GrantChange::Methods { gained, names, kept } => {
            let names = changed_names(names, kept, "method");
            format!("{} {names} for {region}", more(*gained))
        }
        GrantChange::Headers { gained, names, kept } => {
            let names = changed_names(names, kept, "request header");
            format!("{} {names} for {region}", more(*gained))
        }
        GrantChange::Expose { gained: true, names, kept } => {
            let names = changed_names(names, kept, "response header");
            format!("now lets {region} read {names}")
        }
        GrantChange::Expose { gained: false, names, kept } => {
            let names = changed_names(names, kept, "response header");
            format!("no longer lets {region} read {names}")
        }
        GrantChange::PrivateNetwork { now } => {
            format!("{} private-network access for {region}", more(*now))
        }
        GrantChange::MaxAge { old, new } => {
            format!("max-age {} → {} for {region}", duration(*old), duration(*new))
        }
    }
}

/// Whether every pattern describing the origins lies wholly inside them.
fn all_whole(o: &Origins) -> bool {
    o.patterns.iter().all(|p| p.whole)
}

/// `` `a`, `b` `` and examples: the set as patterns, or as its few members.
fn for_region(o: &Origins) -> String {
    let members = || list(o.examples.iter().map(String::as_str));
    // A few origins, each written as such: name them.
    let literal = o.patterns.iter().all(|p| p.whole && o.examples.contains(&p.pattern));
    if o.complete && (literal || !all_whole(o)) {
        return members();
    }
    let mut out = list_with(o.patterns.iter().map(|p| {
        if p.whole {
            format!("`{}`", p.pattern)
        } else {
            format!("part of `{}`", p.pattern)
        }
    }));
    if out.is_empty() {
        return members();
    }
    if !literal {
        out.push_str(&if o.complete {
            format!(" ({})", members())
        } else {
            format!(", e.g. {}", members())
        });
    }
    out
}

/// The patterns, as the subject of a sentence.
fn patterns(o: &Origins) -> String {
    list(o.patterns.iter().map(|p| p.pattern.as_str()))
}

/// `accepts `x`` / `accepts origins such as `x``.
fn accepts(o: &Origins) -> String {
    let verb = if o.patterns.len() > 1 { "accept" } else { "accepts" };
    if o.complete {
        format!("{verb} {}", list(o.examples.iter().map(String::as_str)))
    } else {
        format!("{verb} origins such as {}", list(o.examples.iter().map(String::as_str)))
    }
}

/// ` (with credentials; methods `PUT`)`: what the new origins get beyond the basics.
fn with(g: &Grants) -> String {
    let parts = grant_parts(g);
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (with {})", parts.join("; "))
    }
}

/// ` (it had credentials)`.
fn had(g: &Grants) -> String {
    let parts = grant_parts(g);
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (it had {})", parts.join("; "))
    }
}

fn grant_parts(g: &Grants) -> Vec<String> {
    let mut parts = Vec::new();
    if g.credentials {
        parts.push("credentials".to_string());
    }
    if !g.methods.is_empty() {
        parts.push(name_list(&g.methods, "method"));
    }
    if !g.headers.is_empty() {
        parts.push(name_list(&g.headers, "request header"));
    }
    if !g.expose.is_empty() {
        parts.push(format!("readable {}", name_list(&g.expose, "response header")));
    }
    if g.private_network {
        parts.push("private-network access".into());
    }
    parts
}

/// [`name_list`] of names gained or lost; an "every …" says which names were and
/// are allowed (`kept`) as "beyond" them.
fn changed_names(names: &NameSet, kept: &[String], what: &str) -> String {
    let NameSet::AllBut(except) = names else { return name_list(names, what) };
    let refused: Vec<&str> =
        except.values().filter(|v| !kept.contains(v)).map(String::as_str).collect();
    let mut out = format!("every {what} (`*`)");
    if !kept.is_empty() {
        out.push_str(&format!(" beyond {}", list(kept.iter().map(String::as_str))));
    }
    if !refused.is_empty() {
        out.push_str(&format!(" except {}", list(refused.into_iter())));
    }
    out
}

/// `` `PUT` ``, `` methods `PUT`, `PATCH` ``, `every request header but `Authorization``.
pub fn name_list(names: &NameSet, what: &str) -> String {
    match names {
        NameSet::Only(m) if m.len() == 1 => {
            format!("{what} {}", list(m.values().map(String::as_str)))
        }
        NameSet::Only(m) => format!("{what}s {}", list(m.values().map(String::as_str))),
        NameSet::AllBut(m) if m.is_empty() => format!("every {what} (`*`)"),
        NameSet::AllBut(m) => {
            format!("every {what} (`*`) but {}", list(m.values().map(String::as_str)))
        }
    }
}

/// `` `a`, `b` and `c` ``.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    list_with(items.map(|i| format!("`{i}`")))
}

fn list_with(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `2h`, `1d`, `90s`, `unset`.
pub fn duration(seconds: Option<u32>) -> String {
    let Some(s) = seconds else { return "unset".into() };
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s >= size && s % size == 0 {
            return format!("{}{unit}", s / size);
        }
    }
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        let cases = [(None, "unset"), (Some(0), "0s"), (Some(90), "90s"), (Some(600), "10m")];
        for (s, want) in cases {
            assert_eq!(duration(s), want);
        }
        assert_eq!(duration(Some(7200)), "2h");
        assert_eq!(duration(Some(86_400)), "1d");
    }
}
