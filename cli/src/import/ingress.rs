//! `corsc import ingress`: Kubernetes `Ingress` objects with ingress-nginx's CORS
//! annotations → one policy per Ingress, and where its `cors` goes.
//!
//! The controller's behaviour, as its annotation parser and template implement it
//! (see `docs/migrating.md` for the list with sources): `enable-cors` is a Go
//! boolean (`true`, `1`, `t`, …); `cors-allow-origin` is split on `,`, entries trimmed,
//! a `*` anywhere makes it `*`, entries that do not match its origin regex are skipped
//! with a log line, and missing means `*`; a `*.` wildcard matches exactly one DNS
//! label, case-insensitively; the regex is anchored only at its end. Methods default to
//! `GET, PUT, POST, DELETE, PATCH, OPTIONS`, headers to a fixed list, max-age to
//! 1728000 s (20 days), credentials to **true**, and a value that fails its check
//! falls back to the default. With `*` it sends `Access-Control-Allow-Origin: *` and,
//! credentials being on by default, `Access-Control-Allow-Credentials: true`, which
//! browsers refuse for credentialed requests. Headers go out with `more_set_headers`
//! (every status); matching preflights are answered 204, others reach the backend.

use super::draft::{At, Draft, DraftOrigin, DraftRule, Level, Note, Preflight};
use super::yaml::{at, documents, get, items, text};
use super::Imported;
use std::path::Path;

const PREFIX: &str = "nginx.ingress.kubernetes.io/";
const DEFAULT_METHODS: &str = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
const DEFAULT_HEADERS: &str =
    "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization";
const DEFAULT_MAX_AGE: u64 = 1_728_000;

/// Reads every Ingress of a YAML stream.
pub fn import(path: &Path, source: &str, out: &mut Imported) {
    let Some(docs) = documents(path, source, out) else { return };
    for doc in &docs {
        let kind = get(doc, "kind").and_then(text).unwrap_or_default();
        if kind != "Ingress" {
            continue;
        }
        let meta = get(doc, "metadata");
        let name =
            meta.and_then(|m| get(m, "name")).and_then(text).unwrap_or_else(|| "ingress".into());
        let namespace = meta
            .and_then(|m| get(m, "namespace"))
            .and_then(text)
            .unwrap_or_else(|| "default".into());
        let annotations = meta.and_then(|m| get(m, "annotations"));
        let ann = |key: &str| {
            annotations
                .and_then(|a| get(a, &format!("{PREFIX}{key}")))
                .map(|n| (text(n).unwrap_or_default(), at(path, source, n)))
        };
        let doc_at = at(path, source, doc);
        let Some((enabled, enabled_at)) = ann("enable-cors") else { continue };
        if !go_bool(&enabled).unwrap_or(false) {
            out.notes.push(Note::new(Level::Info, enabled_at, format!("`enable-cors: {enabled}` is not true for ingress-nginx: no CORS for {namespace}/{name}")));
            continue;
        }
        let credentials = match ann("cors-allow-credentials") {
            Some((v, a)) => go_bool(&v).unwrap_or_else(|| {
                out.notes.push(Note::new(Level::Differs, a, format!("`cors-allow-credentials: {v}` is not a boolean: ingress-nginx uses its default, true")));
                true
            }),
            None => true,
        };
        let (origins, origins_at) = match ann("cors-allow-origin") {
            Some((v, a)) => (origins(&v, &a, &mut out.notes), a),
            None => (vec![DraftOrigin::Any], enabled_at.clone()),
        };
        let star = origins.contains(&DraftOrigin::Any);
        if star && credentials {
            out.notes.push(
                Note::new(Level::Hole, origins_at.clone(), "origin `*` with credentials (on by default): ingress-nginx sends `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`, which browsers refuse for credentialed requests")
                    .help("imported without credentials (what browsers do today); list the origins that need cookies and set `credentials on` for them"),
            );
        }
        let list = |key: &str,
                    default: &str,
                    ok: fn(&str) -> bool,
                    notes: &mut Vec<Note>|
         -> Vec<String> {
            let value = match ann(key) {
                Some((v, _)) if ok(&v) => v,
                Some((v, a)) => {
                    notes.push(Note::new(Level::Differs, a, format!("`{key}: {v}` fails ingress-nginx's check: it uses the default `{default}`")));
                    default.to_string()
                }
                None => default.to_string(),
            };
            value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
        };
        let methods = list("cors-allow-methods", DEFAULT_METHODS, valid_methods, &mut out.notes);
        let headers = list("cors-allow-headers", DEFAULT_HEADERS, valid_headers, &mut out.notes);
        let mut expose = list("cors-expose-headers", "", valid_expose, &mut out.notes);
        if credentials && !star && expose.iter().any(|h| h == "*") {
            out.notes.push(Note::new(Level::Hole, ann("cors-expose-headers").map(|x| x.1).unwrap_or_default(), "`cors-expose-headers: *` with credentials: browsers read `*` as a header name and expose nothing more").help("list the headers scripts need"));
            expose.retain(|h| h != "*");
        }
        let max_age = match ann("cors-max-age") {
            Some((v, a)) => v.trim().parse::<i64>().map(|n| n.max(0) as u64).unwrap_or_else(|_| {
                out.notes.push(Note::new(
                    Level::Differs,
                    a,
                    format!("`cors-max-age: {v}` is not an integer: ingress-nginx uses 1728000"),
                ));
                DEFAULT_MAX_AGE
            }),
            None => DEFAULT_MAX_AGE,
        };
        let rule_at = enabled_at.clone();
        let rule = DraftRule {
            origins: origins.into_iter().map(|o| (o, origins_at.clone())).collect(),
            methods,
            headers,
            expose,
            credentials: credentials && !star,
            max_age: Some(max_age),
            private_network: false,
            lists_at: ["cors-allow-methods", "cors-allow-headers", "cors-expose-headers"]
                .map(|k| ann(k).map(|x| x.1)),
            at: ann("cors-max-age").map_or(rule_at, |x| x.1),
        };
        let policy = sanitize(&format!("{namespace}_{name}"));
        out.notes.push(
            Note::new(Level::Differs, enabled_at, "preflights from origins that are not allowed reach the backend (ingress-nginx answers only matching ones)")
                .help("the module refuses them with 403 (`preflight-refused pass` keeps the old behaviour)"),
        );
        out.drafts.push(Draft {
            name: policy.clone(),
            comment: vec![format!("Ingress {namespace}/{name} ({})", doc_at.place)],
            rules: vec![rule],
            preflight: Preflight::Answer,
        });
        mapping(path, source, doc, &policy, out);
    }
}

/// Where the policy goes: each host and path of the Ingress.
fn mapping(
    path: &Path,
    source: &str,
    doc: &saphyr::MarkedYaml<'_>,
    policy: &str,
    out: &mut Imported,
) {
    let spec = get(doc, "spec");
    for rule in spec.and_then(|s| get(s, "rules")).map(items).unwrap_or(&[]) {
        let host = get(rule, "host").and_then(text).unwrap_or_else(|| "_".into());
        let paths = get(rule, "http").and_then(|h| get(h, "paths")).map(items).unwrap_or(&[]);
        for p in paths {
            let location = get(p, "path").and_then(text).unwrap_or_else(|| "/".into());
            let a = at(path, source, p);
            out.mapping.push(format!(
                "{}: server_name {host}; location {location} {{ cors {policy}; }}",
                a.place
            ));
        }
    }
}

/// ingress-nginx's origin list, entry by entry.
fn origins(value: &str, a: &At, notes: &mut Vec<Note>) -> Vec<DraftOrigin> {
    let mut out = Vec::new();
    for entry in value.split(',').map(str::trim) {
        if entry == "*" {
            return vec![DraftOrigin::Any];
        }
        if entry.is_empty() {
            continue;
        }
        if !valid_origin(entry) {
            notes.push(Note::new(Level::Hole, a.clone(), format!("origin `{entry}` fails ingress-nginx's origin check: it is skipped (with a log line), so it is not allowed today")).help("write `scheme://host[:port]` or `scheme://*.host[:port]`"));
            continue;
        }
        let lower = entry.to_ascii_lowercase();
        if let Some((scheme, rest)) = lower.split_once("://*.") {
            // One DNS label, not several: a regex says exactly that.
            let escaped = rest.replace('.', "\\.");
            out.push(DraftOrigin::Regex {
                whole: format!("{scheme}://[a-z0-9-]+\\.{escaped}"),
                tight: None,
            });
            notes.push(Note::new(Level::Info, a.clone(), format!("`{entry}` matches exactly one DNS label in ingress-nginx; imported as a regex (`{scheme}://*.{rest}` in the policy language would also match deeper subdomains)")));
        } else {
            match cors_dsl::origin::parse_origin(&lower) {
                Ok(cors_dsl::origin::OriginPattern::Exact(o)) => out.push(DraftOrigin::Exact(o)),
                _ => notes.push(Note::new(
                    Level::Hole,
                    a.clone(),
                    format!("origin `{entry}` is never sent by a browser"),
                )),
            }
        }
    }
    out
}

/// `^(https?://(\*\.)?[A-Za-z0-9\-\.]*(:[0-9]+)?|\*)?$`, the controller's check.
fn valid_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else {
        return false;
    };
    let rest = rest.strip_prefix("*.").unwrap_or(rest);
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn valid_methods(v: &str) -> bool {
    !v.trim().is_empty()
        && v.split(',')
            .all(|m| m.trim().chars().all(|c| c.is_ascii_alphabetic()) && !m.trim().is_empty())
}

fn valid_headers(v: &str) -> bool {
    !v.trim().is_empty()
        && v.split(',').all(|h| {
            !h.trim().is_empty()
                && h.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn valid_expose(v: &str) -> bool {
    valid_headers(v) || v.split(',').all(|h| h.trim() == "*" || valid_headers(h))
}

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A policy name from Kubernetes names.
pub fn sanitize(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("k_{name}")
    }
}
