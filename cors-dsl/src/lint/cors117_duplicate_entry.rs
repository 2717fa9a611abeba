//! CORS117 `duplicate-entry`: the same origin, method or header listed twice.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{AllowList, PolicySet};
use crate::span::{SourceMap, Spanned};
use rustc_hash::FxHashMap;

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

/// Reports every entry whose `key` equals an earlier entry's, in one pass (policies
/// with 10,000 origins are normal for multi-tenant sites).
fn report<'a, T: std::fmt::Display, K: std::hash::Hash + Eq>(
    sources: &SourceMap,
    what: &str,
    entries: &'a [Spanned<T>],
    key: impl Fn(&'a T) -> K,
    out: &mut Vec<Diagnostic>,
) {
    // Keys borrow from the entries where they can (origins): a million origins are not
    // copied to be compared.
    let mut seen: FxHashMap<K, &Spanned<T>> =
        FxHashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for (i, entry) in entries.iter().enumerate() {
        let first = *seen.entry(key(&entry.node)).or_insert(entry);
        if std::ptr::eq(first, entry) {
            continue;
        }
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
