//! The origin index of one compiled policy: built once from the policy's rules, then
//! consulted for every request (see [`super::matching`]).
//!
//! - exact origins: one open-addressing table laid out for use in place, the same
//!   bytes in memory and in a `.corsb` ([`ExactIndex`]);
//! - `scheme://*.suffix[:port]`: a map keyed by `suffix[:port]`, each entry carrying
//!   the rules of its parent domains too, so the longest suffix found answers alone;
//! - `scheme://*.suffix:*`: the same, keyed by `suffix` alone (empty, and never
//!   consulted, unless the policy uses that form);
//! - `scheme://host:*`: a map keyed by the host;
//! - regexes: one multi-pattern `regex_automata::meta::Regex`, rebuilt after loading;
//! - `*` and `null`: a rule index each.
//!
//! Every entry holds the index of the first rule with that pattern, so the smallest
//! index over all lookups is the matching rule ("first match wins").

use super::exact::{ExactIndex, TooLarge};
use super::regex::{anchor, REGEX_SIZE_LIMIT};
use super::{OriginPattern, PortPattern};
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub(crate) type FastMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// Index of a rule in its policy; `u32` keeps the maps small.
pub(crate) type RuleIdx = u32;

/// A scheme with the first rule that allows it (for a host or suffix key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SchemeRule {
    pub(crate) scheme: Box<str>,
    pub(crate) rule: RuleIdx,
}

/// The origin lookup structures of one policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OriginIndex {
    /// Serialised origin → first rule listing it. Not in the serialised metadata: a
    /// `.corsb` stores it as it is, beside it (see `crate::corsb`).
    #[serde(skip)]
    pub(crate) exact: ExactIndex,
    /// `suffix` or `suffix:port` → schemes with their first rule, including the rules of
    /// the parent domains' entries with the same port (see [`OriginIndex::build`]).
    pub(crate) subdomain: FastMap<Box<[u8]>, Vec<SchemeRule>>,
    /// `suffix` → schemes with their first rule, for `scheme://*.suffix:*`, including
    /// the rules of the parent domains' entries.
    pub(crate) subdomain_any_port: FastMap<Box<[u8]>, Vec<SchemeRule>>,
    /// Host → schemes with their first rule, for `scheme://host:*`.
    pub(crate) any_port: FastMap<Box<[u8]>, Vec<SchemeRule>>,
    /// First rule with `*`.
    pub(crate) any: Option<RuleIdx>,
    /// First rule with `null`.
    pub(crate) null: Option<RuleIdx>,
    /// Regex sources (already anchored) with their rules, in rule order.
    pub(crate) regexes: Vec<(Box<str>, RuleIdx)>,
    /// All regexes compiled into one multi-pattern matcher; rebuilt from `regexes`
    /// after deserialising. Leftmost-first semantics over whole-origin patterns report
    /// the lowest pattern index that matches, which is the first rule, and searching
    /// does not allocate (unlike `RegexSet::matches`).
    #[serde(skip)]
    pub(crate) regex_set: Option<regex_automata::meta::Regex>,
    /// Derived like `regex_set`: the policy lists nothing but exact origins (no `*`,
    /// `null`, wildcard, any-port or regex), so the exact index alone answers (see
    /// [`OriginIndex::find_listed`]). False, the default, is always right: it only
    /// turns the shortcut off.
    #[serde(skip)]
    pub(crate) only_exact: bool,
}

impl PartialEq for OriginIndex {
    fn eq(&self, other: &Self) -> bool {
        self.exact == other.exact
            && self.subdomain == other.subdomain
            && self.subdomain_any_port == other.subdomain_any_port
            && self.any_port == other.any_port
            && self.any == other.any
            && self.null == other.null
            && self.regexes == other.regexes
    }
}

/// Why an origin index cannot be built.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// The regexes together exceed the size limit.
    Regex(Box<regex_automata::meta::BuildError>),
    /// The exact origins need more than 4 GiB of key bytes.
    TooManyOrigins,
}

impl From<Box<regex_automata::meta::BuildError>> for BuildError {
    fn from(e: Box<regex_automata::meta::BuildError>) -> Self {
        BuildError::Regex(e)
    }
}

impl From<TooLarge> for BuildError {
    fn from(_: TooLarge) -> Self {
        BuildError::TooManyOrigins
    }
}

impl OriginIndex {
    /// Indexes the origins of a policy's rules, given in the order they are tried.
    ///
    /// Fails only when the regexes together exceed the size limit, or the exact
    /// origins the index's 32-bit offsets.
    pub(crate) fn build<'a>(
        rules: impl IntoIterator<Item = impl IntoIterator<Item = &'a OriginPattern>>,
    ) -> Result<OriginIndex, BuildError> {
        let mut index = OriginIndex::default();
        let mut exact: Vec<(&'a [u8], RuleIdx)> = Vec::new();
        for (idx, origins) in rules.into_iter().enumerate() {
            for origin in origins {
                match origin {
                    OriginPattern::Exact(o) => exact.push((o.as_bytes(), idx as RuleIdx)),
                    _ => index.add(origin, idx as RuleIdx),
                }
            }
        }
        index.exact = ExactIndex::build(&exact)?;
        inherit_parent_domains(&mut index.subdomain);
        inherit_parent_domains(&mut index.subdomain_any_port);
        index.prepare_lookup()?;
        Ok(index)
    }

    /// Adds one origin of rule `idx`; an origin already claimed by an earlier rule keeps
    /// the earlier rule (first match wins).
    fn add(&mut self, origin: &OriginPattern, idx: RuleIdx) {
        fn add_scheme(list: &mut Vec<SchemeRule>, scheme: &str, idx: RuleIdx) {
            if !list.iter().any(|e| &*e.scheme == scheme) {
                list.push(SchemeRule { scheme: scheme.into(), rule: idx });
            }
        }
        match origin {
            OriginPattern::Any => {
                self.any.get_or_insert(idx);
            }
            OriginPattern::Null => {
                self.null.get_or_insert(idx);
            }
            // Indexed by `build`, all at once.
            OriginPattern::Exact(_) => {}
            OriginPattern::Subdomain { scheme, suffix, port } => {
                let (map, key) = match port {
                    PortPattern::Default => (&mut self.subdomain, suffix.clone()),
                    PortPattern::Number(p) => (&mut self.subdomain, format!("{suffix}:{p}")),
                    PortPattern::Any => (&mut self.subdomain_any_port, suffix.clone()),
                };
                add_scheme(map.entry(key.into_bytes().into()).or_default(), scheme, idx);
            }
            OriginPattern::AnyPort { scheme, host } => {
                add_scheme(self.any_port.entry(host.as_bytes().into()).or_default(), scheme, idx);
            }
            OriginPattern::Regex(r) => self.regexes.push((anchor(r).into(), idx)),
        }
    }

    /// Derives what the lookup uses and a `.corsb` does not store, after building and
    /// after loading a table (and after any change to the index): compiles `regexes`
    /// into `regex_set`, and sets `only_exact`.
    pub(crate) fn prepare_lookup(&mut self) -> Result<(), Box<regex_automata::meta::BuildError>> {
        self.build_regex_set()?;
        self.only_exact = self.others_empty();
        Ok(())
    }

    /// Whether the policy lists no origin outside the exact index.
    pub(crate) fn others_empty(&self) -> bool {
        self.subdomain.is_empty()
            && self.subdomain_any_port.is_empty()
            && self.any_port.is_empty()
            && self.any.is_none()
            && self.null.is_none()
            && self.regexes.is_empty()
            && self.regex_set.is_none()
    }

    /// Compiles `regexes` into `regex_set`.
    fn build_regex_set(&mut self) -> Result<(), Box<regex_automata::meta::BuildError>> {
        use regex_automata::meta;
        self.regex_set = if self.regexes.is_empty() {
            None
        } else {
            let patterns: Vec<&str> = self.regexes.iter().map(|(r, _)| &**r).collect();
            let config = meta::Config::new()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .match_kind(regex_automata::MatchKind::LeftmostFirst);
            Some(meta::Builder::new().configure(config).build_many(&patterns).map_err(Box::new)?)
        };
        Ok(())
    }

    /// Whether every rule index outside the exact index is below `rules` (a loaded
    /// table is checked with it; the exact index checks its own, in its layout pass).
    pub(crate) fn indices_below(&self, rules: u32) -> bool {
        self.subdomain
            .values()
            .chain(self.subdomain_any_port.values())
            .chain(self.any_port.values())
            .flatten()
            .all(|e| e.rule < rules)
            && self.any.is_none_or(|r| r < rules)
            && self.null.is_none_or(|r| r < rules)
            && self.regexes.iter().all(|(_, r)| *r < rules)
    }
}

/// Lets the longest suffix of a host found in a subdomain map answer alone.
///
/// An origin under `a.b.example.com` is also under `b.example.com` and `example.com`;
/// so each entry takes, per scheme, the first rule among itself and the entries of its
/// parent domains with the same port (keys are `suffix[:port]`). Matching then stops at
/// the first suffix it finds, instead of looking up every dot of the host.
fn inherit_parent_domains(subdomain: &mut FastMap<Box<[u8]>, Vec<SchemeRule>>) {
    let keys: Vec<Box<[u8]>> = subdomain.keys().cloned().collect();
    for key in keys {
        let (host, port) = match key.iter().position(|&b| b == b':') {
            Some(colon) => key.split_at(colon),
            None => (&key[..], &[][..]),
        };
        let mut inherited = Vec::new();
        for (i, _) in host.iter().enumerate().filter(|(_, &b)| b == b'.') {
            let parent = [&host[i + 1..], port].concat();
            if let Some(entries) = subdomain.get(&parent[..]) {
                inherited.extend(entries.iter().cloned());
            }
        }
        let Some(own) = subdomain.get_mut(&key) else { continue };
        for e in inherited {
            match own.iter_mut().find(|o| o.scheme == e.scheme) {
                Some(o) => o.rule = o.rule.min(e.rule),
                None => own.push(e),
            }
        }
    }
}
