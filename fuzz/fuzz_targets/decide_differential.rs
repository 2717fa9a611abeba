//! `decide()` differential: a generated policy and requests, decided by the compiled
//! table and by the reference decider of `cors_fuzz::reference` (written from the
//! Fetch standard and docs/, sharing no code with cors-dsl). Any difference in the
//! decision, rule, status, reason, `Vary` or headers is a crash with both answers.
#![no_main]

use cors_fuzz::case::Case;
use libfuzzer_sys::fuzz_target;

use std::sync::atomic::{AtomicU64, Ordering};

/// Cases run and cases whose policy compiled (the others compare nothing), printed at
/// every power of two when `CORS_FUZZ_STATS` is set: a generator that makes mostly
/// refused policies would fuzz nothing.
static CASES: AtomicU64 = AtomicU64::new(0);
static COMPILED: AtomicU64 = AtomicU64::new(0);
/// Requests decided, and those allowed (an actual request or a preflight).
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static ALLOWED: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|case: Case| {
    let mut seen = |a: &cors_fuzz::reference::Answer| {
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        if a.decision.ends_with("allowed") {
            ALLOWED.fetch_add(1, Ordering::Relaxed);
        }
    };
    match cors_fuzz::compare::differential_counting(&case, &mut seen) {
        Ok(compiled) => {
            let n = CASES.fetch_add(1, Ordering::Relaxed) + 1;
            let c =
                COMPILED.fetch_add(u64::from(compiled), Ordering::Relaxed) + u64::from(compiled);
            if n.is_power_of_two() && std::env::var_os("CORS_FUZZ_STATS").is_some() {
                let (r, a) = (REQUESTS.load(Ordering::Relaxed), ALLOWED.load(Ordering::Relaxed));
                eprintln!("decide_differential: {n} cases, {c} policies compiled, {r} requests, {a} allowed");
            }
        }
        Err(e) => panic!("table and reference disagree\n{e}"),
    }
});
