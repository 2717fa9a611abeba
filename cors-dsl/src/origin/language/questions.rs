//! The questions asked of one origin pattern, each answered by intersecting what the
//! pattern accepts with a probe language ([`super::probe`]) and, when the answer is
//! yes, a concrete origin the pattern accepts as evidence.
//!
//! The same questions are asked of every spelling (`https://*.acme.test` and
//! `~ "https://(.+\.)?acme\.test"` get the same answers), so a linter, `corsc diff`
//! or `corsc import` can speak about what a policy accepts rather than how it is
//! written. An exact origin is one string: its answers are membership tests.

use super::domain::{is_public_suffix, registrable_domain, shared_host};
use super::grammar::{lit, LABEL};
use super::probe::{self, USUAL_SCHEMES};
use super::written::Written;
use super::{OriginSet, TooComplex};
use crate::origin::{OriginPattern, OriginText, PortPattern};

/// A yes: what it is about (a scheme, a host, a domain, a suffix) and an origin the
/// pattern accepts that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// What the answer concerns: the written host a look-alike imitates, the domain
    /// whose subdomains are accepted, the public suffix, the scheme, …
    pub about: String,
    /// A browser origin the pattern accepts.
    pub witness: String,
}

/// Everything the canonical questions found about one pattern. `None` is a proven
/// no (within the browser origins), not a guess.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    /// What the pattern spells out.
    pub written: Written,
    /// Accepts every `https` (or every `http`) origin on a domain name. `about` is
    /// the scheme.
    pub every_origin: Option<Found>,
    /// Accepts `null`.
    pub null: Option<Found>,
    /// Accepts a plain-`http` origin that is not the local machine.
    pub plain_http: Option<Found>,
    /// Accepts a scheme it does not spell out, other than `http`/`https` (which have
    /// their own question). `about` is the scheme.
    pub other_scheme: Option<Found>,
    /// Accepts a look-alike of a host it spells out (`shop.acme.test.evil.net`,
    /// `evilshop.acme.test`, `shopxacme.test`). `about` is the written host.
    pub lookalike: Option<Found>,
    /// Accepts a web origin outside every registrable domain it spells out (or, when
    /// it spells none, any web origin off the local machine). `about` lists the
    /// domains, comma-separated (empty when none).
    pub outside_domain: Option<Found>,
    /// Accepts infinitely many subdomains of a registrable domain. `about` is the
    /// domain.
    pub any_subdomain: Option<Found>,
    /// Accepts infinitely many hosts under a public suffix (`*.github.io`,
    /// `[a-z]+\.vercel\.app`). `about` is the suffix.
    pub public_suffix: Option<Found>,
    /// Accepts an origin on hosting shared with strangers. `about` is the shared host.
    pub shared_hosting: Option<Found>,
}

/// The shared host an exact origin is on, if any.
fn exact_shared_host(origin: &str) -> Option<&'static str> {
    OriginText::parse(origin).and_then(|o| shared_host(o.host))
}

impl Exposure {
    /// Asks every question of `pattern`. `origin *` answers none: it is public on
    /// purpose, and other checks speak about it.
    pub fn of(pattern: &OriginPattern) -> Result<Exposure, TooComplex> {
        let written = Written::of(pattern);
        match pattern {
            OriginPattern::Any => Ok(Exposure { written, ..Exposure::default() }),
            OriginPattern::Exact(origin) => Ok(Self::of_exact(origin, written)),
            OriginPattern::Subdomain { scheme, suffix, port } => {
                let port = match port {
                    PortPattern::Number(p) => format!(":{p}"),
                    PortPattern::Default | PortPattern::Any => String::new(),
                };
                Ok(Self::of_wildcard(scheme, suffix, &port, true, written))
            }
            OriginPattern::AnyPort { scheme, host } => {
                Ok(Self::of_wildcard(scheme, host, "", false, written))
            }
            OriginPattern::Null | OriginPattern::Regex(_) => {
                let accepted = OriginSet::from_pattern(pattern)?;
                Self::of_set(&accepted, written, matches!(pattern, OriginPattern::Regex(_)))
            }
        }
    }

    /// A wildcard's answers read off its parts (`scheme://*.host` when `subdomains`,
    /// else `scheme://host:*`): the same answers the automata give (a test holds them
    /// to it), without building any. Its scheme and host are written, so it cannot
    /// accept another scheme, a look-alike or another domain.
    fn of_wildcard(
        scheme: &str,
        host: &str,
        port: &str,
        subdomains: bool,
        written: Written,
    ) -> Exposure {
        let sub = if subdomains { "x." } else { "" };
        let example = format!("{scheme}://{sub}{host}{port}");
        let found = |about: &str| Some(Found { about: about.into(), witness: example.clone() });
        let loopback = crate::origin::is_loopback(&if subdomains {
            format!("x.{host}")
        } else {
            host.to_string()
        });
        let domain = registrable_domain(host).filter(|_| subdomains && !is_public_suffix(host));
        Exposure {
            plain_http: if scheme == "http" && !loopback { found("http") } else { None },
            any_subdomain: domain.and_then(found),
            public_suffix: if subdomains && is_public_suffix(host) { found(host) } else { None },
            shared_hosting: shared_host(host).and_then(found),
            written,
            ..Exposure::default()
        }
    }

    /// One origin: membership in each probe.
    fn of_exact(origin: &str, written: Written) -> Exposure {
        let found = |about: &str| Some(Found { about: about.into(), witness: origin.into() });
        Exposure {
            plain_http: if probe::is_plain_http_off_loopback(origin.as_bytes()) {
                found("http")
            } else {
                None
            },
            shared_hosting: exact_shared_host(origin).and_then(found),
            written,
            ..Exposure::default()
        }
    }

    /// Whether [`Exposure::of`] finds anything about the exact origin `origin` (the
    /// same two membership tests as `of_exact`), building nothing and allocating
    /// nothing: a policy of a multi-tenant platform lists a million exact origins, and
    /// nearly all of them have nothing to report.
    pub fn exact_has_answers(origin: &str) -> bool {
        probe::is_plain_http_off_loopback(origin.as_bytes()) || exact_shared_host(origin).is_some()
    }

    /// Every question, asked of any set (the browser origins in it are what count),
    /// given what its author wrote. `regex` asks "every origin" too, which only means
    /// something for a pattern that is not `*`.
    pub fn of_set(
        accepted: &OriginSet,
        written: Written,
        regex: bool,
    ) -> Result<Exposure, TooComplex> {
        let accepted = &accepted.intersect(&probe::browser_origins()?)?;
        let hosts: Vec<&str> = written.hosts.iter().map(String::as_str).collect();
        let schemes: Vec<&str> = USUAL_SCHEMES
            .iter()
            .copied()
            .chain(written.schemes.iter().map(String::as_str))
            .collect();
        let mut e = Exposure::default();

        if regex {
            for scheme in USUAL_SCHEMES {
                // A set without this one member cannot hold them all: skip the build.
                let witness = format!("{scheme}://evil.example");
                if !accepted.contains(witness.as_bytes()) {
                    continue;
                }
                let every = OriginSet::from_bytes_regex(&format!(
                    r"{}://{LABEL}(?:\.{LABEL})*",
                    lit(scheme)
                ))?;
                if accepted.is_superset(&every)? {
                    e.every_origin = Some(Found { about: (*scheme).into(), witness });
                    break;
                }
            }
        }
        if accepted.contains(b"null") {
            e.null = Some(Found { about: "null".into(), witness: "null".into() });
        }
        // Cheap prefixes first: most regexes accept no `http://` at all, and then the
        // loopback automaton is never needed.
        let http = accepted.intersect(&probe::with_scheme_prefix(&["http"])?)?;
        if !http.is_empty() {
            e.plain_http = first(http.difference(&probe::loopback()?)?, "http");
        }
        let other = accepted
            .difference(&probe::with_scheme_prefix(&schemes)?)?
            .difference(&probe::null()?)?;
        if let Some(w) = other.readable_witness() {
            let scheme = w.split("://").next().unwrap_or_default().to_string();
            e.other_scheme = Some(Found { about: scheme, witness: w });
        }
        let written_hosts = probe::in_or_under(&hosts)?;
        // Look-alikes and other domains are all outside the written hosts: when nothing
        // is, neither question needs asking.
        let beyond = !accepted.difference(&written_hosts)?.is_empty();
        for host in hosts.iter().filter(|h| beyond && h.contains('.')) {
            let mut families = Vec::new();
            for family in probe::lookalike_families(host) {
                let looks = accepted.intersect(&family?)?.difference(&written_hosts)?;
                if !looks.is_empty() {
                    families.push(looks);
                }
            }
            if let Some(witness) = pretty(&families, host, &schemes) {
                e.lookalike = Some(Found { about: (*host).into(), witness });
                break;
            }
        }
        for host in hosts.iter().filter(|h| is_public_suffix(h)) {
            let under = accepted.intersect(&probe::subdomains_of(host)?)?;
            if under.is_infinite() {
                e.public_suffix = first(under, host);
                break;
            }
        }
        let mut domains: Vec<&str> = hosts.iter().filter_map(|h| registrable_domain(h)).collect();
        domains.dedup();
        if beyond {
            let outside = accepted
                .intersect(&probe::web_off_loopback()?)?
                .difference(&probe::in_or_under(&domains)?)?;
            e.outside_domain = first(outside, &domains.join(", "));
        }
        for domain in &domains {
            let under = accepted.intersect(&probe::subdomains_of(domain)?)?;
            if under.is_infinite() {
                e.any_subdomain = first(under, domain);
                break;
            }
        }
        // Shared hosting the author named: an automaton of every shared host would cost
        // more than all other questions together, and a set that reaches shared hosting
        // without naming it accepts other domains too, which is asked above.
        for shared in hosts.iter().filter_map(|h| shared_host(h)) {
            let on_it = accepted.intersect(&probe::in_or_under(&[shared])?)?;
            if let Some(found) = first(on_it, shared) {
                e.shared_hosting = Some(found);
                break;
            }
        }
        e.written = written;
        Ok(e)
    }

    /// Whether some answer already explains why the pattern accepts hosts its author
    /// did not write (every origin, a look-alike, a public-suffix wildcard), so that
    /// "outside its registrable domain" would only repeat it.
    pub fn widening_explained(&self) -> bool {
        self.every_origin.is_some() || self.lookalike.is_some() || self.public_suffix.is_some()
    }
}

/// A found answer from a readable member of `set`, if it has one.
fn first(set: OriginSet, about: &str) -> Option<Found> {
    set.readable_witness().map(|witness| Found { about: about.into(), witness })
}

/// A witness from `sets` of look-alikes of `host`: an attacker's classic first, else
/// any member of the first set.
fn pretty(sets: &[OriginSet], host: &str, schemes: &[&str]) -> Option<String> {
    for scheme in schemes {
        for example in probe::lookalike_examples(host) {
            let origin = format!("{scheme}://{example}");
            if sets.iter().any(|s| s.contains(origin.as_bytes())) {
                return Some(origin);
            }
        }
    }
    sets.iter().find_map(OriginSet::readable_witness)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::parse_origin;

    fn regex(source: &str) -> Exposure {
        Exposure::of(&OriginPattern::Regex(source.into())).unwrap()
    }

    /// Every witness is accepted by the pattern it was found for, by the matcher the
    /// module runs.
    fn witnesses_hold(pattern: &OriginPattern, e: &Exposure) {
        let index = crate::origin::OriginIndex::build([[pattern]]).unwrap();
        for f in [
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
            assert!(index.find(f.witness.as_bytes()).is_some(), "{pattern}: {f:?}");
        }
    }

    #[test]
    fn the_issue_examples() {
        let e = regex(r"https://shop\.acme\.test|null");
        assert_eq!(e.null.map(|f| f.witness).as_deref(), Some("null"));
        let e = regex(r"https://(.+\.)?acme\.test");
        assert_eq!(e.any_subdomain.map(|f| f.about).as_deref(), Some("acme.test"));
        let e = regex(r"[a-z]+://.+\.acme\.test");
        assert!(e.other_scheme.is_some(), "{e:?}");
    }

    #[test]
    fn answers_by_meaning() {
        type Pick = fn(&Exposure) -> &Option<Found>;
        let lookalike: Pick = |e| &e.lookalike;
        let http: Pick = |e| &e.plain_http;
        let every: Pick = |e| &e.every_origin;
        let outside: Pick = |e| &e.outside_domain;
        let suffix: Pick = |e| &e.public_suffix;
        let sub: Pick = |e| &e.any_subdomain;
        // (regex, question, expected witness or None)
        let cases: &[(&str, Pick, Option<&str>)] = &[
            (r"https://app.example.com", lookalike, Some("https://appxexample.com")),
            (r"https://app\.example\.com.*", lookalike, Some("https://app.example.com.evil.net")),
            (r".*example\.com", lookalike, Some("https://evilexample.com")),
            (r"https://.*shop\.acme\.test", lookalike, Some("https://evilshop.acme.test")),
            (r"https://app\.example\.com", lookalike, None),
            (r"https://(www\.)?example\.com", lookalike, None),
            (r"https://[a-z0-9-]+\.example\.com", lookalike, None),
            (r"https?://app\.example\.com", http, Some("http://app.example.com")),
            (r"http://localhost:[0-9]+", http, None),
            (r"https://.*", every, Some("https://evil.example")),
            (r"https://.*\.example\.com", every, None),
            (r"https://app\.acme\.test|https://[a-z]+\.com", outside, Some("https://x.com")),
            (r"https://[a-z]+\.acme\.test", outside, None),
            (r"https://[a-z]+\.vercel\.app", suffix, Some("https://x.vercel.app")),
            (r"https://my-app\.vercel\.app", suffix, None),
            (r"https://pr-[0-9]+\.preview\.acme\.dev", sub, Some("https://pr-0.preview.acme.dev")),
            (r"https://(app|admin)\.acme\.dev", sub, None),
        ];
        for (source, pick, want) in cases {
            let e = regex(source);
            witnesses_hold(&OriginPattern::Regex((*source).into()), &e);
            assert_eq!(pick(&e).as_ref().map(|f| f.witness.as_str()), *want, "{source}: {e:#?}");
        }
    }

    /// A wildcard's answers, read off its parts, are the answers the automata give.
    #[test]
    fn wildcard_fast_path_agrees_with_the_automata() {
        for text in [
            "https://*.acme.test",
            "http://*.acme.test:*",
            "http://*.localhost:*",
            "https://*.github.io",
            "https://*.co.uk:8443",
            "https://*.my-org.netlify.app",
            "http://localhost:*",
            "http://app.acme.test:*",
            "https://acme.netlify.app:*",
        ] {
            let pattern = parse_origin(text).unwrap();
            let fast = Exposure::of(&pattern).unwrap();
            let slow = Exposure::of_set(
                &OriginSet::from_pattern(&pattern).unwrap(),
                Written::of(&pattern),
                false,
            )
            .unwrap();
            witnesses_hold(&pattern, &fast);
            let shape = |e: &Exposure| {
                [
                    e.null.is_some(),
                    e.plain_http.is_some(),
                    e.other_scheme.is_some(),
                    e.lookalike.is_some(),
                    e.outside_domain.is_some(),
                    e.any_subdomain.is_some(),
                    e.public_suffix.is_some(),
                    e.shared_hosting.is_some(),
                ]
            };
            assert_eq!(shape(&fast), shape(&slow), "{text}\nfast {fast:#?}\nslow {slow:#?}");
        }
    }
}
