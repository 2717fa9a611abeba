//! What one rule grants the origins it decides, in the terms a browser sees, and how
//! two grants differ.
//!
//! Spelling is normalised away: methods browsers never preflight (`GET`, `HEAD`,
//! `POST`) and never send (`CONNECT`, …) are dropped, request headers scripts may not
//! set (`Cookie`, `Sec-*`) and response headers scripts can always (`Content-Type`) or
//! never (`Set-Cookie`) read are dropped, header names compare case-insensitively, and
//! `*` means what it means to a browser: every header but `Authorization` in
//! `headers`, and in `expose` every header without credentials but a header literally
//! named `*` with them.

use crate::fetch::{
    is_forbidden_method, is_forbidden_request_header, FORBIDDEN_RESPONSE_HEADERS,
    SAFELISTED_METHODS, SAFELISTED_RESPONSE_HEADERS,
};
use crate::model::{AllowList, Rule};
use serde::Serialize;
use std::collections::BTreeMap;

/// A set of names that is either finite or everything but a few: `*` is the second.
/// Keys are the compared form (lower case for headers); values are shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameSet {
    /// Exactly these.
    Only(BTreeMap<String, String>),
    /// Every name but these (`*`, with its exceptions).
    AllBut(BTreeMap<String, String>),
}

impl NameSet {
    /// Whether the set has no name at all.
    pub fn is_empty(&self) -> bool {
        matches!(self, NameSet::Only(m) if m.is_empty())
    }

    /// Whether the set holds `key`.
    pub fn contains(&self, key: &str) -> bool {
        match self {
            NameSet::Only(m) => m.contains_key(key),
            NameSet::AllBut(m) => !m.contains_key(key),
        }
    }

    /// Names in `self` that are not in `other`.
    pub fn minus(&self, other: &NameSet) -> NameSet {
        use NameSet::{AllBut, Only};
        let keep = |a: &BTreeMap<String, String>, f: &dyn Fn(&String) -> bool| {
            a.iter().filter(|(k, _)| f(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        match (self, other) {
            (Only(a), Only(b)) => Only(keep(a, &|k| !b.contains_key(k))),
            (Only(a), AllBut(x)) => Only(keep(a, &|k| x.contains_key(k))),
            (AllBut(x), Only(b)) => {
                let mut out = x.clone();
                out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
                AllBut(out)
            }
            (AllBut(x), AllBut(y)) => Only(keep(y, &|k| !x.contains_key(k))),
        }
    }
}

/// `{"kind": "only" | "all_but", "names": [shown names]}`.
impl Serialize for NameSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (kind, names) = match self {
            NameSet::Only(m) => ("only", m),
            NameSet::AllBut(m) => ("all_but", m),
        };
        let mut out = s.serialize_struct("NameSet", 2)?;
        out.serialize_field("kind", kind)?;
        out.serialize_field("names", &names.values().collect::<Vec<_>>())?;
        out.end()
    }
}

/// What a rule grants, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Grants {
    /// Methods a preflight may ask for, beyond the safelisted ones.
    pub methods: NameSet,
    /// Request headers a preflight may ask for (lower-case keys).
    pub headers: NameSet,
    /// Response headers scripts may read beyond the safelisted ones (lower-case keys).
    pub expose: NameSet,
    /// `credentials on`.
    pub credentials: bool,
    /// `max-age`, in seconds; `None` leaves it to the browser (5 s).
    pub max_age: Option<u32>,
    /// `private-network on`.
    pub private_network: bool,
}

impl Grants {
    /// What `rule` grants.
    pub fn of(rule: &Rule) -> Grants {
        let credentials = rule.credentials.node;
        let methods = names(
            &rule.methods.node,
            |m| !SAFELISTED_METHODS.contains(&m) && !is_forbidden_method(m.as_bytes()),
            |m| m.to_string(),
            &[],
        );
        let headers = names(
            &rule.headers.node,
            |h| !is_forbidden_request_header(h),
            str::to_ascii_lowercase,
            &["authorization"],
        );
        let readable = |h: &str| {
            let h = h.to_ascii_lowercase();
            !SAFELISTED_RESPONSE_HEADERS.contains(&h.as_str())
                && !FORBIDDEN_RESPONSE_HEADERS.contains(&h.as_str())
        };
        let expose = match &rule.expose.node {
            // With credentials, browsers read `*` in Access-Control-Expose-Headers as a
            // header named `*`, which exposes nothing.
            AllowList::Any(listed) if credentials => {
                names(&AllowList::List(listed.clone()), readable, str::to_ascii_lowercase, &[])
            }
            list => names(list, readable, str::to_ascii_lowercase, &[]),
        };
        Grants {
            methods,
            headers,
            expose,
            credentials,
            max_age: rule.max_age.as_ref().map(|m| m.node),
            private_network: rule.private_network.node,
        }
    }
}

/// An allow list as a [`NameSet`]: entries that `counts` keeps, under `key`; `*` is
/// everything but `never` (names `*` does not cover), unless they are listed too.
fn names(
    list: &AllowList<String>,
    counts: impl Fn(&str) -> bool,
    key: impl Fn(&str) -> String,
    never: &[&str],
) -> NameSet {
    let listed: BTreeMap<String, String> = list
        .entries()
        .iter()
        .map(|e| e.node.as_str())
        .filter(|n| counts(n))
        .map(|n| (key(n), n.to_string()))
        .collect();
    if list.is_any() {
        let except = never
            .iter()
            .filter(|n| !listed.contains_key(**n))
            .map(|n| (n.to_string(), display_name(n)))
            .collect();
        NameSet::AllBut(except)
    } else {
        NameSet::Only(listed)
    }
}

/// `authorization` → `Authorization`, for names we write ourselves.
fn display_name(lower: &str) -> String {
    lower
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next().map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// One way two grants differ, with what it does to access.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantChange {
    /// Methods now allowed (`gained`) or no longer allowed.
    Methods {
        /// Allowed now, not before (else the reverse).
        gained: bool,
        /// Which.
        names: NameSet,
        /// Names an [`NameSet::AllBut`] leaves out because both sides allow them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        kept: Vec<String>,
    },
    /// Request headers now allowed or no longer allowed.
    Headers {
        /// Allowed now, not before (else the reverse).
        gained: bool,
        /// Which.
        names: NameSet,
        /// Names an [`NameSet::AllBut`] leaves out because both sides allow them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        kept: Vec<String>,
    },
    /// Response headers now readable by scripts, or no longer.
    Expose {
        /// Readable now, not before (else the reverse).
        gained: bool,
        /// Which.
        names: NameSet,
        /// Names an [`NameSet::AllBut`] leaves out because both sides allow them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        kept: Vec<String>,
    },
    /// `credentials` switched.
    Credentials {
        /// On now.
        now: bool,
    },
    /// `private-network` switched.
    PrivateNetwork {
        /// On now.
        now: bool,
    },
    /// `max-age` changed: how long browsers cache the preflight's answer.
    MaxAge {
        /// Before (seconds; `None`: unset).
        old: Option<u32>,
        /// Now.
        new: Option<u32>,
    },
}

impl GrantChange {
    /// Whether the change lets browsers do more (else less, or the same).
    pub fn widens(&self) -> Option<bool> {
        match self {
            GrantChange::Methods { gained, .. }
            | GrantChange::Headers { gained, .. }
            | GrantChange::Expose { gained, .. } => Some(*gained),
            GrantChange::Credentials { now } | GrantChange::PrivateNetwork { now } => Some(*now),
            // Caching an answer longer changes when a browser asks again, not what it
            // may do.
            GrantChange::MaxAge { .. } => None,
        }
    }

    /// Whether the change is about preflights only (so moot while the upstream
    /// answers them: `preflight pass`).
    pub fn preflight_only(&self) -> bool {
        matches!(
            self,
            GrantChange::Methods { .. }
                | GrantChange::Headers { .. }
                | GrantChange::PrivateNetwork { .. }
                | GrantChange::MaxAge { .. }
        )
    }
}

/// How `new` differs from `old`, in a fixed order (credentials first: it matters most).
pub fn compare(old: &Grants, new: &Grants) -> Vec<GrantChange> {
    let mut out = Vec::new();
    if old.credentials != new.credentials {
        out.push(GrantChange::Credentials { now: new.credentials });
    }
    type Make = fn(bool, NameSet, Vec<String>) -> GrantChange;
    let lists: [(&NameSet, &NameSet, Make); 3] = [
        (&old.methods, &new.methods, |gained, names, kept| GrantChange::Methods {
            gained,
            names,
            kept,
        }),
        (&old.headers, &new.headers, |gained, names, kept| GrantChange::Headers {
            gained,
            names,
            kept,
        }),
        (&old.expose, &new.expose, |gained, names, kept| GrantChange::Expose {
            gained,
            names,
            kept,
        }),
    ];
    for (o, n, make) in lists {
        let kept = |d: &NameSet| match d {
            NameSet::AllBut(x) => x
                .iter()
                .filter(|(k, _)| o.contains(k) && n.contains(k))
                .map(|(_, v)| v.clone())
                .collect(),
            NameSet::Only(_) => Vec::new(),
        };
        let gained = n.minus(o);
        if !gained.is_empty() {
            let k = kept(&gained);
            out.push(make(true, gained, k));
        }
        let lost = o.minus(n);
        if !lost.is_empty() {
            let k = kept(&lost);
            out.push(make(false, lost, k));
        }
    }
    if old.private_network != new.private_network {
        out.push(GrantChange::PrivateNetwork { now: new.private_network });
    }
    if old.max_age != new.max_age {
        out.push(GrantChange::MaxAge { old: old.max_age, new: new.max_age });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(names: &[&str]) -> NameSet {
        NameSet::Only(names.iter().map(|n| (n.to_string(), n.to_string())).collect())
    }
    fn all_but(names: &[&str]) -> NameSet {
        NameSet::AllBut(names.iter().map(|n| (n.to_string(), n.to_string())).collect())
    }

    #[test]
    fn set_difference_covers_every_shape() {
        assert_eq!(only(&["a", "b"]).minus(&only(&["b"])), only(&["a"]));
        assert_eq!(only(&["a", "b"]).minus(&all_but(&["b"])), only(&["b"]));
        assert_eq!(all_but(&["a"]).minus(&only(&["b"])), all_but(&["a", "b"]));
        assert_eq!(all_but(&["a"]).minus(&all_but(&["a", "b"])), only(&["b"]));
        assert!(all_but(&["a"]).minus(&all_but(&["a"])).is_empty());
        assert!(!all_but(&[]).minus(&only(&["x"])).is_empty());
    }

    #[test]
    fn display_names() {
        assert_eq!(display_name("authorization"), "Authorization");
        assert_eq!(display_name("x-api-key"), "X-Api-Key");
    }
}
