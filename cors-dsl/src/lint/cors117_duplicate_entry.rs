//! CORS117 `duplicate-entry`: the same origin, method or header listed twice.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{AllowList, PolicySet};
use crate::span::{SourceMap, Spanned};
use rustc_hash::FxBuildHasher;
use std::collections::HashMap;
use std::hash::BuildHasher;

pub(crate) struct DuplicateEntry;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS117",
    "duplicate-entry",
    Severity::Info,
    "an origin, method or header listed twice in the same rule",
    "## Why is this bad?\n\
A repeated entry does nothing; often it is a typo for the entry that was meant \
(`https://app.example.com` twice where the second should have been `admin`). Origins are \
compared after normalisation (`HTTPS://App.Example.com:443` is `https://app.example.com`), \
header names case-insensitively, methods exactly.\n\n\
## Example\n```\norigin https://app.example.com https://APP.example.com;\nheaders X-Id x-id;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\nheaders X-Id;\n```\n",
);

impl Lint for DuplicateEntry {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            report(sources, "origin", &rule.origins, |o| o, out);
            report(sources, "method", rule.methods.node.entries(), |m: &String| m.clone(), out);
            for (what, list) in
                [("header", &rule.headers.node), ("exposed header", &rule.expose.node)]
            {
                let entries = match list {
                    AllowList::Any(v) | AllowList::List(v) => v,
                };
                report(sources, what, entries, |h: &String| h.to_ascii_lowercase(), out);
            }
        }
    }
}

/// Reports every entry whose `key` equals an earlier entry's, with the first such
/// entry (policies with a million origins are normal for multi-tenant platforms).
///
/// The entries are sorted by the hash of their key, so equal keys become neighbours:
/// sorting pairs of numbers and reading them in order is several times faster than a
/// hash map of a million entries, where every insertion is a cache miss (issue #13).
/// Keys with the same hash are told apart by comparing them: a few pairwise, a long
/// run (colliding on purpose, or many copies of one entry) through a map.
fn report<'a, T: std::fmt::Display, K: std::hash::Hash + Eq>(
    sources: &SourceMap,
    what: &str,
    entries: &'a [Spanned<T>],
    key: impl Fn(&'a T) -> K,
    out: &mut Vec<Diagnostic>,
) {
    // Keys borrow from the entries where they can (origins): a million origins are not
    // copied to be compared.
    let keys: Vec<K> = entries.iter().map(|e| key(&e.node)).collect();
    let mut order: Vec<(u64, usize)> =
        keys.iter().enumerate().map(|(i, k)| (FxBuildHasher.hash_one(k), i)).collect();
    order.sort_unstable();
    // (entry, its first equal) for every repeated entry.
    let mut repeated: Vec<(usize, usize)> = Vec::new();
    for run in order.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        // Sorted by index within the run: each entry's first equal comes before it.
        if run.len() <= SHORT_RUN {
            for (j, &(_, i)) in run.iter().enumerate() {
                if let Some(&(_, first)) = run[..j].iter().find(|(_, f)| keys[*f] == keys[i]) {
                    repeated.push((i, first));
                }
            }
        } else {
            let mut firsts: HashMap<&K, usize> = HashMap::with_capacity(run.len());
            for &(_, i) in run {
                let first = *firsts.entry(&keys[i]).or_insert(i);
                if first != i {
                    repeated.push((i, first));
                }
            }
        }
    }
    repeated.sort_unstable();
    for (i, first) in repeated {
        let (entry, first) = (&entries[i], &entries[first]);
        // The same span twice is one statement inherited, not a duplicate.
        if first.span == entry.span {
            continue;
        }
        let mut d =
            Diagnostic::new(CODE, entry.span, format!("{what} `{}` is listed twice", entry.node))
                .label("duplicate")
                .secondary(first.span, "first listed here")
                .help(format!("remove the second `{}`", entry.node));
        if let Some(span) = removal_span(sources, entries, i) {
            d = d.fix(span, "", "remove the duplicate");
        }
        out.push(d);
    }
}

/// Runs of equal hashes up to this long are compared pairwise.
const SHORT_RUN: usize = 8;
