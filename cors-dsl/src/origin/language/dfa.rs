//! A complete deterministic automaton over bytes, small enough to combine: the one
//! representation every [`super::OriginSet`] operation works on.
//!
//! `regex-automata` answers "does this string match" but cannot intersect or
//! complement two automata, so its dense DFA is copied into this table (reachable
//! states only, one explicit dead state) and products are built here, pair by pair,
//! from the start states: only reachable pairs are ever made, and every construction
//! stops at [`STATE_LIMIT`] instead of growing without bound.

use super::TooComplex;
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::Anchored;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// Most states one automaton (a regex's, or a product's) may have. A hand-written
/// origin regex needs tens; a few thousand already means `\w{1,50}`-style counting.
pub const STATE_LIMIT: usize = 4096;

/// Bytes the `regex-automata` builder may spend on one DFA (its own bound, checked
/// while it determinises, before [`STATE_LIMIT`] is).
const BUILD_SIZE_LIMIT: usize = 4 << 20;

/// The dead state: no string leads from it to acceptance. Always state 0.
const DEAD: u32 = 0;

/// The order in which a witness search tries bytes, so witnesses read like hosts:
/// `x` first (the classic stand-in for any character), then the other letters,
/// digits, `-`, `.`, then everything else in byte order.
const PREFERRED: &[u8] = b"xabcdefghijklmnopqrstuvwyz0123456789-._:/";

/// A complete DFA over bytes, its alphabet compressed into classes of bytes that no
/// transition tells apart: `trans[state * stride + class[byte]]`, `accept[state]`.
#[derive(Clone, Debug)]
pub(crate) struct Dfa {
    /// Byte → class.
    class: Box<[u8; 256]>,
    /// For each class, the byte a witness uses for it (the most [`PREFERRED`]).
    rep: Vec<u8>,
    trans: Vec<u32>,
    accept: Vec<bool>,
    start: u32,
}

/// Bytes that no transition tells apart, from a function naming each byte's class.
fn classes(key: impl Fn(u8) -> u64) -> (Box<[u8; 256]>, Vec<u8>) {
    let mut class = Box::new([0u8; 256]);
    let mut keys: Vec<u64> = Vec::new();
    let mut rep: Vec<u8> = Vec::new();
    let rank =
        |b: u8| PREFERRED.iter().position(|&p| p == b).unwrap_or(PREFERRED.len() + b as usize);
    for byte in 0..=255u8 {
        let k = key(byte);
        let id = match keys.iter().position(|&x| x == k) {
            Some(id) => id,
            None => {
                keys.push(k);
                rep.push(byte);
                keys.len() - 1
            }
        };
        class[byte as usize] = id as u8;
        if let Some(r) = rep.get_mut(id) {
            if rank(byte) < rank(*r) {
                *r = byte;
            }
        }
    }
    (class, rep)
}

impl Dfa {
    fn with_alphabet(class: Box<[u8; 256]>, rep: Vec<u8>) -> Dfa {
        let stride = rep.len();
        Dfa { class, rep, trans: vec![DEAD; stride], accept: vec![false], start: DEAD }
    }

    /// The empty language.
    pub(crate) fn nothing() -> Dfa {
        let (class, rep) = classes(|_| 0);
        Dfa::with_alphabet(class, rep)
    }

    /// Every byte string.
    pub(crate) fn everything() -> Dfa {
        let mut d = Dfa::nothing();
        d.trans.push(1);
        d.accept.push(true);
        d.start = 1;
        d
    }

    /// Number of states, the dead one included.
    pub(crate) fn states(&self) -> usize {
        self.accept.len()
    }

    fn stride(&self) -> usize {
        self.rep.len()
    }

    fn next_class(&self, state: u32, class: usize) -> u32 {
        self.trans.get(state as usize * self.stride() + class).copied().unwrap_or(DEAD)
    }

    fn next(&self, state: u32, byte: u8) -> u32 {
        self.next_class(state, self.class[byte as usize] as usize)
    }

    fn accepting(&self, state: u32) -> bool {
        self.accept.get(state as usize).copied().unwrap_or(false)
    }

    /// Adds a state (all moves dead for now), or fails past [`STATE_LIMIT`].
    fn push_state(&mut self, accepting: bool) -> Result<u32, TooComplex> {
        if self.accept.len() >= STATE_LIMIT {
            return Err(TooComplex(format!("more than {STATE_LIMIT} states")));
        }
        self.accept.push(accepting);
        self.trans.extend(std::iter::repeat_n(DEAD, self.stride()));
        Ok(self.accept.len() as u32 - 1)
    }

    fn set(&mut self, from: u32, class: usize, to: u32) {
        let stride = self.stride();
        if let Some(slot) = self.trans.get_mut(from as usize * stride + class) {
            *slot = to;
        }
    }

    /// The strings `\A(?:source)\z` matches, compiled as `syntax` says.
    pub(crate) fn from_regex(source: &str, syntax: syntax::Config) -> Result<Dfa, TooComplex> {
        let too_complex = |e: &dyn std::fmt::Display| TooComplex(e.to_string());
        let config = dense::Config::new()
            .start_kind(StartKind::Anchored)
            .minimize(false)
            .accelerate(false)
            .dfa_size_limit(Some(BUILD_SIZE_LIMIT))
            .determinize_size_limit(Some(BUILD_SIZE_LIMIT));
        let nfa = thompson::Config::new()
            .nfa_size_limit(Some(crate::origin::REGEX_SIZE_LIMIT))
            .which_captures(thompson::WhichCaptures::None)
            .shrink(false);
        let ra = dense::Builder::new()
            .configure(config)
            .syntax(syntax)
            .thompson(nfa)
            .build(&crate::origin::anchor(source))
            .map_err(|e| too_complex(&e))?;
        let ra_start = ra
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|e| too_complex(&e))?;
        let ra_classes = *ra.byte_classes();
        let (class, rep) = classes(|b| u64::from(ra_classes.get(b)));

        // Copy the reachable part breadth first; their state 0 need not be dead, so
        // ids are renumbered and the dead state is ours.
        let mut dfa = Dfa::with_alphabet(class, rep.clone());
        let mut ids: FxHashMap<StateID, u32> = FxHashMap::default();
        let mut order: Vec<(StateID, u32)> = Vec::new();
        let mut intern = |s: StateID, dfa: &mut Dfa, order: &mut Vec<_>| {
            if ra.is_dead_state(s) {
                return Ok(DEAD);
            }
            if ra.is_quit_state(s) {
                return Err(TooComplex("the regex needs look-around the DFA cannot do".into()));
            }
            if let Some(&id) = ids.get(&s) {
                return Ok(id);
            }
            let id = dfa.push_state(ra.is_match_state(ra.next_eoi_state(s)))?;
            ids.insert(s, id);
            order.push((s, id));
            Ok(id)
        };
        dfa.start = intern(ra_start, &mut dfa, &mut order)?;
        let mut done = 0;
        while let Some(&(s, from)) = order.get(done) {
            for (c, &byte) in rep.iter().enumerate() {
                let to = intern(ra.next_state(s, byte), &mut dfa, &mut order)?;
                dfa.set(from, c, to);
            }
            done += 1;
        }
        Ok(dfa)
    }

    /// Whether the automaton accepts `input`.
    pub(crate) fn accepts(&self, input: &[u8]) -> bool {
        let end = input.iter().try_fold(self.start, |s, &b| {
            let t = self.next(s, b);
            (t != DEAD).then_some(t)
        });
        end.is_some_and(|s| self.accepting(s))
    }

    /// Every byte string this one rejects.
    pub(crate) fn complement(&self) -> Dfa {
        // Complete already (missing moves go to the dead state), so flipping acceptance
        // is enough, except that the dead state now accepts and is no longer dead: it
        // becomes a fresh accept-everything state and state 0 stays a real dead one.
        let n = self.states() as u32;
        let stride = self.stride();
        let remap = |s: u32| if s == DEAD { n } else { s };
        let mut trans: Vec<u32> = self.trans.iter().map(|&t| remap(t)).collect();
        trans.iter_mut().take(stride).for_each(|t| *t = DEAD);
        trans.extend(std::iter::repeat_n(n, stride));
        let mut accept: Vec<bool> = self.accept.iter().map(|a| !a).collect();
        if let Some(a) = accept.first_mut() {
            *a = false;
        }
        accept.push(true);
        Dfa {
            class: self.class.clone(),
            rep: self.rep.clone(),
            trans,
            accept,
            start: remap(self.start),
        }
    }

    /// The product automaton accepting what `keep(self accepts, other accepts)` says.
    pub(crate) fn product(
        &self,
        other: &Dfa,
        keep: impl Fn(bool, bool) -> bool,
    ) -> Result<Dfa, TooComplex> {
        let (class, rep) = classes(|b| {
            u64::from(self.class[b as usize]) << 8 | u64::from(other.class[b as usize])
        });
        // Each joint class as the pair of classes it refines.
        let pairs: Vec<(usize, usize)> = rep
            .iter()
            .map(|&b| (self.class[b as usize] as usize, other.class[b as usize] as usize))
            .collect();
        // Pair (dead, dead) is our dead state; other pairs with a dead half stay live
        // (a union goes on), so they are real states.
        let mut dfa = Dfa::with_alphabet(class, rep);
        let mut ids: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        ids.insert((DEAD, DEAD), DEAD);
        let mut queue = VecDeque::new();
        let mut intern = |pair: (u32, u32), dfa: &mut Dfa, queue: &mut VecDeque<_>| {
            if let Some(&id) = ids.get(&pair) {
                return Ok(id);
            }
            let id = dfa.push_state(keep(self.accepting(pair.0), other.accepting(pair.1)))?;
            ids.insert(pair, id);
            queue.push_back((pair, id));
            Ok::<u32, TooComplex>(id)
        };
        dfa.start = intern((self.start, other.start), &mut dfa, &mut queue)?;
        while let Some(((a, b), id)) = queue.pop_front() {
            for (c, &(ca, cb)) in pairs.iter().enumerate() {
                let pair = (self.next_class(a, ca), other.next_class(b, cb));
                let to = intern(pair, &mut dfa, &mut queue)?;
                dfa.set(id, c, to);
            }
        }
        Ok(dfa.trimmed())
    }

    /// The same language with states that cannot reach acceptance merged into the
    /// dead state (so emptiness and finiteness read straight off the graph).
    fn trimmed(mut self) -> Dfa {
        let live = self.co_reachable();
        for t in &mut self.trans {
            if !live.get(*t as usize).copied().unwrap_or(false) {
                *t = DEAD;
            }
        }
        if !live.get(self.start as usize).copied().unwrap_or(false) {
            self.start = DEAD;
        }
        self
    }

    /// For each state, whether some path from it reaches an accepting state.
    fn co_reachable(&self) -> Vec<bool> {
        let n = self.states();
        let mut reverse: Vec<Vec<u32>> = vec![Vec::new(); n];
        for from in 0..n as u32 {
            for c in 0..self.stride() {
                let to = self.next_class(from, c) as usize;
                if let Some(r) = reverse.get_mut(to) {
                    if r.last() != Some(&from) {
                        r.push(from);
                    }
                }
            }
        }
        let mut live = self.accept.clone();
        let mut stack: Vec<u32> = (0..n as u32).filter(|&s| self.accepting(s)).collect();
        while let Some(s) = stack.pop() {
            for &p in reverse.get(s as usize).into_iter().flatten() {
                if let Some(l) = live.get_mut(p as usize) {
                    if !*l {
                        *l = true;
                        stack.push(p);
                    }
                }
            }
        }
        live
    }

    /// Whether no string is accepted.
    pub(crate) fn is_empty(&self) -> bool {
        self.witness().is_none()
    }

    /// A shortest accepted string; among moves, classes are tried by their most
    /// [`PREFERRED`] byte, so witnesses read like hosts.
    pub(crate) fn witness(&self) -> Option<Vec<u8>> {
        let rank =
            |b: u8| PREFERRED.iter().position(|&p| p == b).unwrap_or(PREFERRED.len() + b as usize);
        let mut order: Vec<usize> = (0..self.stride()).collect();
        order.sort_by_key(|&c| self.rep.get(c).map_or(usize::MAX, |&b| rank(b)));
        let mut parent: FxHashMap<u32, (u32, u8)> = FxHashMap::default();
        let mut queue = VecDeque::from([self.start]);
        let mut seen = vec![false; self.states()];
        *seen.get_mut(self.start as usize)? = true;
        while let Some(s) = queue.pop_front() {
            if self.accepting(s) {
                let mut out = Vec::new();
                let mut at = s;
                while let Some(&(p, b)) = parent.get(&at) {
                    out.push(b);
                    at = p;
                }
                out.reverse();
                return Some(out);
            }
            for &c in &order {
                let t = self.next_class(s, c);
                if t != DEAD && !seen.get(t as usize).copied().unwrap_or(true) {
                    if let Some(v) = seen.get_mut(t as usize) {
                        *v = true;
                    }
                    parent.insert(t, (s, self.rep.get(c).copied().unwrap_or(0)));
                    queue.push_back(t);
                }
            }
        }
        None
    }

    /// Whether infinitely many strings are accepted: a cycle among the states that are
    /// both reachable and live.
    pub(crate) fn is_infinite(&self) -> bool {
        let live = self.co_reachable();
        let useful = |s: u32| s != DEAD && live.get(s as usize).copied().unwrap_or(false);
        if !useful(self.start) {
            return false;
        }
        // Iterative depth-first search with colours: grey on the stack, black done.
        #[derive(Clone, Copy, PartialEq)]
        enum Colour {
            White,
            Grey,
            Black,
        }
        let mut colour = vec![Colour::White; self.states()];
        let mut stack: Vec<(u32, usize)> = vec![(self.start, 0)];
        if let Some(c) = colour.get_mut(self.start as usize) {
            *c = Colour::Grey;
        }
        while let Some(top) = stack.last_mut() {
            let (s, next_class) = *top;
            if next_class >= self.stride() {
                if let Some(c) = colour.get_mut(s as usize) {
                    *c = Colour::Black;
                }
                stack.pop();
                continue;
            }
            top.1 += 1;
            let t = self.next_class(s, next_class);
            if !useful(t) {
                continue;
            }
            match colour.get(t as usize) {
                Some(Colour::Grey) => return true,
                Some(Colour::White) => {
                    if let Some(c) = colour.get_mut(t as usize) {
                        *c = Colour::Grey;
                    }
                    stack.push((t, 0));
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(source: &str) -> Dfa {
        Dfa::from_regex(source, syntax::Config::new()).unwrap()
    }

    #[test]
    fn accepts_whole_strings_only() {
        let d = re(r"ab+c");
        for (input, want) in [
            ("abc", true),
            ("abbbc", true),
            ("ac", false),
            ("xabc", false),
            ("abcx", false),
            ("", false),
        ] {
            assert_eq!(d.accepts(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn boolean_operations() {
        let a = re(r"[a-c]+");
        let b = re(r"[b-d]+");
        let both = a.product(&b, |x, y| x && y).unwrap();
        let only_a = a.product(&b, |x, y| x && !y).unwrap();
        let not_a = a.complement();
        for s in ["", "a", "b", "bc", "d", "ad", "abcd", "x"] {
            let (ia, ib) = (a.accepts(s.as_bytes()), b.accepts(s.as_bytes()));
            assert_eq!(both.accepts(s.as_bytes()), ia && ib, "and {s:?}");
            assert_eq!(only_a.accepts(s.as_bytes()), ia && !ib, "diff {s:?}");
            assert_eq!(not_a.accepts(s.as_bytes()), !ia, "not {s:?}");
        }
        assert!(!both.is_empty());
        assert!(re("a").product(&re("b"), |x, y| x && y).unwrap().is_empty());
        assert!(Dfa::nothing().is_empty());
        assert!(Dfa::everything().accepts(b"\xff\x00"));
        assert!(Dfa::everything().complement().is_empty());
    }

    #[test]
    fn witnesses_are_shortest_and_accepted() {
        for source in [r"https://[a-z]+\.example", "null|https://a", r"x{3}y", r"(ab|c)+d"] {
            let d = re(source);
            let w = d.witness().unwrap();
            assert!(d.accepts(&w), "{source}: {w:?}");
        }
        assert_eq!(re("null|https://a").witness().as_deref(), Some(&b"null"[..]));
        assert_eq!(re(r"[a-z]+\.test").witness().as_deref(), Some(&b"x.test"[..]));
    }

    #[test]
    fn finiteness() {
        for (source, infinite) in [
            ("a|b", false),
            ("a+", true),
            ("(www\\.)?x\\.com", false),
            ("[a-z]{1,3}", false),
            (".*\\.com", true),
        ] {
            assert_eq!(re(source).is_infinite(), infinite, "{source}");
        }
        assert!(!Dfa::nothing().is_infinite());
    }

    #[test]
    fn size_is_bounded() {
        let err = Dfa::from_regex(r"[a-z]{1,5000}", syntax::Config::new());
        assert!(err.is_err(), "{err:?}");
    }
}
