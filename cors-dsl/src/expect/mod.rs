//! Policy tests: every `expect` statement run against the compiled table.
//!
//! An expectation becomes the request(s) a browser would send (`walk.rs`: a preflight
//! or not, from the method, headers and credentials mode), each answered by
//! [`RuleTable::decide`] exactly as nginx answers it and judged by
//! [`crate::browser`]; an outcome that differs from the expected one is a `CORS201`
//! diagnostic saying what the policy does and which statement decides it
//! (`report.rs`), and one the policy leaves to the upstream is `CORS202`.
//!
//! Expectations live in the [`PolicySet`] only: they are never compiled into the
//! table, so they cost nothing at request time and a `.corsb` carries none.
//! [`crate::build`] runs them, so `corsc check`, `corsc compile`, `corsc test` and
//! `nginx -t` refuse a policy that breaks its own expectations.
//!
//! | file | job |
//! |---|---|
//! | `walk.rs` | the requests a browser sends for one expectation, and its verdicts |
//! | `report.rs` | a failed expectation as a diagnostic |

mod report;
mod walk;

use crate::diag::Diagnostic;
use crate::model::PolicySet;
use crate::table::RuleTable;
use report::Judged;

/// Runs every expectation of `set` against `table` (compiled from `set`); one
/// diagnostic per expectation that does not hold, in source order.
pub fn run(set: &PolicySet, table: &RuleTable) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &set.expectations {
        let policy = set.policies.iter().find(|p| p.name.node == e.policy.node);
        // The checker only accepts expectations about policies that exist.
        let (Some(policy), Some(id)) = (policy, table.policy_id(&e.policy.node)) else { continue };
        let judged = Judged { policy, table, id };
        if let Some(d) = judged.verdict(e, &walk::walk(table, id, e)) {
            out.push(d);
        }
    }
    out
}
