//! `decide()` differential: a generated policy and requests, decided by the compiled
//! table and by the reference decider of `cors_fuzz::reference` (written from the
//! Fetch standard and docs/, sharing no code with cors-dsl). Any difference in the
//! decision, rule, status, reason, `Vary` or headers is a crash with both answers.
#![no_main]

use cors_fuzz::case::Case;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: Case| {
    if let Err(e) = cors_fuzz::compare::differential(&case) {
        panic!("table and reference disagree\n{e}");
    }
});
