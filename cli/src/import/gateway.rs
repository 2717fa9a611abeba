//! `corsc import gateway`: Gateway API `HTTPRoute` objects with the `CORS` filter →
//! one policy per rule that has one, and where its `cors` goes.
//!
//! The spec's semantics (HTTPCORSFilter, Standard since v1.5): origins are
//! `scheme://host[:port]`, the default port implied; a host `*.suffix` is a greedy
//! match of one or more labels to the left (the policy language's `*.suffix`), `*` as
//! the whole host matches every host of that scheme, and `*` alone every origin; with
//! `allowCredentials: true` a `*` origin is answered with the request's own origin,
//! so every site can read responses with the user's cookies (imported as such, and
//! reported). `allowMethods`/`allowHeaders` `*` with credentials answer with what the
//! preflight asked for (the policy language's `*` does the same); `exposeHeaders: *`
//! is only meaningful without credentials. `maxAge` defaults to 5 seconds.

use super::draft::{At, Draft, DraftOrigin, DraftRule, Level, Note, Preflight};
use super::ingress::sanitize;
use super::yaml::{at, documents, get, items, text};
use super::Imported;
use std::path::Path;

/// The spec's default `maxAge`.
const DEFAULT_MAX_AGE: u64 = 5;

/// Reads every HTTPRoute of a YAML stream.
pub fn import(path: &Path, source: &str, out: &mut Imported) {
    let Some(docs) = documents(path, source, out) else { return };
    for doc in &docs {
        if get(doc, "kind").and_then(text).as_deref() != Some("HTTPRoute") {
            continue;
        }
        let meta = get(doc, "metadata");
        let name =
            meta.and_then(|m| get(m, "name")).and_then(text).unwrap_or_else(|| "route".into());
        let namespace = meta
            .and_then(|m| get(m, "namespace"))
            .and_then(text)
            .unwrap_or_else(|| "default".into());
        let spec = get(doc, "spec");
        let hostnames: Vec<String> = spec
            .and_then(|s| get(s, "hostnames"))
            .map(items)
            .unwrap_or(&[])
            .iter()
            .filter_map(text)
            .collect();
        for (i, rule) in
            spec.and_then(|s| get(s, "rules")).map(items).unwrap_or(&[]).iter().enumerate()
        {
            let filters = get(rule, "filters").map(items).unwrap_or(&[]);
            for f in
                filters.iter().filter(|f| get(f, "type").and_then(text).as_deref() == Some("CORS"))
            {
                let Some(cors) = get(f, "cors") else {
                    out.notes.push(Note::new(
                        Level::Unknown,
                        at(path, source, f),
                        "a `CORS` filter without `cors`",
                    ));
                    continue;
                };
                let policy = sanitize(&format!("{namespace}_{name}_rule{}", i + 1));
                let draft = filter(path, source, cors, &policy, out);
                out.drafts.push(Draft {
                    comment: vec![format!(
                        "HTTPRoute {namespace}/{name}, rule {} ({})",
                        i + 1,
                        at(path, source, rule).place
                    )],
                    ..draft
                });
                let hosts =
                    if hostnames.is_empty() { vec!["_".to_string()] } else { hostnames.clone() };
                let matches = get(rule, "matches").map(items).unwrap_or(&[]);
                let paths: Vec<String> = if matches.is_empty() {
                    vec!["/".into()]
                } else {
                    matches
                        .iter()
                        .map(|m| {
                            let p = get(m, "path");
                            let kind = p
                                .and_then(|p| get(p, "type"))
                                .and_then(text)
                                .unwrap_or_else(|| "PathPrefix".into());
                            let value = p
                                .and_then(|p| get(p, "value"))
                                .and_then(text)
                                .unwrap_or_else(|| "/".into());
                            match kind.as_str() {
                                "Exact" => format!("= {value}"),
                                "RegularExpression" => format!("~ {value}"),
                                _ => value,
                            }
                        })
                        .collect()
                };
                for h in &hosts {
                    for p in &paths {
                        out.mapping.push(format!(
                            "{}: server_name {h}; location {p} {{ cors {policy}; }}",
                            at(path, source, f).place
                        ));
                    }
                }
            }
        }
    }
}

fn filter(
    path: &Path,
    source: &str,
    cors: &saphyr::MarkedYaml<'_>,
    policy: &str,
    out: &mut Imported,
) -> Draft {
    let strings = |key: &str| -> Vec<(String, At)> {
        get(cors, key)
            .map(items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| text(n).map(|t| (t, at(path, source, n))))
            .collect()
    };
    let credentials_node = get(cors, "allowCredentials");
    let credentials = credentials_node.and_then(text).is_some_and(|t| t == "true");
    let cors_at = at(path, source, cors);
    let mut origins = Vec::new();
    for (o, a) in strings("allowOrigins") {
        match origin(&o) {
            Some(DraftOrigin::Any) if credentials => {
                out.notes.push(
                    Note::new(Level::Hole, a.clone(), "`allowOrigins: [\"*\"]` with `allowCredentials: true`: the spec has the gateway reflect every origin, so any site can read responses with the user's cookies")
                        .help("list the origins that need credentials"),
                );
                origins.push((DraftOrigin::ReflectAny, a));
            }
            Some(d) => origins.push((d, a)),
            None => out.notes.push(Note::new(
                Level::Hole,
                a,
                format!("origin `{o}` is not `scheme://host[:port]`: it matches nothing"),
            )),
        }
    }
    if origins.is_empty() {
        out.notes.push(Note::new(
            Level::Hole,
            cors_at.clone(),
            "a CORS filter without `allowOrigins`: no origin is allowed",
        ));
    }
    let mut expose: Vec<String> = strings("exposeHeaders").into_iter().map(|x| x.0).collect();
    if credentials && expose.iter().any(|h| h == "*") {
        out.notes.push(Note::new(Level::Hole, cors_at.clone(), "`exposeHeaders: [\"*\"]` with credentials: browsers read `*` as a header name and expose nothing more").help("list the headers scripts need"));
        expose.retain(|h| h != "*");
    }
    let max_age = get(cors, "maxAge")
        .and_then(text)
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(DEFAULT_MAX_AGE);
    let rule = DraftRule {
        origins,
        methods: strings("allowMethods").into_iter().map(|x| x.0).collect(),
        headers: strings("allowHeaders").into_iter().map(|x| x.0).collect(),
        expose,
        credentials,
        max_age: Some(max_age),
        private_network: false,
        lists_at: ["allowMethods", "allowHeaders", "exposeHeaders"]
            .map(|k| get(cors, k).map(|n| at(path, source, n))),
        at: get(cors, "maxAge").or(credentials_node).map_or(cors_at, |n| at(path, source, n)),
    };
    Draft {
        name: policy.to_string(),
        comment: Vec::new(),
        rules: vec![rule],
        preflight: Preflight::Answer,
    }
}

/// An `allowOrigins` entry in the policy language's terms.
fn origin(o: &str) -> Option<DraftOrigin> {
    if o == "*" {
        return Some(DraftOrigin::Any);
    }
    let lower = o.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    if rest == "*" || rest.starts_with("*:") {
        // Every host of the scheme (on the default port, or the one written);
        // `--fix` writes `*`, which says plainly what (nearly) every site means.
        let port = rest.strip_prefix('*').unwrap_or("");
        return Some(DraftOrigin::Regex {
            whole: format!("{scheme}://[a-z0-9.-]+{}", port.replace('.', "\\.")),
            tight: Some("*".into()),
        });
    }
    if rest.starts_with("*.") {
        return cors_dsl::origin::parse_origin(&lower).ok().map(|_| DraftOrigin::Pattern(lower));
    }
    match cors_dsl::origin::parse_origin(&lower).ok()? {
        cors_dsl::origin::OriginPattern::Exact(e) => Some(DraftOrigin::Exact(e)),
        _ => None,
    }
}
