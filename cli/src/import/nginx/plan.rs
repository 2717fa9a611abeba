//! The requests a location's recipe and its imported policy are both sent, by
//! `--compare` (through the import's model of nginx) and `--verify` (through real
//! nginx): one generator, so the two checks ask the same questions.
//!
//! Origins: for every origin the imported policy names, what it accepts and what it
//! must not (the origin-language analysis: a readable witness, the witnesses of every
//! question [`Exposure`] answers yes to, look-alikes of each host it spells out), the
//! recipe's own samples of its regexes, a stranger and `null`. For each origin: a
//! read and a read of an upstream error (500), each with and without credentials, and
//! preflights: one per method the policy lists plus one it does not, one per request
//! header it lists plus one it does not (and `authorization` when `*` is listed: `*`
//! never covers it), each judged with and without credentials.

use crate::import::draft::{Draft, DraftOrigin};
use cors_dsl::origin::language::{probe, Exposure, OriginSet, Written};
use cors_dsl::origin::{parse_origin, OriginPattern};

/// Most origins asked per location (the witnesses of a large policy add up).
const MAX_ORIGINS: usize = 48;
/// A request header no recipe lists.
pub const UNLISTED_HEADER: &str = "x-corsc-unlisted";
/// Methods tried, in order, as the one the policy does not list.
const UNLISTED_METHODS: [&str; 4] = ["PATCH", "DELETE", "PUT", "PURGE"];

/// What one location is asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// `Origin` values.
    pub origins: Vec<String>,
    /// Methods asked for in preflights (none of them CORS-safelisted).
    pub methods: Vec<String>,
    /// Request header names asked for in preflights, lower-case.
    pub headers: Vec<String>,
}

/// What kind of request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `GET`, the application answering 200.
    Read,
    /// `GET`, the application answering 500.
    ReadError,
    /// A preflight for `method` with the unsafe request headers `headers`.
    Preflight {
        /// `Access-Control-Request-Method`.
        method: String,
        /// `Access-Control-Request-Headers`, lower-case and sorted as browsers send it.
        headers: Vec<String>,
    },
}

/// One request, as the page asks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The page's origin.
    pub origin: String,
    /// What it asks.
    pub kind: Kind,
    /// Credentials mode `include`.
    pub credentials: bool,
}

impl Case {
    /// `a preflight for PUT with x-a`, `a read of a 500 answer`, …, from `origin`.
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            Kind::Read => "a read".to_string(),
            Kind::ReadError => "a read of a 500 answer".to_string(),
            Kind::Preflight { method, headers } if headers.is_empty() => {
                format!("a preflight for {method}")
            }
            Kind::Preflight { method, headers } => {
                format!("a preflight for {method} with {}", headers.join(", "))
            }
        };
        format!(
            "{what} from `{}`{}",
            self.origin,
            if self.credentials { " with credentials" } else { "" }
        )
    }
}

impl Plan {
    /// The plan for `draft`'s rules, with the recipe's own sample origins.
    pub fn new(draft: &Draft, samples: &[String], stranger: &str) -> Plan {
        let mut origins = Vec::new();
        let mut methods = Vec::new();
        let mut headers = Vec::new();
        let mut star_headers = false;
        for rule in &draft.rules {
            for (o, _) in &rule.origins {
                origins.extend(origins_of(o));
            }
            for m in &rule.methods {
                if !matches!(m.as_str(), "GET" | "HEAD" | "POST" | "*") && !methods.contains(m) {
                    methods.push(m.clone());
                }
            }
            for h in &rule.headers {
                let h = h.to_ascii_lowercase();
                if h == "*" {
                    star_headers = true;
                } else if !headers.contains(&h) {
                    headers.push(h);
                }
            }
        }
        if let Some(m) = UNLISTED_METHODS.iter().find(|m| !methods.iter().any(|x| x == *m)) {
            methods.push((*m).to_string());
        }
        headers.push(UNLISTED_HEADER.into());
        if star_headers && !headers.iter().any(|h| h == "authorization") {
            headers.push("authorization".into());
        }
        for s in samples {
            // A regex sample without a scheme (`example\.com` searched for) stands for
            // the https origin.
            origins.push(if s.contains("://") { s.clone() } else { format!("https://{s}") });
        }
        origins.extend([stranger.to_string(), "null".into()]);
        // Only what a browser can send (an exact origin, or `null`), each once, in a
        // stable order.
        origins.retain(|o| {
            o == "null" || matches!(parse_origin(o), Ok(OriginPattern::Exact(e)) if e == *o)
        });
        origins.sort();
        origins.dedup();
        origins.truncate(MAX_ORIGINS);
        Plan { origins, methods, headers }
    }

    /// Every request, origin by origin; each origin's first case is its plain read.
    pub fn cases(&self) -> Vec<Case> {
        let mut out = Vec::new();
        for origin in &self.origins {
            let mut kinds = vec![Kind::Read, Kind::ReadError];
            for m in &self.methods {
                kinds.push(Kind::Preflight { method: m.clone(), headers: vec![] });
            }
            for h in &self.headers {
                kinds.push(Kind::Preflight { method: "GET".into(), headers: vec![h.clone()] });
            }
            for kind in kinds {
                for credentials in [false, true] {
                    out.push(Case { origin: origin.clone(), kind: kind.clone(), credentials });
                }
            }
        }
        out
    }
}

/// [`origins_uncached`], remembered: the automata behind the witnesses cost
/// milliseconds, and the locations of one configuration share their origins.
fn origins_of(o: &DraftOrigin) -> Vec<String> {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, Vec<String>>> =
            Default::default();
    }
    let key = format!("{o:?}");
    if let Some(hit) = SEEN.with(|s| s.borrow().get(&key).cloned()) {
        return hit;
    }
    let found = origins_uncached(o);
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        // Bounded: an import reads a handful of patterns, a fuzz run thousands.
        if s.len() > 4096 {
            s.clear();
        }
        s.insert(key, found.clone());
    });
    found
}

/// Origins that tell whether an origin statement is reproduced: what it accepts, and
/// what an attacker tries against it.
fn origins_uncached(o: &DraftOrigin) -> Vec<String> {
    let pattern = match o {
        DraftOrigin::Any | DraftOrigin::ReflectAny => return Vec::new(),
        DraftOrigin::Exact(e) => parse_origin(e),
        DraftOrigin::Pattern(p) => parse_origin(p),
        DraftOrigin::Regex { whole, .. } => Ok(OriginPattern::Regex(whole.clone())),
    };
    let Ok(pattern) = pattern else { return Vec::new() };
    let mut out = Vec::new();
    if let OriginPattern::Exact(e) = &pattern {
        out.push(e.clone());
    } else if let OriginPattern::Regex(re) = &pattern {
        out.extend(super::regex::samples(re, 4));
    }
    if let Ok(set) = OriginSet::from_pattern(&pattern) {
        if let Some(w) = probe::browser_origins()
            .and_then(|b| set.intersect(&b))
            .ok()
            .and_then(|s| s.readable_witness())
        {
            out.push(w);
        }
    }
    if let Ok(e) = Exposure::of(&pattern) {
        for found in [
            &e.every_origin,
            &e.null,
            &e.plain_http,
            &e.other_scheme,
            &e.lookalike,
            &e.outside_domain,
            &e.any_subdomain,
            &e.public_suffix,
            &e.shared_hosting,
        ]
        .into_iter()
        .flatten()
        {
            out.push(found.witness.clone());
        }
    }
    let written = Written::of(&pattern);
    let mut schemes: Vec<String> =
        written.schemes.into_iter().filter(|s| s == "http" || s == "https").collect();
    if schemes.is_empty() {
        schemes.push("https".into());
    }
    for host in &written.hosts {
        for scheme in &schemes {
            // The origin the author meant, then what imitates it.
            out.push(format!("{scheme}://{host}"));
            for h in probe::lookalike_examples(host) {
                out.push(format!("{scheme}://{h}"));
            }
        }
        out.push(format!("http://{host}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::draft::{At, DraftRule};

    fn draft(origin: DraftOrigin, methods: &[&str], headers: &[&str]) -> Draft {
        Draft {
            rules: vec![DraftRule {
                origins: vec![(origin, At::default())],
                methods: methods.iter().map(|s| s.to_string()).collect(),
                headers: headers.iter().map(|s| s.to_string()).collect(),
                ..DraftRule::default()
            }],
            ..Draft::default()
        }
    }

    #[test]
    fn a_regex_is_asked_its_witness_and_its_look_alikes() {
        let d = draft(
            DraftOrigin::Regex { whole: r"https://app.example\.com".into(), tight: None },
            &["GET", "PUT"],
            &["Content-Type"],
        );
        let p = Plan::new(&d, &[], "https://stranger.example");
        for want in [
            "https://app.example.com",
            "https://appxexample.com",
            "https://app.example.com.evil.net",
            "http://app.example.com",
            "https://stranger.example",
            "null",
        ] {
            assert!(p.origins.iter().any(|o| o == want), "{want} not in {:?}", p.origins);
        }
        assert_eq!(p.methods, ["PUT", "PATCH"]);
        assert_eq!(p.headers, ["content-type", UNLISTED_HEADER]);
    }

    #[test]
    fn star_headers_are_asked_authorization() {
        let d = draft(DraftOrigin::Any, &["DELETE", "PATCH"], &["*"]);
        let p = Plan::new(&d, &[], "https://stranger.example");
        assert_eq!(p.methods, ["DELETE", "PATCH", "PUT"]);
        assert_eq!(p.headers, [UNLISTED_HEADER, "authorization"]);
        assert_eq!(p.origins, ["https://stranger.example", "null"]);
        // Each origin: two reads and five preflights, with and without credentials.
        assert_eq!(p.cases().len(), 2 * 7 * 2);
        assert_eq!(p.cases()[0].kind, Kind::Read);
    }
}
