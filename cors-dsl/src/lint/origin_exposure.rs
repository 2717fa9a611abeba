//! What each origin pattern of the policy accepts, asked once per lint run.
//!
//! The origin lints (`CORS101`–`CORS106`, `CORS115`, `CORS120`, `CORS121`–`CORS124`)
//! all read the same answers ([`Exposure`], from `origin::language`): building the
//! automata is the expensive part, so each distinct pattern is analysed once and the
//! answers are shared while [`with_answers`] runs.

use crate::model::OriginPattern;
use crate::origin::{Exposure, TooComplex};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

type Answers = FxHashMap<OriginPattern, Rc<Result<Exposure, TooComplex>>>;

thread_local! {
    static ANSWERS: RefCell<Option<Answers>> = const { RefCell::new(None) };
}

/// Runs `f` with answers shared between lints, then forgets them.
pub(crate) fn with_answers<T>(f: impl FnOnce() -> T) -> T {
    ANSWERS.with(|a| *a.borrow_mut() = Some(Answers::default()));
    let out = f();
    ANSWERS.with(|a| *a.borrow_mut() = None);
    out
}

/// What `pattern` accepts, or why that could not be worked out.
pub(crate) fn exposure(pattern: &OriginPattern) -> Rc<Result<Exposure, TooComplex>> {
    if let Some(hit) = ANSWERS.with(|a| a.borrow().as_ref().and_then(|m| m.get(pattern).cloned())) {
        return hit;
    }
    let answer = Rc::new(Exposure::of(pattern));
    ANSWERS.with(|a| {
        if let Some(m) = a.borrow_mut().as_mut() {
            m.insert(pattern.clone(), answer.clone());
        }
    });
    answer
}

/// The answers for `pattern` when they could be worked out.
pub(crate) fn answered(pattern: &OriginPattern) -> Option<Rc<Result<Exposure, TooComplex>>> {
    let e = exposure(pattern);
    e.is_ok().then_some(e)
}

/// How a finding names a pattern: "origin regex `…`" or "origin `…`".
pub(crate) fn describe(pattern: &OriginPattern) -> String {
    match pattern {
        OriginPattern::Regex(r) => format!("origin regex `{r}`"),
        p => format!("origin `{p}`"),
    }
}
