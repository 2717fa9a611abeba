//! What each origin pattern of the policy accepts, asked once per lint run.
//!
//! The origin lints (`CORS101`–`CORS106`, `CORS115`, `CORS120`, `CORS121`–`CORS124`)
//! all read the same answers ([`Exposure`], from `origin::language`): building the
//! automata is the expensive part, so each distinct pattern is analysed once and the
//! answers are shared while [`with_answers`] runs.

use super::support::each_origin;
use crate::model::OriginPattern;
use crate::model::PolicySet;
use crate::origin::{Exposure, TooComplex};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::rc::Rc;

type Answers = FxHashMap<OriginPattern, Result<Rc<Exposure>, TooComplex>>;

thread_local! {
    static ANSWERS: RefCell<Option<Answers>> = const { RefCell::new(None) };
    /// The exact origins of the set being linted that have something to report (see
    /// [`answered`]); `None` outside [`with_answers`].
    static NOTEWORTHY_EXACT: RefCell<Option<FxHashSet<String>>> = const { RefCell::new(None) };
}

/// Runs `f` with answers shared between lints, then forgets them. The exact origins of
/// `set` are sorted out first, once: the few that have something to report are kept,
/// so each origin lint asks about a million others in one (usually skipped) lookup.
pub(crate) fn with_answers<T>(set: &PolicySet, f: impl FnOnce() -> T) -> T {
    let noteworthy: FxHashSet<String> = each_origin(set)
        .filter_map(|(_, o)| match &o.node {
            OriginPattern::Exact(e) if Exposure::exact_has_answers(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    ANSWERS.with(|a| *a.borrow_mut() = Some(Answers::default()));
    NOTEWORTHY_EXACT.with(|n| *n.borrow_mut() = Some(noteworthy));
    let out = f();
    ANSWERS.with(|a| *a.borrow_mut() = None);
    NOTEWORTHY_EXACT.with(|n| *n.borrow_mut() = None);
    out
}

/// Whether the exact origin `origin` has something to report: looked up among the
/// set's when [`with_answers`] sorted them out, else asked.
fn exact_has_answers(origin: &str) -> bool {
    NOTEWORTHY_EXACT.with(|n| match n.borrow().as_ref() {
        Some(set) => !set.is_empty() && set.contains(origin),
        None => Exposure::exact_has_answers(origin),
    })
}

/// What `pattern` accepts, or why that could not be worked out.
pub(crate) fn exposure(pattern: &OriginPattern) -> Result<Rc<Exposure>, TooComplex> {
    if let Some(hit) = ANSWERS.with(|a| a.borrow().as_ref().and_then(|m| m.get(pattern).cloned())) {
        return hit;
    }
    let answer = Exposure::of(pattern).map(Rc::new);
    ANSWERS.with(|a| {
        if let Some(m) = a.borrow_mut().as_mut() {
            m.insert(pattern.clone(), answer.clone());
        }
    });
    answer
}

/// The answers for `pattern` when they could be worked out and say something.
///
/// An exact origin that has nothing to report (the common case: a tenants list of a
/// million `https://` origins) answers `None` after two allocation-free membership
/// tests, without entering the shared answers: every origin lint asks about every
/// origin, and keeping a million answers would cost more than the policy itself.
///
/// An exact origin's answers are read off its text without building anything, so they
/// are worked out on each ask and not kept: 140,000 plain-`http` tenants kept 230 MB
/// of shared answers that no other pattern could reuse.
pub(crate) fn answered(pattern: &OriginPattern) -> Option<Rc<Exposure>> {
    match pattern {
        OriginPattern::Exact(origin) if !exact_has_answers(origin) => None,
        OriginPattern::Exact(_) => Exposure::of(pattern).ok().map(Rc::new),
        _ => exposure(pattern).ok(),
    }
}

/// How a finding names a pattern: "origin regex `…`" or "origin `…`".
pub(crate) fn describe(pattern: &OriginPattern) -> String {
    match pattern {
        OriginPattern::Regex(r) => format!("origin regex `{r}`"),
        p => format!("origin `{p}`"),
    }
}
