//! Origin sets as automata: what a pattern (or a list of them) accepts, as a language
//! that can be combined and questioned exactly, instead of sampled.
//!
//! An [`OriginSet`] is the set of `Origin` header values a list of
//! [`OriginPattern`]s lets through, byte for byte as the rule table's matcher
//! (`origin/matching.rs`) decides: exact origins compare bytes, wildcards take the
//! labels and ports the index takes, `~` regexes match the whole value with the same
//! engine and syntax. Sets support membership, emptiness, finiteness, union,
//! intersection, difference and complement, and give a concrete witness string.
//!
//! Every construction is bounded ([`dfa::STATE_LIMIT`] states, a byte budget for
//! determinising a regex); past the bound the answer is [`TooComplex`], never a hang.
//!
//! | file | job |
//! |---|---|
//! | `dfa.rs` | the automaton: complete byte DFA, products, witness, finiteness |
//! | `grammar.rs` | what a browser can send, as regex fragments (the splitter's twin) |
//! | `probe.rs` | canonical probe languages: null, plain http off loopback, other schemes, subdomains, look-alikes, … |
//! | `questions.rs` | the questions asked of one pattern ([`Exposure`]), each answered with a witness |
//! | `written.rs` | what a pattern spells out (hosts, schemes), to compare with what it accepts |
//! | `domain.rs` | registrable domains and public suffixes (`psl`), shared hosting |

mod dfa;
mod domain;
mod grammar;
pub mod probe;
mod questions;
mod written;

pub use domain::{is_public_suffix, registrable_domain, shared_host, SHARED_HOSTS};
pub use questions::{Exposure, Found};
pub use written::Written;

use super::{OriginPattern, PortPattern};
use dfa::Dfa;
use grammar::{lit, opt_port, LABEL, PORT};
use regex_automata::util::syntax;

pub use dfa::STATE_LIMIT;

/// The analysis gave up: the automaton would exceed its bound. Holds why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooComplex(pub String);

impl std::fmt::Display for TooComplex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "too complex to analyse: {}", self.0)
    }
}

impl std::error::Error for TooComplex {}

/// A set of `Origin` header values (byte strings), as a DFA.
#[derive(Clone, Debug)]
pub struct OriginSet {
    dfa: Dfa,
}

/// Most labels in front of a wildcard's suffix that the matcher looks at (its
/// `MAX_DOTS`); a longer host is not matched.
const MAX_WILDCARD_LABELS: usize = 32;

impl OriginSet {
    /// The empty set.
    pub fn empty() -> OriginSet {
        OriginSet { dfa: Dfa::nothing() }
    }

    /// Every byte string (what `origin *` lets through).
    pub fn everything() -> OriginSet {
        OriginSet { dfa: Dfa::everything() }
    }

    /// The strings a regex accepts as a whole, compiled with the rule table's syntax
    /// (the regex crate's defaults: Unicode on).
    pub fn from_regex(source: &str) -> Result<OriginSet, TooComplex> {
        Ok(OriginSet { dfa: Dfa::from_regex(source, syntax::Config::new())? })
    }

    /// A set described by a byte-oriented regex of our own (Unicode off, any byte).
    ///
    /// Probe languages are built again and again with the same few hosts (each
    /// question of each pattern of a policy), so built sets are kept, a bounded
    /// number, by source.
    pub(crate) fn from_bytes_regex(source: &str) -> Result<OriginSet, TooComplex> {
        type Memo = std::sync::Mutex<rustc_hash::FxHashMap<String, Result<OriginSet, TooComplex>>>;
        static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
        const MEMO_ENTRIES: usize = 256;
        let memo = MEMO.get_or_init(Memo::default);
        if let Some(hit) = memo.lock().ok().and_then(|m| m.get(source).cloned()) {
            return hit;
        }
        let syntax = syntax::Config::new().unicode(false).utf8(false);
        let built = Dfa::from_regex(source, syntax).map(|dfa| OriginSet { dfa });
        if let Ok(mut m) = memo.lock() {
            if m.len() >= MEMO_ENTRIES {
                m.clear();
            }
            m.insert(source.to_string(), built.clone());
        }
        built
    }

    /// What one pattern lets through, as the matcher decides.
    pub fn from_pattern(pattern: &OriginPattern) -> Result<OriginSet, TooComplex> {
        match pattern {
            OriginPattern::Any => Ok(OriginSet::everything()),
            OriginPattern::Null => OriginSet::from_bytes_regex("null"),
            OriginPattern::Exact(o) => OriginSet::from_bytes_regex(&lit(o)),
            OriginPattern::Subdomain { scheme, suffix, port } => {
                let port = match port {
                    PortPattern::Default => String::new(),
                    PortPattern::Number(p) => format!(":{p}"),
                    PortPattern::Any => opt_port(),
                };
                OriginSet::from_bytes_regex(&format!(
                    r"{}://(?:{LABEL}\.){{1,{MAX_WILDCARD_LABELS}}}{}{port}",
                    lit(scheme),
                    lit(suffix)
                ))
            }
            OriginPattern::AnyPort { scheme, host } => {
                OriginSet::from_bytes_regex(&format!("{}://{}(?::{PORT})?", lit(scheme), lit(host)))
            }
            OriginPattern::Regex(source) => OriginSet::from_regex(source),
        }
    }

    /// What a list of patterns lets through together (one rule's `origin` list, or a
    /// whole policy's).
    pub fn from_patterns(patterns: &[OriginPattern]) -> Result<OriginSet, TooComplex> {
        patterns
            .iter()
            .try_fold(OriginSet::empty(), |acc, p| acc.union(&OriginSet::from_pattern(p)?))
    }

    /// Whether `origin` (raw header bytes) is in the set.
    pub fn contains(&self, origin: &[u8]) -> bool {
        self.dfa.accepts(origin)
    }

    /// Whether the set has no member.
    pub fn is_empty(&self) -> bool {
        self.dfa.is_empty()
    }

    /// Whether the set has infinitely many members.
    pub fn is_infinite(&self) -> bool {
        self.dfa.is_infinite()
    }

    /// Members of both.
    pub fn intersect(&self, other: &OriginSet) -> Result<OriginSet, TooComplex> {
        Ok(OriginSet { dfa: self.dfa.product(&other.dfa, |a, b| a && b)? })
    }

    /// Members of either.
    pub fn union(&self, other: &OriginSet) -> Result<OriginSet, TooComplex> {
        Ok(OriginSet { dfa: self.dfa.product(&other.dfa, |a, b| a || b)? })
    }

    /// Members of `self` that are not in `other`.
    pub fn difference(&self, other: &OriginSet) -> Result<OriginSet, TooComplex> {
        Ok(OriginSet { dfa: self.dfa.product(&other.dfa, |a, b| a && !b)? })
    }

    /// Every byte string not in the set.
    pub fn complement(&self) -> OriginSet {
        OriginSet { dfa: self.dfa.complement() }
    }

    /// Whether every member of `other` is a member of `self`.
    pub fn is_superset(&self, other: &OriginSet) -> Result<bool, TooComplex> {
        Ok(other.difference(self)?.is_empty())
    }

    /// A shortest member, read as text (members are browser origins once the set has
    /// been intersected with [`probe::browser_origins`]; other bytes are replaced).
    pub fn witness(&self) -> Option<String> {
        self.dfa.witness().map(|w| String::from_utf8_lossy(&w).into_owned())
    }

    /// A member, preferring an `https` origin, then an `http` one, then any.
    pub fn readable_witness(&self) -> Option<String> {
        for scheme in [probe::scheme("https"), probe::scheme("http")] {
            if let Ok(s) = scheme.and_then(|s| self.intersect(&s)) {
                if let Some(w) = s.witness() {
                    return Some(w);
                }
            }
        }
        self.witness()
    }

    /// States of the automaton (a measure of how hard the set was to build).
    pub fn states(&self) -> usize {
        self.dfa.states()
    }
}
