//! What a change to a policy file does for browsers, in meaning rather than text
//! (`corsc diff OLD NEW`).
//!
//! Per policy name, the origins a browser can send are split into regions by which
//! rule decides them before and after (first match wins: a rule decides the origins
//! it accepts that no earlier rule accepts). Origins no rule decided before and one
//! does now are gained; the reverse are lost; where both sides decide, the grants of
//! the two rules are compared ([`rights`]). Regions are [`OriginSet`]s from the one
//! origin-language module, so exact origins, wildcards and regexes are compared as
//! the languages they accept; reordering or rewriting rules without changing what
//! decides which origin is no change. Every change carries the origins it concerns:
//! the patterns that reach into them and example origins.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the result ([`Diff`], [`Change`], [`Effect`]) and the comparison |
//! | `regions.rs` | a policy's rules as origin languages; describing a region |
//! | `rights.rs` | what a rule grants ([`Grants`]), normalised, and how two differ |
//!
//! Analysis is bounded: a pattern too complex for the automata is reported as such
//! ([`What::TooComplex`], effect [`Effect::Unknown`]), never guessed.

mod regions;
mod rights;

pub use rights::{GrantChange, Grants, NameSet};

use crate::model::{Policy, PolicySet, PreflightMode, RefusedPreflight};
use crate::origin::{OriginSet, TooComplex};
use crate::span::SourceMap;
use regions::{describe, GaveUp, PatternLang, RuleLang};
use serde::Serialize;

/// One version of a policy file, loaded.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    /// Its policies.
    pub set: &'a PolicySet,
    /// Its sources (for where rules are written).
    pub sources: &'a SourceMap,
}

/// What changes for browsers, policy by policy (only policies with changes).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// In the order of the new file, then removed policies in the old file's order.
    pub policies: Vec<PolicyDiff>,
}

impl Diff {
    /// Whether nothing changes for browsers.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Every change, with its policy.
    pub fn changes(&self) -> impl Iterator<Item = (&PolicyDiff, &Change)> {
        self.policies.iter().flat_map(|p| p.changes.iter().map(move |c| (p, c)))
    }

    /// How many changes have `effect`.
    pub fn count(&self, effect: Effect) -> usize {
        self.changes().filter(|(_, c)| c.effect == effect).count()
    }
}

/// One policy's changes.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDiff {
    /// Its name.
    pub name: String,
    /// Whether it is new, gone, or changed.
    pub status: PolicyStatus,
    /// Widening changes first, then narrowing, unknown and neutral ones.
    pub changes: Vec<Change>,
}

/// Whether a policy exists on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// Only in the new version (its grants are listed as gained).
    Added,
    /// Only in the old version (its grants are listed as lost; `cors NAME;` no
    /// longer loads).
    Removed,
    /// In both.
    Changed,
}

/// What a change does to access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Browsers may do something they could not before.
    Widen,
    /// Browsers can no longer do something they could.
    Narrow,
    /// Cannot be told: the analysis gave up, or someone else (the upstream) decides.
    Unknown,
    /// Changes responses without changing what browsers may do.
    Neutral,
}

impl Effect {
    /// `widen`, `narrow`, `unknown`, `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Widen => "widen",
            Effect::Narrow => "narrow",
            Effect::Unknown => "unknown",
            Effect::Neutral => "neutral",
        }
    }
}

/// One change, the origins it concerns, and its effect.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// What it does to access.
    pub effect: Effect,
    /// What changes.
    pub what: What,
    /// The origins it applies to; `None` for the whole policy.
    pub origins: Option<Origins>,
}

/// What changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// Origins no rule allowed are now allowed, with these grants.
    OriginsAllowed {
        /// What the rule that now decides them grants.
        grants: Grants,
    },
    /// Origins a rule allowed are no longer allowed.
    OriginsRefused {
        /// What the rule that decided them granted.
        grants: Grants,
    },
    /// Origins allowed on both sides get different grants.
    Grant {
        /// How the grants differ.
        change: GrantChange,
    },
    /// `preflight answer` ↔ `preflight pass`.
    PreflightMode {
        /// Before.
        old: Mode,
        /// Now.
        new: Mode,
    },
    /// `preflight-status` for allowed preflights.
    PreflightStatus {
        /// Before.
        old: u16,
        /// Now.
        new: u16,
    },
    /// `preflight-refused`: the status of a refused preflight, or `pass`.
    PreflightRefused {
        /// Before (`None`: passed on).
        old: Option<u16>,
        /// Now.
        new: Option<u16>,
    },
    /// The origins could not be compared.
    TooComplex {
        /// The pattern that was too complex, when one is to blame.
        pattern: Option<String>,
        /// Why.
        reason: String,
    },
}

/// Who answers preflights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The module (`preflight answer`).
    Answer,
    /// The upstream (`preflight pass`).
    Pass,
}

/// A set of origins, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origins {
    /// Patterns (as written) that accept some of them, from the side that decides
    /// them (the new one, except for origins no longer allowed).
    pub patterns: Vec<PatternPart>,
    /// Origins in the set: all of them when `complete`, else one example.
    pub examples: Vec<String>,
    /// `examples` lists every origin of the set.
    pub complete: bool,
}

/// A pattern that accepts some of a set of origins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternPart {
    /// As written (`https://*.example.com`, `~ "…"`).
    pub pattern: String,
    /// Everything it accepts is in the set.
    pub whole: bool,
}

/// What changes for browsers from `old` to `new`.
pub fn diff(old: Version<'_>, new: Version<'_>) -> Diff {
    let mut out = Diff::default();
    let find =
        |set: &'_ PolicySet, name: &str| set.policies.iter().find(|p| p.name.node == name).cloned();
    for policy in &new.set.policies {
        let (status, changes) = match find(old.set, &policy.name.node) {
            Some(before) => (PolicyStatus::Changed, compare(&before, policy)),
            None => (PolicyStatus::Added, compare(&empty_like(policy), policy)),
        };
        if status == PolicyStatus::Added || !changes.is_empty() {
            out.policies.push(PolicyDiff { name: policy.name.node.clone(), status, changes });
        }
    }
    for policy in &old.set.policies {
        if find(new.set, &policy.name.node).is_none() {
            let changes = compare(policy, &empty_like(policy));
            let name = policy.name.node.clone();
            out.policies.push(PolicyDiff { name, status: PolicyStatus::Removed, changes });
        }
    }
    out
}

/// A policy with no rule and `policy`'s preflight handling: what an added policy is
/// compared with (and a removed one against).
fn empty_like(policy: &Policy) -> Policy {
    Policy { rules: Vec::new(), ..policy.clone() }
}

/// Every change from `old` to `new` (two versions of one policy), ordered by effect.
fn compare(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut changes = preflight_changes(old, new);
    if !same_rules(old, new) {
        let preflights_answered = old.preflight.mode.node == PreflightMode::Answer
            && new.preflight.mode.node == PreflightMode::Answer;
        match origin_changes(old, new, preflights_answered) {
            Ok(found) => changes.extend(found),
            Err(gave_up) => changes.push(Change {
                effect: Effect::Unknown,
                what: What::TooComplex { pattern: gave_up.pattern, reason: gave_up.why.0 },
                origins: None,
            }),
        }
    }
    changes.sort_by_key(|c| c.effect);
    changes
}

/// Whether the rules are written the same (spans aside): no need for automata, and
/// a regex too complex to analyse that did not change is no change.
fn same_rules(old: &Policy, new: &Policy) -> bool {
    old.rules.len() == new.rules.len()
        && old.rules.iter().zip(&new.rules).all(|(a, b)| {
            let origins = |r: &crate::model::Rule| -> Vec<crate::model::OriginPattern> {
                r.origins.iter().map(|o| o.node.clone()).collect()
            };
            origins(a) == origins(b) && Grants::of(a) == Grants::of(b)
        })
}

fn preflight_changes(old: &Policy, new: &Policy) -> Vec<Change> {
    let (o, n) = (&old.preflight, &new.preflight);
    let mut out = Vec::new();
    let whole = |effect, what| Change { effect, what, origins: None };
    let mode = |m: PreflightMode| match m {
        PreflightMode::Answer => Mode::Answer,
        PreflightMode::Pass => Mode::Pass,
    };
    if o.mode.node != n.mode.node {
        // Whoever answers preflights now decides what they allow: we cannot tell.
        let what = What::PreflightMode { old: mode(o.mode.node), new: mode(n.mode.node) };
        out.push(whole(Effect::Unknown, what));
    }
    let answered = n.mode.node == PreflightMode::Answer;
    if answered && o.success_status.node != n.success_status.node {
        let what = What::PreflightStatus { old: o.success_status.node, new: n.success_status.node };
        out.push(whole(Effect::Neutral, what));
    }
    let refused = |r: RefusedPreflight| match r {
        RefusedPreflight::Status(s) => Some(s),
        RefusedPreflight::Pass => None,
    };
    if answered && o.refused.node != n.refused.node {
        // A refused preflight passed on is answered without CORS headers: the browser
        // refuses it all the same.
        let what =
            What::PreflightRefused { old: refused(o.refused.node), new: refused(n.refused.node) };
        out.push(whole(Effect::Neutral, what));
    }
    out
}

/// The regions of origins decided by a different rule or with different grants.
fn origin_changes(
    old: &Policy,
    new: &Policy,
    preflights_answered: bool,
) -> Result<Vec<Change>, GaveUp> {
    let universe = regions::universe(&[old, new])?;
    let (old_rules, old_unmatched) = regions::rules(old, &universe)?;
    let (new_rules, new_unmatched) = regions::rules(new, &universe)?;
    let old_grants: Vec<Grants> = old.rules.iter().map(Grants::of).collect();
    let new_grants: Vec<Grants> = new.rules.iter().map(Grants::of).collect();
    let gave_up = |why: TooComplex| GaveUp { pattern: None, why };

    // Changes with the same `What` are one change over the union of their regions.
    let mut groups: Vec<Group> = Vec::new();
    let mut add = |what: What,
                   effect: Effect,
                   region: OriginSet,
                   old_i: Option<usize>,
                   new_i: Option<usize>| {
        match groups.iter_mut().find(|g| g.what == what) {
            Some(g) => {
                g.region = g.region.union(&region)?;
                g.old_rules.extend(old_i);
                g.new_rules.extend(new_i);
            }
            None => groups.push(Group {
                what,
                effect,
                region,
                old_rules: old_i.into_iter().collect(),
                new_rules: new_i.into_iter().collect(),
            }),
        }
        Ok::<(), TooComplex>(())
    };

    for (j, rule) in new_rules.iter().enumerate() {
        let gained = rule.decides.intersect(&old_unmatched).map_err(gave_up)?;
        if !gained.is_empty() {
            let what = What::OriginsAllowed { grants: new_grants[j].clone() };
            add(what, Effect::Widen, gained, None, Some(j)).map_err(gave_up)?;
        }
    }
    for (i, rule) in old_rules.iter().enumerate() {
        let lost = rule.decides.intersect(&new_unmatched).map_err(gave_up)?;
        if !lost.is_empty() {
            let what = What::OriginsRefused { grants: old_grants[i].clone() };
            add(what, Effect::Narrow, lost, Some(i), None).map_err(gave_up)?;
        }
        for (j, after) in new_rules.iter().enumerate() {
            let grant_changes = rights::compare(&old_grants[i], &new_grants[j]);
            let grant_changes: Vec<GrantChange> = grant_changes
                .into_iter()
                .filter(|c| preflights_answered || !c.preflight_only())
                .collect();
            if grant_changes.is_empty() {
                continue;
            }
            let both = rule.decides.intersect(&after.decides).map_err(gave_up)?;
            if both.is_empty() {
                continue;
            }
            for change in grant_changes {
                let effect = match change.widens() {
                    Some(true) => Effect::Widen,
                    Some(false) => Effect::Narrow,
                    None => Effect::Neutral,
                };
                add(What::Grant { change }, effect, both.clone(), Some(i), Some(j))
                    .map_err(gave_up)?;
            }
        }
    }

    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        // Origins no longer allowed are described by the old patterns; the rest by the
        // new ones, which decide them now.
        let patterns = match g.what {
            What::OriginsRefused { .. } => pick(&old_rules, &g.old_rules),
            _ => pick(&new_rules, &g.new_rules),
        };
        let origins = describe(&g.region, patterns).map_err(gave_up)?;
        out.push(Change { effect: g.effect, what: g.what, origins: Some(origins) });
    }
    Ok(out)
}

/// The patterns of the rules at `idx`, once each, in rule order.
fn pick<'a>(rules: &'a [RuleLang], idx: &[usize]) -> Vec<&'a PatternLang> {
    let mut idx = idx.to_vec();
    idx.sort_unstable();
    idx.dedup();
    idx.iter().filter_map(|&i| rules.get(i)).flat_map(|r| &r.patterns).collect()
}

/// Regions with the same change, gathered.
struct Group {
    what: What,
    effect: Effect,
    region: OriginSet,
    old_rules: Vec<usize>,
    new_rules: Vec<usize>,
}
