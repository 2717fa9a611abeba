//! Policy → rule table: index the origins ([`crate::origin`]), render every header
//! value once.
//!
//! Input is a validated [`PolicySet`] (see [`crate::check`]), so nothing here can fail
//! on user input except the combined size of a policy's regexes.

use crate::codes;
use crate::diag::Diagnostic;
use crate::fetch::HeaderName;
use crate::model::{
    AllowList, OriginPattern, Policy, PolicySet, PreflightMode, RefusedPreflight, Rule,
};
use crate::origin::{BuildError, OriginIndex};
use crate::span::SourceMap;
use crate::table::{
    preflight_vary, CompiledPolicy, CompiledRule, Preflight, RenderedHeader, RenderedValue,
    RuleTable, SourceLoc, Violation,
};

/// Compiles every policy of `set` into one [`RuleTable`].
///
/// Fails when a policy's regexes together exceed the size limit (`CORS006`; each
/// regex on its own was already checked), or when the table fails the validation every
/// loaded `.corsb` goes through (`CORS003`; see [`RuleTable::validate`]).
pub fn compile(set: &PolicySet, sources: &SourceMap) -> Result<RuleTable, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut policies = Vec::with_capacity(set.policies.len());
    for policy in &set.policies {
        match compile_policy(policy, sources) {
            Ok(p) => policies.push(p),
            Err(d) => errors.push(*d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let table = RuleTable { policies };
    // The loader's validation, run on what was just built: a policy the checker let
    // through but the loader would refuse (a control character in a policy name, a
    // compiler bug) is refused here, at its source, instead of in nginx.
    // The compiler also parses every exact origin key, which the loader does not.
    match table.validate_fully() {
        Ok(()) => Ok(table),
        Err(v) => Err(vec![refused(set, &v)]),
    }
}

/// The table validation's verdict as a diagnostic on the policy (or rule) at fault.
fn refused(set: &PolicySet, v: &Violation) -> Diagnostic {
    let policy = set.policies.get(v.policy_index);
    let rule = v.rule.and_then(|r| policy?.rules.get(r));
    let span = rule.map(|r| r.span).or(policy.map(|p| p.name.span)).unwrap_or_default();
    Diagnostic::new(codes::INVALID_ARGUMENTS, span, v.to_string())
        .label("the compiled table would be refused")
        .help("every `.corsb` is validated when it is loaded; this policy would not load")
}

fn compile_policy(policy: &Policy, sources: &SourceMap) -> Result<CompiledPolicy, Box<Diagnostic>> {
    let rule_origins = policy.rules.iter().map(|r| r.origins.iter().map(|o| &o.node));
    let origins = OriginIndex::build(rule_origins).map_err(|e| {
        Box::new(match e {
            BuildError::Regex(e) => Diagnostic::new(
                codes::REGEX_TOO_LARGE,
                policy.name.span,
                "the policy's regexes are too large together",
            )
            .help(match e.size_limit() {
                Some(limit) => format!(
                    "together they compile to more than {} MiB; merge patterns or list origins exactly",
                    limit >> 20
                ),
                None => format!("simplify or merge the `~` origins ({e})"),
            }),
            // Over 4 GiB of origin text: far beyond any source limit's sensible use.
            BuildError::TooManyOrigins => Diagnostic::new(
                codes::INVALID_ARGUMENTS,
                policy.name.span,
                "the policy's exact origins exceed the rule table's 4 GiB index",
            )
            .help("split the origins over several policies"),
        })
    })?;
    // When the first rule has `*`, every origin gets the same answer: no `Vary` needed.
    let origin_dependent = origins.any != Some(0);
    let private_network = policy.rules.iter().any(|r| r.private_network.node);
    let preflight_vary = preflight_vary(origin_dependent, private_network);
    let handling = &policy.preflight;
    Ok(CompiledPolicy {
        name: policy.name.node.clone(),
        rules: policy.rules.iter().map(|r| compile_rule(r, sources)).collect(),
        origins,
        preflight: Preflight {
            answer: handling.mode.node == PreflightMode::Answer,
            success_status: handling.success_status.node,
            refused_status: match handling.refused.node {
                RefusedPreflight::Status(s) => Some(s),
                RefusedPreflight::Pass => None,
            },
        },
        vary: origin_dependent.then(|| "Origin".into()),
        preflight_vary: preflight_vary.into(),
    })
}

fn compile_rule(rule: &Rule, sources: &SourceMap) -> CompiledRule {
    fn listed(l: &AllowList<String>) -> Vec<&str> {
        l.entries().iter().map(|e| e.node.as_str()).collect()
    }
    let render = |l: &AllowList<String>| -> Option<Box<str>> {
        let mut items = listed(l);
        if l.is_any() {
            items.insert(0, "*");
        }
        (!items.is_empty()).then(|| items.join(", ").into())
    };
    let allow_origin = if rule.origins.iter().any(|o| matches!(o.node, OriginPattern::Any)) {
        RenderedValue::Text("*".into())
    } else {
        RenderedValue::RequestOrigin
    };
    let text = |v: Option<Box<str>>| v.map(RenderedValue::Text);
    let credentials = rule.credentials.node.then(|| RenderedValue::Text("true".into()));
    // With credentials, browsers read `*` in these lists as a name, not a wildcard
    // (Fetch, CORS-preflight fetch): `*` is answered with what the preflight asked for.
    let list_or_reflected = |l: &AllowList<String>, reflected: RenderedValue| {
        if rule.credentials.node && l.is_any() {
            Some(reflected)
        } else {
            text(render(l))
        }
    };
    /// The headers that have a value, in the order given (the sending order).
    fn collect<const N: usize>(
        headers: [(HeaderName, Option<RenderedValue>); N],
    ) -> Box<[RenderedHeader]> {
        headers
            .into_iter()
            .filter_map(|(name, v)| Some(RenderedHeader { name, value: v? }))
            .collect()
    }
    CompiledRule {
        source: SourceLoc {
            file: sources.path(rule.span.file).display().to_string(),
            line: rule.span.line,
            col: rule.span.col,
        },
        methods: match &rule.methods.node {
            AllowList::Any(_) => None,
            AllowList::List(m) => Some(m.iter().map(|m| m.node.as_str().into()).collect()),
        },
        headers: listed(&rule.headers.node).iter().map(|h| h.to_ascii_lowercase().into()).collect(),
        any_header: rule.headers.node.is_any(),
        private_network: rule.private_network.node,
        actual: collect([
            (HeaderName::AllowOrigin, Some(allow_origin.clone())),
            (HeaderName::AllowCredentials, credentials.clone()),
            (HeaderName::ExposeHeaders, text(render(&rule.expose.node))),
        ]),
        preflight: collect([
            (HeaderName::AllowOrigin, Some(allow_origin)),
            (HeaderName::AllowCredentials, credentials),
            (
                HeaderName::AllowMethods,
                list_or_reflected(&rule.methods.node, RenderedValue::RequestMethod),
            ),
            (
                HeaderName::AllowHeaders,
                list_or_reflected(&rule.headers.node, RenderedValue::RequestHeaders),
            ),
            (HeaderName::MaxAge, text(rule.max_age.as_ref().map(|m| m.node.to_string().into()))),
        ]),
    }
}
