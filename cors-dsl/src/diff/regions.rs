//! The origins of one policy as languages: what each rule decides once the rules
//! before it have taken theirs (first match wins), and how to describe a set of
//! origins to a person (the patterns that reach into it, and origins in it).
//!
//! Every set is an [`OriginSet`] from the one origin-language module, built from the
//! patterns exactly as the rule table matches them.

use super::Origins;
use super::PatternPart;
use crate::model::{OriginPattern, Policy};
use crate::origin::language::probe;
use crate::origin::{OriginSet, OriginText, TooComplex};

/// A pattern and what it accepts (within the universe).
pub(super) struct PatternLang {
    /// How it reads in a policy file.
    pub text: String,
    /// Hosts it spells out, to pick telling examples.
    pub hosts: Vec<String>,
    /// What it accepts.
    pub set: OriginSet,
}

/// One rule's origins.
pub(super) struct RuleLang {
    /// Its patterns.
    pub patterns: Vec<PatternLang>,
    /// The origins this rule decides: those it accepts that no earlier rule does.
    pub decides: OriginSet,
}

/// Analysis gave up on one pattern (or on combining a policy's patterns).
#[derive(Debug)]
pub(super) struct GaveUp {
    /// The pattern, as written, when one is to blame.
    pub pattern: Option<String>,
    /// Why.
    pub why: TooComplex,
}

/// The origins worth comparing: everything a browser can send, and the exact origins
/// either side lists (`file://`, which Cordova web views send, is no browser's).
pub(super) fn universe(policies: &[&Policy]) -> Result<OriginSet, GaveUp> {
    let gave_up = |why| GaveUp { pattern: None, why };
    let mut u = probe::browser_origins().map_err(gave_up)?;
    for p in policies.iter().flat_map(|p| &p.rules).flat_map(|r| &r.origins) {
        if let OriginPattern::Exact(_) = &p.node {
            let set = OriginSet::from_pattern(&p.node).map_err(gave_up)?;
            u = u.union(&set).map_err(gave_up)?;
        }
    }
    Ok(u)
}

/// Each rule of `policy` with the origins it decides, and what no rule decides.
pub(super) fn rules(
    policy: &Policy,
    universe: &OriginSet,
) -> Result<(Vec<RuleLang>, OriginSet), GaveUp> {
    let mut taken = OriginSet::empty();
    let mut out = Vec::with_capacity(policy.rules.len());
    for rule in &policy.rules {
        let mut patterns = Vec::with_capacity(rule.origins.len());
        let mut accepted = OriginSet::empty();
        for p in &rule.origins {
            let text = pattern_text(&p.node);
            let blame = |why| GaveUp { pattern: Some(text.clone()), why };
            let set = OriginSet::from_pattern(&p.node)
                .and_then(|s| s.intersect(universe))
                .map_err(blame)?;
            accepted = accepted.union(&set).map_err(blame)?;
            let hosts = crate::origin::Written::of(&p.node).hosts;
            patterns.push(PatternLang { text, hosts, set });
        }
        let gave_up = |why| GaveUp { pattern: None, why };
        let decides = accepted.difference(&taken).map_err(gave_up)?;
        taken = taken.union(&accepted).map_err(gave_up)?;
        out.push(RuleLang { patterns, decides });
    }
    let unmatched = universe.difference(&taken).map_err(|why| GaveUp { pattern: None, why })?;
    Ok((out, unmatched))
}

/// A pattern as it is written in a policy file.
pub(super) fn pattern_text(p: &OriginPattern) -> String {
    match p {
        OriginPattern::Regex(r) => format!("~ \"{}\"", r.replace('"', "\\\"")),
        other => other.to_string(),
    }
}

/// Most origins listed one by one before a region is described by its patterns.
const LISTED: usize = 4;

/// `region` for a person: the `patterns` that accept some of it (all of it when
/// `whole`), and origins in it: every one when there are few, else one that
/// explains itself.
pub(super) fn describe<'a>(
    region: &OriginSet,
    patterns: impl IntoIterator<Item = &'a PatternLang>,
) -> Result<Origins, TooComplex> {
    let mut parts: Vec<PatternPart> = Vec::new();
    let mut hosts: Vec<&str> = Vec::new();
    let mut accepted: Vec<String> = Vec::new();
    for p in patterns {
        if parts.iter().any(|q| q.pattern == p.text) || p.set.intersect(region)?.is_empty() {
            continue;
        }
        let whole = p.set.difference(region)?.is_empty();
        parts.push(PatternPart { pattern: p.text.clone(), whole });
        hosts.extend(p.hosts.iter().map(String::as_str));
        accepted.extend(p.set.readable_witness());
    }
    let (examples, complete) = match members(region, LISTED)? {
        Some(all) => (all, true),
        None => (example(region, &hosts, &accepted).into_iter().collect(), false),
    };
    Ok(Origins { patterns: parts, examples, complete })
}

/// Every member of `set` when it has at most `most`, shortest first.
fn members(set: &OriginSet, most: usize) -> Result<Option<Vec<String>>, TooComplex> {
    if set.is_infinite() {
        return Ok(None);
    }
    let mut rest = set.clone();
    let mut out = Vec::new();
    while let Some(w) = rest.witness() {
        if out.len() == most {
            return Ok(None);
        }
        rest = rest.difference(&OriginSet::from_pattern(&OriginPattern::Exact(w.clone()))?)?;
        out.push(w);
    }
    Ok(Some(out))
}

/// An origin of `set` that reads well: a host the patterns spell out, or one of the
/// origins they accept, then a look-alike of one (the classic attacks:
/// `….evil.net`, `evil…`), then a subdomain, then the shortest member.
fn example(set: &OriginSet, hosts: &[&str], accepted: &[String]) -> Option<String> {
    if let Some(origin) = accepted.iter().find(|o| set.contains(o.as_bytes())) {
        return Some(origin.clone());
    }
    let mut bases: Vec<(String, String)> = Vec::new();
    for host in hosts {
        bases.push(("https".into(), host.to_string()));
        bases.push(("http".into(), host.to_string()));
    }
    for origin in accepted {
        if let Some(o) = OriginText::parse(origin) {
            bases.push((o.scheme.to_string(), o.host.to_string()));
        }
    }
    for (scheme, host) in &bases {
        let mut candidates = vec![host.clone()];
        candidates.extend(probe::lookalike_examples(host));
        candidates.extend(["app", "a"].iter().map(|s| format!("{s}.{host}")));
        for c in candidates {
            let origin = format!("{scheme}://{c}");
            if set.contains(origin.as_bytes()) {
                return Some(origin);
            }
        }
    }
    set.readable_witness()
}
