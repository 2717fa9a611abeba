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

/// The automata against the matcher the module runs: for generated patterns and
/// origins (valid ones and near misses), [`OriginSet::contains`] must agree with
/// [`crate::origin::OriginIndex`], and every witness must be accepted by it.
#[cfg(test)]
mod agreement {
    use super::*;
    use crate::origin::{parse_origin, OriginIndex};
    use proptest::prelude::*;

    fn label() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "b", "x_y", "acme", "test", "xn--bcher-kva", "a-b", "0"])
            .prop_map(String::from)
    }

    fn host() -> impl Strategy<Value = String> {
        prop::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
    }

    fn scheme() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["https", "http", "ws", "chrome-extension"])
    }

    fn port() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["", ":*", ":8443", ":1", ":65535", ":443"]).prop_map(String::from)
    }

    fn regex() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            r"https://(.+\.)?acme\.test",
            r"https?://[a-z0-9-]+\.test(:[0-9]+)?",
            r"[a-z]+://a\.b",
            r"https://acme.test|null",
            r"(?i)HTTPS://A\.ACME\.TEST",
            r"https://.*",
            r"http://localhost:[0-9]{2,5}",
            r"https://\w+\.acme\.test",
        ])
        .prop_map(String::from)
    }

    /// Pattern text as a policy would write it, parsed the way the checker does.
    fn pattern() -> impl Strategy<Value = OriginPattern> {
        prop_oneof![
            8 => (scheme(), host(), port()).prop_map(|(s, h, p)| format!("{s}://{h}{p}")),
            8 => (scheme(), host(), port()).prop_map(|(s, h, p)| format!("{s}://*.{h}{p}")),
            1 => Just("null".to_string()),
            1 => Just("*".to_string()),
        ]
        .prop_filter_map("valid origin", |t| parse_origin(&t).ok())
        .boxed()
        .prop_union(regex().prop_map(OriginPattern::Regex).boxed())
    }

    /// Origins: well-formed ones over the same alphabet, and near misses (upper case,
    /// paths, bad ports, stray bytes, empty labels).
    fn origin() -> impl Strategy<Value = Vec<u8>> {
        let ports = prop::sample::select(vec![
            "", ":8443", ":1", ":65535", ":0", ":65536", ":080", ":", ":443",
        ]);
        prop_oneof![
            4 => (scheme(), prop::collection::vec(label(), 1..6), ports)
                .prop_map(|(s, l, p)| format!("{s}://{}{p}", l.join(".")).into_bytes()),
            1 => Just(b"null".to_vec()),
            1 => (scheme(), host()).prop_map(|(s, h)| format!("{s}://{h}/").into_bytes()),
            1 => (scheme(), host()).prop_map(|(s, h)| format!("{}://{h}", s.to_uppercase()).into_bytes()),
            1 => (host(), prop::num::u8::ANY, 0usize..20).prop_map(|(h, b, at)| {
                let mut o = format!("https://{h}").into_bytes();
                let at = at.min(o.len());
                o.insert(at, b);
                o
            }),
            1 => host().prop_map(|h| format!("https://{h}..test").into_bytes()),
            1 => prop::collection::vec(label(), 33..36)
                .prop_map(|l| format!("https://{}.acme.test", l.join(".")).into_bytes()),
        ]
    }

    /// Edges the generator rarely hits: the matcher's label limit, ports at the bounds.
    #[test]
    fn edges_agree_with_the_matcher() {
        for (pattern, origins) in
            [("https://*.acme.test", vec![32, 33]), ("https://*.acme.test:*", vec![32, 33])]
        {
            let p = vec![parse_origin(pattern).unwrap()];
            let (index, set) =
                (OriginIndex::build([p.iter()]).unwrap(), OriginSet::from_patterns(&p).unwrap());
            for labels in origins {
                let o = format!("https://{}acme.test", "a.".repeat(labels));
                assert_eq!(
                    set.contains(o.as_bytes()),
                    index.find(o.as_bytes()).is_some(),
                    "{pattern} {labels}"
                );
            }
            for port in ["", ":1", ":65535", ":65536", ":0", ":080"] {
                let o = format!("https://a.acme.test{port}");
                assert_eq!(
                    set.contains(o.as_bytes()),
                    index.find(o.as_bytes()).is_some(),
                    "{pattern} {o}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn contains_agrees_with_the_matcher(
            patterns in prop::collection::vec(pattern(), 1..4),
            origins in prop::collection::vec(origin(), 1..24),
        ) {
            let index = OriginIndex::build([patterns.iter()]).unwrap();
            let set = OriginSet::from_patterns(&patterns).unwrap();
            for o in &origins {
                prop_assert_eq!(
                    set.contains(o),
                    index.find(o).is_some(),
                    "patterns {:?}, origin {:?}", patterns, String::from_utf8_lossy(o)
                );
            }
            // Witnesses are real members, for the matcher too.
            let browser = set.intersect(&probe::browser_origins().unwrap()).unwrap();
            if let Some(w) = browser.readable_witness() {
                prop_assert!(index.find(w.as_bytes()).is_some(), "{:?}: witness {}", patterns, w);
                prop_assert!(crate::origin::OriginText::parse(&w).is_some() || w == "null", "{}", w);
            }
            for p in &patterns {
                if let Ok(e) = Exposure::of(p) {
                    let one = OriginIndex::build([[p]]).unwrap();
                    for f in [&e.null, &e.plain_http, &e.other_scheme, &e.lookalike, &e.outside_domain, &e.any_subdomain, &e.public_suffix, &e.shared_hosting].into_iter().flatten() {
                        prop_assert!(one.find(f.witness.as_bytes()).is_some(), "{}: {:?}", p, f);
                    }
                }
            }
        }

        /// Set algebra agrees with membership, string by string.
        #[test]
        fn operations_agree_with_membership(
            a in prop::collection::vec(pattern(), 1..3),
            b in prop::collection::vec(pattern(), 1..3),
            origins in prop::collection::vec(origin(), 1..24),
        ) {
            let (sa, sb) = (OriginSet::from_patterns(&a).unwrap(), OriginSet::from_patterns(&b).unwrap());
            let (and, or, minus) = (sa.intersect(&sb).unwrap(), sa.union(&sb).unwrap(), sa.difference(&sb).unwrap());
            let not_a = sa.complement();
            for o in &origins {
                let (x, y) = (sa.contains(o), sb.contains(o));
                prop_assert_eq!(and.contains(o), x && y);
                prop_assert_eq!(or.contains(o), x || y);
                prop_assert_eq!(minus.contains(o), x && !y);
                prop_assert_eq!(not_a.contains(o), !x);
            }
            if let Some(w) = and.witness() {
                prop_assert!(sa.contains(w.as_bytes()) && sb.contains(w.as_bytes()));
            } else {
                prop_assert!(and.is_empty());
            }
        }
    }
}
