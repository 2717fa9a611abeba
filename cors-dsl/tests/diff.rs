//! `diff` held against `decide()` and the browser model, on generated pairs of
//! policies (several rules with overlapping origins, so first-match-wins matters):
//!
//! - a policy compared with itself has no change;
//! - each widening change is shown by a request built from it (its example origin,
//!   the method or header gained, credentials): the browser gets the response under
//!   the new policy and not under the old one;
//! - a sampled request the new policy allows and the old one refuses has a widening
//!   change of its kind (origins, credentials, method, header) in the diff, and one
//!   it refuses that the old allowed has a narrowing change (unless the diff could
//!   not judge);
//! - comparing backwards swaps widening and narrowing.
//!
//! `PROPTEST_CASES` raises the number of cases (default 24 per property: each builds automata).

use cors_dsl::browser::{self, PageRequest, Response};
use cors_dsl::diff::{self, Diff, Effect, GrantChange, NameSet, Version, What};
use cors_dsl::{Decision, Loaded, Request, RuleTable};
use proptest::prelude::*;
use std::path::Path;

const ORIGINS: &[&str] = &[
    "*",
    "null",
    "https://app.example.com",
    "https://beta.example.com",
    "https://*.example.com",
    "http://localhost:*",
    "http://localhost:3000",
    r#"~ "https://pr-[0-9]+\.preview\.example\.dev""#,
    r#"~ "https://pr-[0-9]+\.preview\.example\.dev.*""#,
    r#"~ "https://(app|beta)\.example\.com""#,
];
const PAGES: &[&str] = &[
    "https://app.example.com",
    "https://beta.example.com",
    "https://x.example.com",
    "https://example.com",
    "https://app.example.com.evil.net",
    "http://localhost:3000",
    "http://localhost:5173",
    "https://pr-1.preview.example.dev",
    "https://pr-1.preview.example.dev.evil.net",
    "null",
];
const METHODS: &[&str] = &["PUT", "DELETE", "PATCH"];
const HEADERS: &[&str] = &["X-Api-Key", "Authorization", "Content-Type"];

/// One rule, as text.
fn rule() -> impl Strategy<Value = String> {
    let list = |items: &'static [&'static str]| {
        prop_oneof![
            1 => Just("*".to_string()),
            3 => proptest::sample::subsequence(items, 0..=items.len()).prop_map(|v| v.join(" ")),
        ]
    };
    (
        proptest::sample::subsequence(ORIGINS, 1..=2),
        list(METHODS),
        list(HEADERS),
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(600u32), Just(7200)]),
    )
        .prop_map(|(origins, methods, headers, credentials, max_age)| {
            let mut s = format!("    allow {{\n        origin {};\n", origins.join(" "));
            if !methods.is_empty() {
                s += &format!("        methods {methods};\n");
            }
            if !headers.is_empty() {
                s += &format!("        headers {headers};\n");
            }
            if credentials {
                s += "        credentials on;\n";
            }
            if let Some(m) = max_age {
                s += &format!("        max-age {m};\n");
            }
            s + "    }\n"
        })
}

fn policy() -> impl Strategy<Value = String> {
    proptest::collection::vec(rule(), 1..=3)
        .prop_map(|rules| format!("policy p {{\n{}}}\n", rules.concat()))
}

/// A loaded policy and its table; `None` when the checker refuses it (`*` with
/// credentials): such a policy never reaches a browser.
fn load(text: &str) -> Option<(Loaded, RuleTable)> {
    let loaded = cors_dsl::load_str(Path::new("p.cors"), text);
    let set = loaded.set.as_ref()?;
    let table = cors_dsl::compile(set, &loaded.sources).ok()?;
    Some((loaded, table))
}

fn compare(a: &Loaded, b: &Loaded) -> Option<Diff> {
    Some(diff::diff(
        Version { set: a.set.as_ref()?, sources: &a.sources },
        Version { set: b.set.as_ref()?, sources: &b.sources },
    ))
}

fn response(d: &Decision<'_>, status: u16) -> Response {
    let headers: Vec<(String, Vec<u8>)> = d
        .headers()
        .map(|h| h.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect())
        .unwrap_or_default();
    Response::new(status, headers)
}

/// Whether the page gets the response: the preflight first when one is needed,
/// every answer judged by the browser model.
fn gets_response(table: &RuleTable, page: &PageRequest) -> bool {
    let Some(id) = table.policy_id("p") else { return false };
    let origin = page.origin.as_bytes();
    if page.needs_preflight() {
        let names = page.unsafe_headers.join(",");
        let mut req = Request::preflight(origin, page.method.as_bytes());
        if !page.unsafe_headers.is_empty() {
            req = req.with_request_headers(names.as_bytes());
        }
        let d = table.decide(id, &req);
        if !browser::preflight_check(page, &response(&d, d.respond_with().unwrap_or(200)))
            .is_empty()
        {
            return false;
        }
    }
    let d = table.decide(id, &Request::actual(page.method.as_bytes(), Some(origin)));
    browser::cors_check(page, &response(&d, 200)).is_empty()
}

/// A name in `set` (for an "every … but" set, one it does not leave out).
fn a_name(set: &NameSet, fallback: &str) -> String {
    match set {
        NameSet::Only(m) => m.values().next().cloned().unwrap_or_default(),
        NameSet::AllBut(_) => fallback.to_string(),
    }
}

/// The request that shows a widening change, when the change is about access (not
/// exposure, which is checked apart).
fn showing(change: &What, example: &str) -> Option<PageRequest> {
    let page = |method: &str| PageRequest::new(example, method);
    Some(match change {
        What::OriginsAllowed { grants } => page("GET").with_credentials(grants.credentials),
        What::Grant { change: GrantChange::Credentials { now: true } } => {
            page("GET").with_credentials(true)
        }
        What::Grant { change: GrantChange::Methods { gained: true, names, .. } } => {
            page(&a_name(names, "PURGE"))
        }
        What::Grant { change: GrantChange::Headers { gained: true, names, .. } } => page("GET")
            .with_unsafe_headers([a_name(names, "x-something-else").to_ascii_lowercase()]),
        _ => return None,
    })
}

/// Whether a change of kind `what` can be why `page` is now allowed (`gained`) or
/// refused: origins come and go, or the part of the request the change is about.
fn explains(what: &What, page: &PageRequest, gained: bool) -> bool {
    match what {
        What::OriginsAllowed { .. } => gained,
        What::OriginsRefused { .. } => !gained,
        What::Grant { change } => match change {
            GrantChange::Credentials { now } => *now == gained && page.credentials,
            GrantChange::Methods { gained: g, .. } => *g == gained && !page.has_safelisted_method(),
            GrantChange::Headers { gained: g, .. } => {
                *g == gained && !page.unsafe_headers.is_empty()
            }
            _ => false,
        },
        _ => false,
    }
}

/// Every request of the sample: each page origin (and each example origin of the
/// diff), each method, with and without credentials, with and without each header.
fn sample(d: &Diff) -> Vec<PageRequest> {
    let mut origins: Vec<String> = PAGES.iter().map(|s| s.to_string()).collect();
    for (_, c) in d.changes() {
        origins.extend(c.origins.iter().flat_map(|o| o.examples.clone()));
    }
    let mut out = Vec::new();
    for o in &origins {
        for m in ["GET", "PUT", "DELETE", "PATCH"] {
            for credentials in [false, true] {
                for header in [None, Some("X-Api-Key"), Some("Authorization")] {
                    let mut p = PageRequest::new(o.as_str(), m).with_credentials(credentials);
                    if let Some(h) = header {
                        p = p.with_unsafe_headers([h.to_ascii_lowercase()]);
                    }
                    out.push(p);
                }
            }
        }
    }
    out
}

fn check(a_text: &str, b_text: &str) -> Result<(), String> {
    let (Some((a, ta)), Some((b, tb))) = (load(a_text), load(b_text)) else { return Ok(()) };
    let context = || format!("old:\n{a_text}new:\n{b_text}");
    let same = compare(&a, &a).ok_or("no set")?;
    if !same.is_empty() {
        return Err(format!("a policy differs from itself: {same:?}\n{}", context()));
    }
    let d = compare(&a, &b).ok_or("no set")?;
    for (_, c) in d.changes().filter(|(_, c)| c.effect == Effect::Widen) {
        let Some(example) = c.origins.as_ref().and_then(|o| o.examples.first()) else {
            return Err(format!("a widening without an example origin: {c:?}\n{}", context()));
        };
        if let Some(page) = showing(&c.what, example) {
            if gets_response(&ta, &page) || !gets_response(&tb, &page) {
                return Err(format!(
                    "widening {c:?} not shown by {page:?} (old {}, new {})\n{}",
                    gets_response(&ta, &page),
                    gets_response(&tb, &page),
                    context()
                ));
            }
        }
    }
    if d.count(Effect::Unknown) == 0 {
        for page in sample(&d) {
            let (before, after) = (gets_response(&ta, &page), gets_response(&tb, &page));
            if before == after {
                continue;
            }
            let effect = if after { Effect::Widen } else { Effect::Narrow };
            if !d.changes().any(|(_, c)| c.effect == effect && explains(&c.what, &page, after)) {
                return Err(format!(
                    "{page:?} is newly {}, and no {} change says why: {d:?}\n{}",
                    if after { "allowed" } else { "refused" },
                    effect.as_str(),
                    context()
                ));
            }
        }
    }
    let back = compare(&b, &a).ok_or("no set")?;
    if [d.count(Effect::Widen), d.count(Effect::Narrow)]
        != [back.count(Effect::Narrow), back.count(Effect::Widen)]
    {
        return Err(format!("backwards is not the mirror: {d:?}\nvs {back:?}\n{}", context()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn diff_agrees_with_decide(a in policy(), b in policy()) {
        if let Err(e) = check(&a, &b) {
            prop_assert!(false, "{}", e);
        }
    }

    /// Small edits of one policy: the interesting pairs are close.
    #[test]
    fn diff_agrees_with_decide_on_edits(a in policy(), extra in rule(), front in any::<bool>()) {
        let b = if front {
            a.replacen("policy p {\n", &format!("policy p {{\n{extra}"), 1)
        } else {
            a.replacen("\n}\n", &format!("\n{extra}}}\n"), 1)
        };
        if let Err(e) = check(&a, &b) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// The examples of the issue, checked by their requests.
#[test]
fn shadowing_takes_credentials_away() {
    let old =
        "policy p {\n allow { origin https://*.example.com; credentials on; methods PUT; }\n}\n";
    let new = "policy p {\n allow { origin https://beta.example.com; }\n allow { origin https://*.example.com; credentials on; methods PUT; }\n}\n";
    let (Some((a, ta)), Some((b, tb))) = (load(old), load(new)) else { panic!("fixtures load") };
    let d = compare(&a, &b).unwrap_or_default();
    assert_eq!((d.count(Effect::Widen), d.count(Effect::Narrow)), (0, 2), "{d:?}");
    let page = PageRequest::new("https://beta.example.com", "GET").with_credentials(true);
    assert!(gets_response(&ta, &page) && !gets_response(&tb, &page));
    assert!(check(old, new).is_ok());
}
