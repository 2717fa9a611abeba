//! What every rule table must satisfy, however it was made: the one validation that
//! both the compiler (on the table it just built) and the `.corsb` loader (on a table
//! decoded from a file someone may have edited) run.
//!
//! A `.corsb` file is copied to servers and read by nginx's master process; its
//! checksum only catches accidents. So loading re-establishes, from the decoded data
//! alone, every invariant the compiler guarantees, and above all that nothing the
//! table can make nginx send is anything a policy could have said:
//!
//! - every header value is one the header's grammar allows ([`check_header_value`]):
//!   tokens, `*`, `true`, digits, separated by `", "`; never a control byte, so never
//!   a CR, LF or NUL that would start a header of the attacker's choosing;
//! - every rendered value agrees with the rule it was rendered from (its method and
//!   header lists, its credentials), in the compiler's sending order;
//! - no `*` origin with credentials, no literal `*` method or header list with
//!   credentials (browsers read it as a name: the request's own is reflected), no
//!   `expose *` with credentials, no forbidden method;
//! - `Vary` values are exactly what the rules imply (a cache must not mix answers);
//! - every rule index is in range, every origin key is a normalised origin, every
//!   regex is anchored, compiles alone and stays within [`REGEX_SIZE_LIMIT`];
//! - the exact-origin index (a `.corsb` maps it as it is) is laid out as the lookup
//!   expects: for it the loader runs a linear layout pass only (slots, probe bound,
//!   bounds, rule indices, and bytes an origin may hold: never a control byte), so
//!   loading a million origins is a scan, not a parse. The compiler also parses every
//!   key ([`validate_exact_keys`]); a key the loader let through but that is no
//!   normalised origin only ever answers the request that sent exactly those bytes.
//! - preflight statuses are ones the language accepts; policy names are unique and
//!   printable.
//!
//! It works on the decoded [`RuleTable`] only (no source, no model); the exact index is
//! checked over its bytes, wherever they live (built in memory or mapped).

use super::{CompiledPolicy, CompiledRule, Preflight, RenderedHeader, RenderedValue, RuleTable};
use crate::fetch::{is_forbidden_method, is_token, list_elements, HeaderName};
use crate::origin::{parse_origin, OriginIndex, OriginPattern, PortPattern, REGEX_SIZE_LIMIT};
use std::collections::HashSet;

/// The violation of policy `policy_index` (`rule`, if one is at fault).
fn violation(
    p: &CompiledPolicy,
    policy_index: usize,
    rule: Option<usize>,
    problem: String,
) -> Violation {
    Violation {
        policy_index,
        policy: quoted(p.name.as_bytes()),
        rule,
        rule_source: rule.and_then(|i| p.rules.get(i)).map(|r| {
            format!("{}:{}:{}", r.source.file.escape_debug(), r.source.line, r.source.col)
        }),
        problem,
    }
}

/// Why a table was refused: the policy, the rule (when one is at fault) and what was
/// wrong, with any untrusted text shown escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Index of the policy in the table.
    pub policy_index: usize,
    /// The policy's name, quoted and escaped (`"api"`).
    pub policy: String,
    /// Index of the rule at fault in its policy, when one is.
    pub rule: Option<usize>,
    /// Where that rule was written, as recorded in the table (escaped).
    pub rule_source: Option<String>,
    /// What was wrong (lower case, values quoted and escaped).
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "policy {}", self.policy)?;
        if let Some(rule) = self.rule {
            write!(f, ", rule {}", rule + 1)?;
            if let Some(at) = &self.rule_source {
                write!(f, " ({at})")?;
            }
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for Violation {}

/// `"text"` with control bytes, quotes and non-ASCII escaped (`"ap\u{1}i"`): untrusted
/// text is never printed raw, in nginx's log or a terminal.
pub(crate) fn quoted(text: &[u8]) -> String {
    format!("\"{}\"", text.escape_ascii())
}

/// Checks everything [`RuleTable`]'s invariants promise (see the module doc). The
/// regex sets must have been built ([`OriginIndex::prepare_lookup`]), which enforces
/// the combined size limit.
pub(crate) fn validate(table: &RuleTable) -> Result<(), Violation> {
    let mut names = HashSet::new();
    for (policy_index, p) in table.policies.iter().enumerate() {
        let fail = |rule: Option<usize>, problem: String| violation(p, policy_index, rule, problem);
        if p.name.is_empty() {
            return Err(fail(None, "the name is empty".into()));
        }
        if !printable(&p.name) {
            return Err(fail(None, "the name contains a control character".into()));
        }
        if !names.insert(p.name.as_str()) {
            return Err(fail(None, "is defined twice".into()));
        }
        policy(p).map_err(|problem| fail(None, problem))?;
        for (idx, r) in p.rules.iter().enumerate() {
            rule(p, idx, r).map_err(|problem| fail(Some(idx), problem))?;
        }
    }
    Ok(())
}

/// What the compiler checks beyond [`validate`]: every exact origin key parses to
/// itself, and a lookup finds it (one `parse_origin` per key: the compiler's and the
/// fuzz tests' check, not the loader's).
pub(crate) fn validate_exact_keys(table: &RuleTable) -> Result<(), Violation> {
    for (policy_index, p) in table.policies.iter().enumerate() {
        p.origins
            .exact
            .check_keys()
            .map_err(|problem| violation(p, policy_index, None, problem))?;
    }
    Ok(())
}

/// ASCII without control bytes, or any other text without control characters.
fn printable(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// The policy-level fields: preflight handling, `Vary`, the origin index.
fn policy(p: &CompiledPolicy) -> Result<(), String> {
    let Preflight { answer: _, success_status, refused_status } = p.preflight;
    if !matches!(success_status, 200 | 204) {
        return Err(format!("preflight success status {success_status} is not 200 or 204"));
    }
    if let Some(s) = refused_status.filter(|s| !(400..=499).contains(s)) {
        return Err(format!("refused-preflight status {s} is not from 400 to 499"));
    }
    let rules = u32::try_from(p.rules.len()).map_err(|_| "too many rules".to_string())?;
    if !p.origins.indices_below(rules) {
        return Err(format!("an origin points at a rule that does not exist ({rules} rules)"));
    }
    p.origins.exact.check_layout(rules)?;
    origin_keys(&p.origins)?;
    // Every origin gets the same answer only when the first rule lists `*`.
    let origin_dependent = p.origins.any != Some(0);
    let vary = p.vary.as_deref().map(str::as_bytes);
    if vary != origin_dependent.then_some(&b"Origin"[..]) {
        return Err(format!(
            "`Vary` {} does not match the rules (expected {})",
            vary.map_or("absent".into(), quoted),
            if origin_dependent { "\"Origin\"" } else { "none: the first rule allows `*`" }
        ));
    }
    let expected = preflight_vary(origin_dependent, p.rules.iter().any(|r| r.private_network));
    if *p.preflight_vary != *expected {
        return Err(format!(
            "preflight `Vary` {} does not match the rules (expected {})",
            quoted(p.preflight_vary.as_bytes()),
            quoted(expected.as_bytes())
        ));
    }
    Ok(())
}

/// The `Vary` of preflight answers: what a preflight's answer depends on.
pub(crate) fn preflight_vary(origin_dependent: bool, private_network: bool) -> String {
    let mut vary = String::new();
    if origin_dependent {
        vary.push_str("Origin, ");
    }
    vary.push_str("Access-Control-Request-Method, Access-Control-Request-Headers");
    if private_network {
        vary.push_str(", Access-Control-Request-Private-Network");
    }
    vary
}

/// Every key of the pattern maps is what [`parse_origin`] makes of some origin
/// pattern, and every regex is anchored and compiles alone (so its parentheses cannot
/// escape the anchoring group). (Exact keys: see [`validate_exact_keys`].)
fn origin_keys(index: &OriginIndex) -> Result<(), String> {
    let text = |key: &[u8]| String::from_utf8(key.to_vec()).ok();
    let subdomain_maps = [(&index.subdomain, false), (&index.subdomain_any_port, true)];
    for (map, any_port) in subdomain_maps {
        for (key, schemes) in map {
            for e in schemes {
                let pattern = text(key).map(|k| {
                    let port = if any_port { ":*" } else { "" };
                    format!("{}://*.{k}{port}", e.scheme)
                });
                let ok = pattern.as_deref().map(parse_origin).is_some_and(|p| match p {
                    Ok(OriginPattern::Subdomain { scheme, suffix, port }) => {
                        let key_port = match port {
                            PortPattern::Default | PortPattern::Any => String::new(),
                            PortPattern::Number(n) => format!(":{n}"),
                        };
                        *scheme == *e.scheme
                            && format!("{suffix}{key_port}").as_bytes() == &key[..]
                            && (port == PortPattern::Any) == any_port
                    }
                    _ => false,
                });
                if !ok {
                    return Err(format!(
                        "subdomain origin {} with scheme {} is not a normalised pattern",
                        quoted(key),
                        quoted(e.scheme.as_bytes())
                    ));
                }
            }
        }
    }
    for (key, schemes) in &index.any_port {
        for e in schemes {
            let ok = text(key).is_some_and(|k| {
                parse_origin(&format!("{}://{k}:*", e.scheme))
                    == Ok(OriginPattern::AnyPort { scheme: e.scheme.to_string(), host: k })
            });
            if !ok {
                return Err(format!(
                    "any-port origin {} with scheme {} is not a normalised pattern",
                    quoted(key),
                    quoted(e.scheme.as_bytes())
                ));
            }
        }
    }
    for (anchored, _) in &index.regexes {
        let inner = anchored.strip_prefix(r"\A(?:").and_then(|r| r.strip_suffix(r")\z"));
        let compiles = |re: &str| {
            regex::bytes::RegexBuilder::new(re).size_limit(REGEX_SIZE_LIMIT).build().is_ok()
        };
        if !inner.is_some_and(|re| compiles(re) && compiles(anchored)) {
            return Err(format!(
                "regex {} is not an anchored pattern that compiles within the size limit",
                quoted(anchored.as_bytes())
            ));
        }
    }
    Ok(())
}

/// Which headers a rule's answers may carry, in the compiler's sending order.
const ACTUAL_ORDER: &[HeaderName] =
    &[HeaderName::AllowOrigin, HeaderName::AllowCredentials, HeaderName::ExposeHeaders];
const PREFLIGHT_ORDER: &[HeaderName] = &[
    HeaderName::AllowOrigin,
    HeaderName::AllowCredentials,
    HeaderName::AllowMethods,
    HeaderName::AllowHeaders,
    HeaderName::MaxAge,
];

/// One rule: its lists, and every rendered header against them.
fn rule(p: &CompiledPolicy, idx: usize, r: &CompiledRule) -> Result<(), String> {
    if !printable(&r.source.file) {
        return Err(format!(
            "source file name {} is not printable",
            quoted(r.source.file.as_bytes())
        ));
    }
    // `*` is a token too, but the compiler keeps it as `methods: None` / `any_header`.
    for m in r.methods.iter().flatten() {
        method_name(m.as_bytes())?;
        if &**m == "*" {
            return Err("`*` in the method list (a `*` rule keeps no list)".into());
        }
    }
    for h in &r.headers {
        if !is_token(h.as_bytes()) || &**h == "*" || h.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "allowed header {} is not a lower-case token",
                quoted(h.as_bytes())
            ));
        }
    }
    let actual = in_order(&r.actual, ACTUAL_ORDER, "actual")?;
    let preflight = in_order(&r.preflight, PREFLIGHT_ORDER, "preflight")?;
    for h in r.actual.iter().chain(r.preflight.iter()) {
        // What a header may reflect of the request, if anything.
        let reflects = match &h.value {
            RenderedValue::Text(_) => None,
            RenderedValue::RequestOrigin => Some(HeaderName::AllowOrigin),
            RenderedValue::RequestMethod => Some(HeaderName::AllowMethods),
            RenderedValue::RequestHeaders => Some(HeaderName::AllowHeaders),
        };
        if reflects.is_some_and(|n| n != h.name) {
            return Err(format!("`{}` cannot be {}", h.name, describe(Some(&h.value))));
        }
        if let RenderedValue::Text(t) = &h.value {
            check_header_value(h.name, t.as_bytes())?;
            if is_list(h.name) && !canonical_list(t) {
                return Err(format!(
                    "`{}` value {} is not a `, `-separated list",
                    h.name,
                    quoted(t.as_bytes())
                ));
            }
        }
    }
    let credentials = get(&preflight, HeaderName::AllowCredentials).is_some();
    if get(&actual, HeaderName::AllowCredentials).is_some() != credentials {
        return Err("actual and preflight answers disagree about credentials".into());
    }
    // Access-Control-Allow-Origin: `*` exactly for a rule listing `*`, never with
    // credentials; every other rule reflects the origin it matched.
    let origin = get(&preflight, HeaderName::AllowOrigin);
    if origin != get(&actual, HeaderName::AllowOrigin) {
        return Err(
            "actual and preflight answers disagree about `Access-Control-Allow-Origin`".into()
        );
    }
    match origin {
        Some(RenderedValue::Text(t)) if &**t == "*" => {
            if credentials {
                return Err("`Access-Control-Allow-Origin: *` with credentials".into());
            }
            if p.origins.any.is_none_or(|first| first as usize > idx) {
                return Err(
                    "`Access-Control-Allow-Origin: *` on a rule that does not allow `*`".into()
                );
            }
        }
        Some(RenderedValue::RequestOrigin) if p.origins.any == Some(idx as u32) => {
            return Err("reflects every origin: the rule allows `*` but does not answer `*`".into());
        }
        Some(RenderedValue::RequestOrigin) => {}
        _ => {
            return Err(
                "`Access-Control-Allow-Origin` is neither `*` nor the request's origin".into()
            )
        }
    }
    let methods = get(&preflight, HeaderName::AllowMethods);
    match (&r.methods, methods) {
        (Some(list), None) if list.is_empty() => {}
        (Some(list), Some(RenderedValue::Text(t)))
            if !list.is_empty() && **t == *list.join(", ") => {}
        (None, Some(RenderedValue::RequestMethod)) if credentials => {}
        (None, Some(RenderedValue::Text(t))) if !credentials && starts_with_star(t) => {}
        _ => {
            return Err(format!(
                "`Access-Control-Allow-Methods` {} does not match the rule's methods ({})",
                describe(methods),
                r.methods.as_ref().map_or("*".into(), |m| m.join(" ")),
            ))
        }
    }
    let headers = get(&preflight, HeaderName::AllowHeaders);
    let agrees = match headers {
        None => !r.any_header && r.headers.is_empty(),
        Some(RenderedValue::RequestHeaders) => r.any_header && credentials,
        Some(RenderedValue::Text(t)) if !(r.any_header && credentials) => {
            let mut items = t.split(", ");
            let star = !r.any_header || items.next() == Some("*");
            let listed: Vec<&str> = items.collect();
            star && listed.len() == r.headers.len()
                && listed.iter().zip(&r.headers).all(|(a, b)| a.eq_ignore_ascii_case(b))
        }
        Some(_) => false,
    };
    if !agrees {
        return Err(format!(
            "`Access-Control-Allow-Headers` {} does not match the rule's headers ({}{})",
            describe(headers),
            if r.any_header { "* " } else { "" },
            r.headers.join(" "),
        ));
    }
    if let Some(v) = get(&actual, HeaderName::ExposeHeaders) {
        match v {
            RenderedValue::Text(t) if credentials && starts_with_star(t) => {
                return Err("`Access-Control-Expose-Headers: *` with credentials".into())
            }
            RenderedValue::Text(_) => {}
            _ => return Err("`Access-Control-Expose-Headers` is not fixed text".into()),
        }
    }
    match get(&preflight, HeaderName::MaxAge) {
        None | Some(RenderedValue::Text(_)) => {}
        Some(_) => return Err("`Access-Control-Max-Age` is not fixed text".into()),
    }
    Ok(())
}

/// `*`, or `*, …`.
fn starts_with_star(t: &str) -> bool {
    t.split(", ").next() == Some("*")
}

fn describe(v: Option<&RenderedValue>) -> String {
    match v {
        None => "absent".into(),
        Some(RenderedValue::Text(t)) => quoted(t.as_bytes()),
        Some(RenderedValue::RequestOrigin) => "reflecting the origin".into(),
        Some(RenderedValue::RequestMethod) => "reflecting the requested method".into(),
        Some(RenderedValue::RequestHeaders) => "reflecting the requested headers".into(),
    }
}

/// The rendered values of one answer, indexed by [`HeaderName`].
type Answer<'r> = [Option<&'r RenderedValue>; 7];

fn get<'r>(answer: &Answer<'r>, name: HeaderName) -> Option<&'r RenderedValue> {
    answer[name as usize]
}

/// The headers of one answer, each at its place in `order` at most once (so no
/// repeats, in sending order), `Access-Control-Allow-Origin` present.
fn in_order<'r>(
    headers: &'r [RenderedHeader],
    order: &[HeaderName],
    which: &str,
) -> Result<Answer<'r>, String> {
    let mut found: Answer<'r> = [None; 7];
    let mut rest = order;
    for h in headers {
        let Some(at) = rest.iter().position(|&n| n == h.name) else {
            return Err(format!("{which} answer has `{}` out of place or repeated", h.name));
        };
        rest = rest.get(at + 1..).unwrap_or(&[]);
        found[h.name as usize] = Some(&h.value);
    }
    if found[HeaderName::AllowOrigin as usize].is_none() {
        return Err(format!("{which} answer has no `Access-Control-Allow-Origin`"));
    }
    Ok(found)
}

/// The headers whose values are comma-separated lists.
fn is_list(name: HeaderName) -> bool {
    matches!(name, HeaderName::AllowMethods | HeaderName::AllowHeaders | HeaderName::ExposeHeaders)
}

/// A list as the compiler renders it: items joined by exactly `", "`.
fn canonical_list(t: &str) -> bool {
    t.split(", ").all(|item| !item.is_empty() && !item.contains([' ', ',']))
}

/// A method a rule may allow: a token, not a forbidden one.
fn method_name(m: &[u8]) -> Result<(), String> {
    if !is_token(m) {
        return Err(format!("method {} is not a token", quoted(m)));
    }
    if is_forbidden_method(m) {
        return Err(format!("method {} is forbidden", quoted(m)));
    }
    Ok(())
}

/// Whether `value` is a value this header may carry: the one grammar check that table
/// validation applies to every rendered value and that the fuzz test applies to
/// everything a loaded table emits. Reflected values are checked for what they are
/// (an origin, a method or header list the request sent).
///
/// - `Access-Control-Allow-Origin`: `*`, `null` or a serialised origin;
/// - `Access-Control-Allow-Credentials`, `-Allow-Private-Network`: `true`;
/// - `Access-Control-Allow-Methods`: `*` first or not at all, then tokens that are not
///   forbidden methods, separated by `", "`;
/// - `Access-Control-Allow-Headers`, `-Expose-Headers`: the same, with header names;
/// - `Access-Control-Max-Age`: a decimal `u32` without leading zeros.
pub fn check_header_value(name: HeaderName, value: &[u8]) -> Result<(), String> {
    if let Some(b) = value.iter().find(|b| b.is_ascii_control() || !b.is_ascii()) {
        return Err(format!(
            "`{name}` value {} contains the byte 0x{b:02x}{}",
            quoted(value),
            if matches!(b, b'\r' | b'\n' | 0) {
                " (a line break or NUL would inject headers)"
            } else {
                ""
            }
        ));
    }
    let ok = match name {
        HeaderName::AllowOrigin => {
            value == b"*"
                || value == b"null"
                || std::str::from_utf8(value)
                    .is_ok_and(|v| matches!(parse_origin(v), Ok(OriginPattern::Exact(e)) if e == v))
        }
        HeaderName::AllowCredentials | HeaderName::AllowPrivateNetwork => value == b"true",
        HeaderName::AllowMethods => list(value, |m| method_name(m).is_ok()),
        HeaderName::AllowHeaders | HeaderName::ExposeHeaders => list(value, is_token),
        HeaderName::MaxAge => std::str::from_utf8(value)
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|n| n.to_string().as_bytes() == value),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` value {} is not one the policy language can produce", quoted(value)))
    }
}

/// RFC 9110 `#rule` list (optional whitespace, empty elements skipped, as a request
/// may send it and the answer may reflect it) of at least one element: `*` at most
/// once and first, then items each satisfying `item`.
fn list(value: &[u8], item: impl Fn(&[u8]) -> bool) -> bool {
    let mut count = 0;
    list_elements(value).all(|e| {
        count += 1;
        if e == b"*" {
            count == 1
        } else {
            item(e)
        }
    }) && count > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::CompiledRule;
    use std::path::Path;

    const POLICIES: &str = r#"
        policy api {
            origin https://app.example.com;
            methods GET PUT;
            headers Content-Type X-Request-ID;
            expose X-Request-ID;
            credentials on;
            max-age 10m;
        }
        policy star { origin *; methods * PUT; headers * X-A; }
        policy creds { origin https://a.example.com; methods *; headers *; credentials on; }
    "#;

    fn table() -> RuleTable {
        crate::build(Path::new("t.cors"), POLICIES).expect("the test policies compile").0
    }

    fn rule(t: &mut RuleTable, policy: usize) -> &mut CompiledRule {
        &mut t.policies[policy].rules[0]
    }

    fn set(headers: &mut Box<[RenderedHeader]>, name: HeaderName, value: Option<RenderedValue>) {
        let mut list = headers.to_vec();
        list.retain(|h| h.name != name);
        if let Some(value) = value {
            let at = list.iter().position(|h| h.name as usize > name as usize);
            list.insert(at.unwrap_or(list.len()), RenderedHeader { name, value });
        }
        *headers = list.into();
    }

    fn text(t: &str) -> Option<RenderedValue> {
        Some(RenderedValue::Text(t.into()))
    }

    #[test]
    fn the_compiler_output_is_valid() {
        assert_eq!(validate(&table()), Ok(()));
        assert_eq!(validate_exact_keys(&table()), Ok(()));
    }

    #[test]
    fn only_the_compiler_parses_exact_keys() {
        // Bytes an origin may hold, but no normalised origin: the loader's layout pass
        // lets it through, the compiler's key check does not.
        let mut t = table();
        let entries: &[(&[u8], u32)] = &[(b"https://app..example.com:", 0)];
        t.policies[0].origins.exact = crate::origin::ExactIndex::build(entries).expect("builds");
        assert_eq!(validate(&t), Ok(()));
        let v = validate_exact_keys(&t).expect_err("refused");
        assert!(v.to_string().contains("not a normalised origin"), "{v}");
    }

    /// Each edit of a valid table, and a word its refusal must contain.
    #[test]
    fn tables_no_policy_compiles_to_are_refused() {
        type Edit = fn(&mut RuleTable);
        let cases: &[(&str, Edit, &str)] = &[
            (
                "the `*` rule reflects the origin",
                |t| {
                    let r = rule(t, 1);
                    set(&mut r.actual, HeaderName::AllowOrigin, Some(RenderedValue::RequestOrigin));
                    set(
                        &mut r.preflight,
                        HeaderName::AllowOrigin,
                        Some(RenderedValue::RequestOrigin),
                    );
                },
                "reflects every origin",
            ),
            (
                "`*` with credentials",
                |t| {
                    let r = rule(t, 1);
                    set(&mut r.actual, HeaderName::AllowCredentials, text("true"));
                    set(&mut r.preflight, HeaderName::AllowCredentials, text("true"));
                },
                "with credentials",
            ),
            (
                "a literal `*` method list with credentials",
                |t| set(&mut rule(t, 2).preflight, HeaderName::AllowMethods, text("*")),
                "Access-Control-Allow-Methods",
            ),
            (
                "a literal `*` header list with credentials",
                |t| set(&mut rule(t, 2).preflight, HeaderName::AllowHeaders, text("*")),
                "Access-Control-Allow-Headers",
            ),
            (
                "credentials reflecting the request's headers",
                |t| {
                    let v = Some(RenderedValue::RequestHeaders);
                    set(&mut rule(t, 0).preflight, HeaderName::AllowCredentials, v);
                },
                "cannot be reflecting",
            ),
            (
                "`expose *` with credentials",
                |t| set(&mut rule(t, 0).actual, HeaderName::ExposeHeaders, text("*")),
                "Expose-Headers: *",
            ),
            (
                "a forbidden method",
                |t| {
                    let r = rule(t, 0);
                    r.methods = Some(vec!["TRACE".into()]);
                    set(&mut r.preflight, HeaderName::AllowMethods, text("TRACE"));
                },
                "forbidden",
            ),
            (
                "methods that disagree with the rule",
                |t| set(&mut rule(t, 0).preflight, HeaderName::AllowMethods, text("GET, DELETE")),
                "does not match the rule's methods",
            ),
            (
                "allowed headers not lower case",
                |t| rule(t, 0).headers[0] = "Content-Type".into(),
                "lower-case token",
            ),
            (
                "credentials on one answer only",
                |t| set(&mut rule(t, 0).actual, HeaderName::AllowCredentials, None),
                "disagree about credentials",
            ),
            (
                "a repeated header",
                |t| {
                    let r = rule(t, 0);
                    let mut list = r.actual.to_vec();
                    list.push(list[0].clone());
                    r.actual = list.into();
                },
                "out of place or repeated",
            ),
            ("an index out of range", |t| t.policies[0].origins.any = Some(7), "does not exist"),
            (
                "an unanchored regex",
                |t| t.policies[0].origins.regexes.push(("a|.*".into(), 0)),
                "anchored",
            ),
            (
                "a regex escaping its anchors",
                |t| t.policies[0].origins.regexes.push((r"\A(?:a)|(?:.*)\z".into(), 0)),
                "anchored",
            ),
            ("`Vary` without `Origin`", |t| t.policies[0].vary = None, "`Vary` absent"),
            (
                "a max-age that is no number",
                |t| set(&mut rule(t, 0).preflight, HeaderName::MaxAge, text("6OO")),
                "Access-Control-Max-Age",
            ),
            ("a bad preflight status", |t| t.policies[0].preflight.success_status = 302, "302"),
            ("two policies of one name", |t| t.policies[2].name = "api".into(), "defined twice"),
            ("a control byte in a name", |t| t.policies[0].name = "a\u{1}".into(), "control"),
            (
                "a non-normalised origin key",
                |t| {
                    let entries: &[(&[u8], u32)] = &[(b"https://App.example.com", 0)];
                    t.policies[0].origins.exact =
                        crate::origin::ExactIndex::build(entries).expect("builds");
                },
                "not a normalised origin",
            ),
        ];
        for (what, edit, word) in cases {
            let mut t = table();
            edit(&mut t);
            match validate(&t) {
                Ok(()) => panic!("{what}: accepted"),
                Err(v) => assert!(v.to_string().contains(word), "{what}: {v}"),
            }
        }
    }

    #[test]
    fn header_values_follow_their_grammar() {
        let cases: &[(HeaderName, &str, bool)] = &[
            (HeaderName::AllowOrigin, "*", true),
            (HeaderName::AllowOrigin, "https://a.example", true),
            (HeaderName::AllowOrigin, "https://a.example/", false),
            (HeaderName::AllowOrigin, "https://a.example\r\nX: y", false),
            (HeaderName::AllowCredentials, "true", true),
            (HeaderName::AllowCredentials, "false", false),
            (HeaderName::AllowMethods, "*, PUT", true),
            (HeaderName::AllowMethods, "PUT, *", false),
            (HeaderName::AllowMethods, "PUT, TRACE", false),
            (HeaderName::AllowMethods, "", false),
            (HeaderName::AllowHeaders, "x-a,x-b", true),
            (HeaderName::AllowHeaders, "x-a\0", false),
            (HeaderName::ExposeHeaders, "X-A, X B", false),
            (HeaderName::MaxAge, "600", true),
            (HeaderName::MaxAge, "0600", false),
            (HeaderName::MaxAge, "4294967296", false),
        ];
        for &(name, value, ok) in cases {
            assert_eq!(check_header_value(name, value.as_bytes()).is_ok(), ok, "{name}: {value:?}");
        }
    }
}
