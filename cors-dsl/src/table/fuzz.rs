//! Structure-aware fuzzing of the `.corsb` loader (issue #18).
//!
//! Start from valid tables (every `examples/*.cors` and a few policies that use what
//! the examples do not), mutate their decoded fields (strings byte by byte, flags,
//! rule indexes, header lists, origin keys, regexes, statuses, whole rules and
//! policies), re-encode each with a correct checksum and load it. Either the loader
//! refuses it, or every header that any request can make the loaded table emit passes
//! the one value check, [`check_header_value`], and no answer pairs
//! `Access-Control-Allow-Origin: *` with credentials.
//!
//! It runs on the stable toolchain as an ordinary test (cargo-fuzz needs nightly and
//! libFuzzer): a fixed seed and a few hundred cases in the CI smoke set; for a long
//! run, set `CORS_TABLE_FUZZ_SECS` (and optionally `CORS_TABLE_FUZZ_SEED`):
//!
//! ```sh
//! CORS_TABLE_FUZZ_SECS=600 cargo test -p cors-dsl --lib table::fuzz -- --nocapture
//! ```
//!
//! A failure prints the seed, the case number and the mutations applied.
//!
//! With the `fuzzing` feature, [`seeds`], [`mutate`] and [`emitted_headers_are_valid`]
//! are public for the cargo-fuzz `corsb` target (`fuzz/`), which drives the same
//! mutator from libFuzzer's input and holds accepted tables to the same invariant.

use super::{check_header_value, HeaderValue, RenderedHeader, RenderedValue, RuleTable};
use crate::decide::Request;
use crate::fetch::HeaderName;
use crate::origin::{anchor, ExactIndex, SchemeRule};
use std::path::Path;
#[cfg(test)]
use {
    crate::corsb::TableError,
    std::collections::BTreeMap,
    std::time::{Duration, Instant},
};

/// Cases in the CI smoke run.
#[cfg(test)]
const SMOKE_CASES: usize = 400;

/// Policies beside the examples, so every kind of field exists to be mutated.
const EXTRA_SEEDS: &[&str] = &[
    r#"policy star { origin *; methods * PUT; headers * X-A; expose *; max-age 60; }"#,
    r#"policy creds {
        allow { origin https://*.example.com:8443 https://*.example.org:* http://localhost:*;
                methods *; headers * Authorization; credentials on; private-network on; }
        allow { origin ~ "https://[a-z]+\.example\.net" null; methods DELETE; headers X-B; }
        preflight-refused pass;
    }"#,
    r#"policy pass { origin https://a.example.com; preflight pass; preflight-status 200; }"#,
];

/// Strings a mutation may put anywhere: what the validator must refuse or accept.
const STRINGS: &[&str] = &[
    "",
    "*",
    "null",
    "true",
    "GET",
    "PUT",
    "TRACE",
    "track",
    "x-ok",
    "X-Ok",
    "Origin",
    "*, PUT",
    "PUT, *",
    "GET,PUT",
    "GET, PUT",
    "GET\r\nSet-Cookie: pwn=1",
    "a\0b",
    "a\x7fb",
    "\tGET",
    "é",
    "60",
    "007",
    "4294967296",
    "https://evil.example",
    "https://EVIL.example",
    "example.com",
    "example.com:8443",
    "https",
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    "Access-Control-Request-Method, Access-Control-Request-Headers",
    ".*",
    r"\A(?:.*)\z",
    r"\A(?:a)|.*(?:)\z",
];

/// Valid tables to start from: every `examples/*.cors` and a few policies that use what they
/// do not.
pub fn seeds() -> Vec<RuleTable> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cors"))
        .collect();
    paths.sort();
    let mut tables: Vec<RuleTable> = paths
        .iter()
        .map(|p| crate::build_table(p).map(|(t, _)| t).expect("examples compile"))
        .collect();
    for text in EXTRA_SEEDS {
        let (t, _) = crate::build(Path::new("seed.cors"), text).expect("seed policy compiles");
        tables.push(t);
    }
    assert!(tables.len() >= 6, "seeded with the examples");
    tables
}

/// A string from [`STRINGS`], or `old` with one byte replaced, inserted or removed
/// (any ASCII byte, control bytes included: the same-length swap of the issue).
fn string(rng: &mut fastrand::Rng, old: &str) -> String {
    let mut bytes = old.as_bytes().to_vec();
    match rng.u8(..4) {
        0 => return STRINGS[rng.usize(..STRINGS.len())].to_string(),
        1 if !bytes.is_empty() => {
            let i = rng.usize(..bytes.len());
            bytes[i] = rng.u8(..128);
        }
        2 => bytes.insert(rng.usize(..=bytes.len()), rng.u8(..128)),
        _ if !bytes.is_empty() => {
            bytes.remove(rng.usize(..bytes.len()));
        }
        _ => return STRINGS[rng.usize(..STRINGS.len())].to_string(),
    }
    // A multi-byte character cut in two is no `str` (postcard would refuse it anyway).
    String::from_utf8(bytes).unwrap_or_else(|_| old.to_string())
}

fn boxed(rng: &mut fastrand::Rng, old: &str) -> HeaderValue {
    string(rng, old).into()
}

fn header_name(rng: &mut fastrand::Rng) -> HeaderName {
    const ALL: [HeaderName; 7] = [
        HeaderName::AllowOrigin,
        HeaderName::AllowCredentials,
        HeaderName::AllowMethods,
        HeaderName::AllowHeaders,
        HeaderName::MaxAge,
        HeaderName::ExposeHeaders,
        HeaderName::AllowPrivateNetwork,
    ];
    ALL[rng.usize(..ALL.len())]
}

fn value(rng: &mut fastrand::Rng, old: &RenderedValue) -> RenderedValue {
    match rng.u8(..6) {
        0 => RenderedValue::RequestOrigin,
        1 => RenderedValue::RequestMethod,
        2 => RenderedValue::RequestHeaders,
        _ => match old {
            RenderedValue::Text(t) => RenderedValue::Text(boxed(rng, t)),
            _ => RenderedValue::Text(boxed(rng, "")),
        },
    }
}

/// A rule index, one time in five out of range.
fn rule_idx(rng: &mut fastrand::Rng, rules: usize) -> u32 {
    let rules = rules as u32;
    if rules == 0 || rng.u8(..5) == 0 {
        rng.u32(rules..rules + 2)
    } else {
        rng.u32(..rules)
    }
}

/// Applies one mutation to `t`; returns what it did (for the failure message).
pub fn mutate(t: &mut RuleTable, rng: &mut fastrand::Rng) -> String {
    if t.policies.is_empty() {
        return "nothing to mutate".into();
    }
    let pi = rng.usize(..t.policies.len());
    if rng.u8(..20) == 0 {
        let copy = t.policies[pi].clone();
        t.policies.push(copy);
        return format!("policy {pi} duplicated");
    }
    let p = &mut t.policies[pi];
    let n = p.rules.len();
    match rng.u8(..16) {
        0 => {
            p.name = string(rng, &p.name);
            format!("policy {pi} renamed {:?}", p.name)
        }
        1 => {
            p.vary =
                if rng.bool() { None } else { Some(boxed(rng, p.vary.as_deref().unwrap_or(""))) };
            format!("policy {pi} vary {:?}", p.vary)
        }
        2 => {
            p.preflight_vary = boxed(rng, &p.preflight_vary);
            format!("policy {pi} preflight vary {:?}", p.preflight_vary)
        }
        3 => {
            let statuses = [0, 200, 204, 302, 403, 404, 499, 500, rng.u16(..)];
            p.preflight.success_status = statuses[rng.usize(..statuses.len())];
            p.preflight.refused_status = rng.bool().then(|| statuses[rng.usize(..statuses.len())]);
            p.preflight.answer = rng.bool();
            format!("policy {pi} preflight {:?}", p.preflight)
        }
        4 => {
            let first = p.origins.exact.iter().next().map_or(&b""[..], |(k, _)| k);
            let key = string(rng, &String::from_utf8_lossy(first));
            let idx = rule_idx(rng, n);
            // The index is rebuilt with the key in front, so it wins over a listing of
            // the same origin (as `insert` did on the map it was).
            let mut entries: Vec<(&[u8], u32)> = vec![(key.as_bytes(), idx)];
            entries.extend(p.origins.exact.iter());
            match ExactIndex::build(&entries) {
                Ok(index) => p.origins.exact = index,
                Err(_) => return format!("policy {pi} exact {key:?}: too large"),
            }
            format!("policy {pi} exact {key:?} -> {idx}")
        }
        5 => {
            let (any, null) =
                (rng.bool().then(|| rule_idx(rng, n)), rng.bool().then(|| rule_idx(rng, n)));
            if rng.bool() {
                p.origins.any = any;
            } else {
                p.origins.null = null;
            }
            format!("policy {pi} any {:?} null {:?}", p.origins.any, p.origins.null)
        }
        6 => {
            let map = match rng.u8(..3) {
                0 => &mut p.origins.subdomain,
                1 => &mut p.origins.subdomain_any_port,
                _ => &mut p.origins.any_port,
            };
            let old_key =
                map.keys().next().map_or(String::new(), |k| String::from_utf8_lossy(k).into());
            let key = if rng.bool() { old_key.clone() } else { string(rng, &old_key) };
            let scheme = string(rng, "https");
            let rule = rule_idx(rng, n);
            map.entry(key.clone().into_bytes().into())
                .or_default()
                .push(SchemeRule { scheme: scheme.clone().into(), rule });
            format!("policy {pi} map key {key:?} scheme {scheme:?} -> {rule}")
        }
        7 => {
            let old = p.origins.regexes.first().map_or(String::new(), |(r, _)| r.to_string());
            let re = if rng.bool() { anchor(&string(rng, "a")) } else { string(rng, &old) };
            p.origins.regexes.push((re.clone().into(), rule_idx(rng, n)));
            if p.origins.prepare_lookup().is_err() {
                p.origins.regexes.pop();
            }
            format!("policy {pi} regex {re:?}")
        }
        8 if n > 0 => {
            let (a, b) = (rng.usize(..n), rng.usize(..n));
            match rng.u8(..3) {
                0 => p.rules.swap(a, b),
                1 => {
                    p.rules.remove(a);
                }
                _ => {
                    let copy = p.rules[a].clone();
                    p.rules.push(copy);
                }
            }
            format!("policy {pi} rules {a}/{b} reshuffled")
        }
        _ if n > 0 => {
            let ri = rng.usize(..n);
            let r = &mut p.rules[ri];
            match rng.u8(..9) {
                0 => {
                    r.methods = match (&mut r.methods, rng.u8(..3)) {
                        (_, 0) => None,
                        (Some(list), 1) if !list.is_empty() => {
                            let i = rng.usize(..list.len());
                            list[i] = boxed(rng, &list[i]);
                            Some(list.clone())
                        }
                        (old, _) => {
                            let mut list = old.clone().unwrap_or_default();
                            list.push(boxed(rng, "PUT"));
                            Some(list)
                        }
                    };
                    format!("policy {pi} rule {ri} methods {:?}", r.methods)
                }
                1 => {
                    if r.headers.is_empty() || rng.bool() {
                        r.headers.push(boxed(rng, "x-a"));
                    } else {
                        let i = rng.usize(..r.headers.len());
                        r.headers[i] = boxed(rng, &r.headers[i]);
                    }
                    format!("policy {pi} rule {ri} headers {:?}", r.headers)
                }
                2 => {
                    r.any_header = !r.any_header;
                    r.private_network = rng.bool();
                    format!(
                        "policy {pi} rule {ri} any_header {} pn {}",
                        r.any_header, r.private_network
                    )
                }
                3 => {
                    r.source.file = string(rng, &r.source.file);
                    format!("policy {pi} rule {ri} source {:?}", r.source.file)
                }
                k => {
                    let list = if k % 2 == 0 { &mut r.actual } else { &mut r.preflight };
                    let mut headers = list.to_vec();
                    let what = match rng.u8(..5) {
                        0 if !headers.is_empty() => {
                            headers.remove(rng.usize(..headers.len()));
                            "removed".to_string()
                        }
                        1 => {
                            let name = header_name(rng);
                            let v = value(rng, &RenderedValue::Text("true".into()));
                            headers.insert(
                                rng.usize(..=headers.len()),
                                RenderedHeader { name, value: v },
                            );
                            format!("inserted {name}")
                        }
                        2 if !headers.is_empty() => {
                            let i = rng.usize(..headers.len());
                            headers[i].name = header_name(rng);
                            format!("renamed {} to {}", i, headers[i].name)
                        }
                        _ if !headers.is_empty() => {
                            let i = rng.usize(..headers.len());
                            headers[i].value = value(rng, &headers[i].value);
                            format!("{} = {:?}", headers[i].name, headers[i].value)
                        }
                        _ => "nothing".into(),
                    };
                    *list = headers.into();
                    format!(
                        "policy {pi} rule {ri} {} {what}",
                        if k % 2 == 0 { "actual" } else { "preflight" }
                    )
                }
            }
        }
        _ => "nothing (no rules)".into(),
    }
}

/// The `.corsb` bytes of `t`, half the time damaged at the byte level where the
/// structure-aware [`mutate`] cannot reach (format 4): the exact-index records in the
/// metadata (offsets and lengths out of range, slot counts, probe bounds), bytes of
/// the index area (slots pointing outside the keys, at rules that do not exist, keys
/// with bytes no origin holds), the header's lengths and offsets, and truncations.
/// The checksum is recomputed except for plain truncations (a truncated file's header
/// still says how long it was). Returns what it did.
pub fn encode(t: &RuleTable, rng: &mut fastrand::Rng) -> (Vec<u8>, String) {
    use crate::corsb::HEADER_LEN;
    let reseal = |bytes: &mut Vec<u8>| {
        if bytes.len() >= HEADER_LEN {
            let body_len = (bytes.len() - HEADER_LEN) as u64;
            let crc = crc32fast::hash(&bytes[HEADER_LEN..]);
            bytes[12..16].copy_from_slice(&crc.to_le_bytes());
            bytes[16..24].copy_from_slice(&body_len.to_le_bytes());
        }
    };
    let odd = |rng: &mut fastrand::Rng, around: u64| -> u64 {
        match rng.u8(..6) {
            0 => 0,
            1 => around,
            2 => around.wrapping_add(1),
            3 => around.wrapping_sub(1),
            4 => u64::MAX - rng.u64(..16),
            _ => rng.u64(..=around.saturating_mul(2).max(16)),
        }
    };
    if rng.bool() || t.policies.is_empty() {
        return (t.to_bytes(), "as written".into());
    }
    match rng.u8(..4) {
        0 => {
            let pi = rng.usize(..t.policies.len());
            let (which, value) = (rng.u8(..5), rng.u64(..));
            let mut what = String::new();
            let bytes = t.to_bytes_with(|layouts| {
                let Some(l) = layouts.get_mut(pi) else { return };
                let v = odd(rng, value % 4096);
                match which {
                    0 => l.offset = v,
                    1 => l.len = v,
                    2 => l.slot_count = v as u32,
                    3 => l.entries = v as u32,
                    _ => l.longest = v as u32,
                }
                what = format!("policy {pi} exact index record {which} = {v} ({l:?})");
            });
            (bytes, what)
        }
        1 => {
            let mut bytes = t.to_bytes();
            let area = u64::from_le_bytes(bytes[32..40].try_into().unwrap_or([0; 8])) as usize;
            if area >= bytes.len() {
                return (bytes, "no index area to damage".into());
            }
            let at = rng.usize(area..bytes.len());
            let b = match rng.u8(..4) {
                0 => 0xff,
                1 => 0,
                2 => b'A',
                _ => rng.u8(..),
            };
            bytes[at] = b;
            reseal(&mut bytes);
            (bytes, format!("index area byte {} = 0x{b:02x}", at - area))
        }
        2 => {
            let mut bytes = t.to_bytes();
            let at = [16, 24, 32][rng.usize(..3)];
            let old = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
            let v = odd(rng, old);
            bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
            let crc = crc32fast::hash(bytes.get(HEADER_LEN..).unwrap_or(&[]));
            bytes[12..16].copy_from_slice(&crc.to_le_bytes());
            (bytes, format!("header field {at} = {v} (was {old})"))
        }
        _ => {
            let mut bytes = t.to_bytes();
            let len = rng.usize(..bytes.len());
            bytes.truncate(len);
            let resealed = rng.bool();
            if resealed {
                reseal(&mut bytes);
            }
            (bytes, format!("truncated to {len} bytes{}", if resealed { ", resealed" } else { "" }))
        }
    }
}

/// Origins that reach the rules of policy `p`: its keys made into origins a browser
/// could send, and a few it should not accept.
fn probe_origins(t: &RuleTable, p: usize) -> Vec<String> {
    let Some(p) = t.policies.get(p) else { return Vec::new() };
    let text = |k: &[u8]| String::from_utf8_lossy(k).into_owned();
    let mut out: Vec<String> = p.origins.exact.iter().take(4).map(|(k, _)| text(k)).collect();
    for (k, schemes) in p.origins.subdomain.iter().take(3) {
        out.extend(schemes.iter().take(2).map(|s| format!("{}://a.{}", s.scheme, text(k))));
    }
    for (k, schemes) in p.origins.subdomain_any_port.iter().take(3) {
        out.extend(schemes.iter().take(2).map(|s| format!("{}://a.{}:8443", s.scheme, text(k))));
    }
    for (k, schemes) in p.origins.any_port.iter().take(3) {
        out.extend(schemes.iter().take(2).map(|s| format!("{}://{}:3000", s.scheme, text(k))));
    }
    out.extend(["null", "https://evil.example", "https://abc.example.net"].map(String::from));
    out
}

/// Every header the loaded table emits for the probe requests passes the value check,
/// and no answer pairs `*` with credentials.
///
/// One allowance: the loader checks the exact-origin keys' bytes, not their syntax
/// (only the compiler parses every key, see `validate.rs`). A table whose keys fail the
/// compiler's check may reflect such a key; it is then byte for byte the `Origin` the
/// request sent, made only of bytes an origin may hold, so it is held to that.
///
/// And a reflected request `Origin` is the request's bytes: a regex may accept one no
/// browser sends (a compiled `https://[a-z/]+\.example\.com` accepts
/// `https:///x.example.com`), so it is held to what the module checks before it writes
/// it, a safe field value (`ResponseHeaders::checked_lines`).
pub fn emitted_headers_are_valid(t: &RuleTable) -> Result<(), String> {
    let keys_parse = super::validate_exact_keys(t).is_ok();
    let methods = ["GET", "PUT", "DELETE", "PATCH", "X-CUSTOM"];
    let request_headers =
        [None, Some("x-request-id"), Some("content-type, authorization"), Some("x-a,x-b")];
    for (pi, policy) in t.policies.iter().enumerate() {
        let id = super::PolicyId(pi as u32);
        let origins = probe_origins(t, pi);
        let mut decisions = vec![(None, t.decide(id, &Request::actual(b"GET", None)))];
        for o in &origins {
            let sent = Some(o.as_bytes());
            decisions.push((sent, t.decide(id, &Request::actual(b"GET", sent))));
            for m in methods {
                for h in request_headers {
                    for pn in [false, true] {
                        let mut req = Request::preflight(o.as_bytes(), m.as_bytes());
                        if let Some(h) = h {
                            req = req.with_request_headers(h.as_bytes());
                        }
                        req.request_private_network = pn;
                        decisions.push((sent, t.decide(id, &req)));
                    }
                }
            }
        }
        for (sent, d) in decisions {
            let Some(headers) = d.headers() else { continue };
            let lines: Vec<(HeaderName, &[u8])> = headers.iter().collect();
            for &(name, value) in &lines {
                let unparsed_key = !keys_parse
                    && name == HeaderName::AllowOrigin
                    && policy.origins.exact.get(value).is_some()
                    && value.iter().all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase());
                let reflected = name == HeaderName::AllowOrigin && Some(value) == sent;
                if reflected {
                    if !crate::fetch::is_safe_field_value(value) {
                        return Err(format!(
                            "policy {:?} reflected an unsafe origin {value:?} ({d:?})",
                            policy.name
                        ));
                    }
                } else if !unparsed_key {
                    check_header_value(name, value)
                        .map_err(|e| format!("policy {:?} emitted {e} ({d:?})", policy.name))?;
                }
            }
            let star = lines.iter().any(|&(n, v)| n == HeaderName::AllowOrigin && v == b"*");
            let creds = lines.iter().any(|&(n, _)| n == HeaderName::AllowCredentials);
            if star && creds {
                return Err(format!("policy {:?}: `*` with credentials ({d:?})", policy.name));
            }
            if let Some(vary) = d.vary() {
                if vary.bytes().any(|b| b.is_ascii_control()) {
                    return Err(format!("policy {:?}: Vary {vary:?}", policy.name));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[test]
fn mutated_tables_are_refused_or_emit_only_valid_headers() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("CORS_TABLE_FUZZ_SEED").unwrap_or(18);
    let budget = env("CORS_TABLE_FUZZ_SECS").map(Duration::from_secs);
    let seeds = seeds();
    for (i, t) in seeds.iter().enumerate() {
        let loaded =
            RuleTable::from_bytes(&t.to_bytes()).unwrap_or_else(|e| panic!("seed {i}: {e}"));
        emitted_headers_are_valid(&loaded).unwrap_or_else(|e| panic!("seed {i}: {e}"));
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let (mut cases, mut accepted) = (0usize, 0usize);
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        let done = match budget {
            Some(b) => started.elapsed() >= b,
            None => cases >= SMOKE_CASES,
        };
        if done {
            break;
        }
        cases += 1;
        let mut t = seeds[rng.usize(..seeds.len())].clone();
        let mut log: Vec<String> =
            (0..rng.usize(1..=3)).map(|_| mutate(&mut t, &mut rng)).collect();
        let (bytes, encoded) = encode(&t, &mut rng);
        log.push(encoded);
        match RuleTable::from_bytes(&bytes) {
            Ok(loaded) => {
                accepted += 1;
                if let Err(e) = emitted_headers_are_valid(&loaded) {
                    panic!("seed {seed}, case {cases}: a loaded table {e}\nmutations: {log:#?}");
                }
            }
            Err(e) => {
                // Tally by the kind of problem: its text up to the first value shown.
                let text = match e {
                    TableError::Refused(v) => v.problem,
                    e => e.to_string(),
                };
                let kind: String = text
                    .split(['"', '('])
                    .next()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_ascii_digit())
                    .collect();
                *refusals.entry(kind).or_default() += 1;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "table fuzz: seed {seed}, {cases} cases in {secs:.1} s ({:.0}/s), {accepted} accepted, {} refused",
        cases as f64 / secs,
        cases - accepted
    );
    let mut kinds: Vec<_> = refusals.into_iter().collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    for (kind, count) in kinds.iter().take(12) {
        eprintln!("  {count:>7}  {kind}");
    }
    // Both outcomes happen: the harness reaches the loader's refusals and the request
    // path of tables it accepts.
    assert!(accepted > 0 && accepted < cases, "{accepted} of {cases} accepted");
}
