//! Validation and normalisation: [`crate::ast`] → [`crate::model`].
//!
//! The syntax tree only says "a name, some arguments, maybe a block". This module
//! gives it meaning: which directives exist where, what each argument must be, how
//! policy-level statements become the defaults of `allow` rules, and how origins are
//! normalised (see [`crate::origin`]). It reports every problem it finds, each with a
//! `CORS0xx` code, the exact span and a hint, instead of stopping at the first one.
//!
//! This file holds the structure (which directive may stand where, how a policy and
//! its rules are assembled); `fields.rs` reads the arguments of each directive,
//! `duration.rs` the `max-age` values, and `expect.rs` the `expect` statements and
//! `test` blocks (policy tests, run later against the compiled table).
//!
//! `include` directives are resolved by [`crate::load`] before this runs; the
//! directives it receives have them spliced in already. `# corsc: allow` comments are
//! read by [`crate::lint::suppress`].

mod duration;
mod expect;
mod fields;

pub use duration::parse_duration;

use crate::ast::{Arg, ArgKind, Directive};
use crate::codes;
use crate::diag::Diagnostic;
use crate::diagnostics::Diagnostics;
use crate::model::{
    AllowList, Expectation, OriginPattern, Policy, PreflightHandling, PreflightMode,
    RefusedPreflight, Rule,
};
use crate::span::{Span, Spanned};
use crate::syntax::abbreviate;
use std::collections::HashMap;

/// Directives shared by the policy level (as defaults) and `allow` blocks.
const RULE_FIELDS: &[&str] =
    &["origin", "methods", "headers", "expose", "credentials", "private-network", "max-age"];
/// Directives only meaningful at the policy level.
const POLICY_ONLY: &[&str] =
    &["preflight", "preflight-status", "preflight-refused", "allow", "expect"];
/// Every directive name of the language (the parser also uses it to tell a missing `;`
/// from one more argument).
pub(crate) const ALL: &[&str] = &[
    "policy",
    "include",
    "origin",
    "methods",
    "headers",
    "expose",
    "credentials",
    "private-network",
    "max-age",
    "preflight",
    "preflight-status",
    "preflight-refused",
    "allow",
    "expect",
    "test",
];

/// Validates `directives` (the top level of a file, includes already spliced in) and
/// builds the policies they describe.
///
/// Returns the policies that could be built, the expectations about them (`expect` in a
/// policy or a `test` block) and every diagnostic; the policies are only meaningful
/// when no diagnostic is an error.
///
/// The tree is taken: each statement is dropped once read, so a policy of a million
/// `origin` lines never holds its tree and its model whole at the same time.
pub fn check(directives: Vec<Directive>) -> (Vec<Policy>, Vec<Expectation>, Vec<Diagnostic>) {
    let mut c = TopLevelChecker::default();
    for d in directives {
        c.check(d);
    }
    let (policies, expectations, diags) = c.finish();
    (policies, expectations, diags.finish().0)
}

/// [`check`] one top-level directive at a time, so a file's directives can be checked
/// as they are parsed and dropped after (the loader streams them: issue #17).
#[derive(Default)]
pub struct TopLevelChecker {
    c: Checker,
    policies: Vec<Policy>,
    names: HashMap<String, Span>,
    /// Checked once every policy is known: a test may come before the policy it tests.
    tests: Vec<Directive>,
    /// The policy whose statements are being checked one at a time
    /// ([`TopLevelChecker::open_policy`]).
    open: Option<OpenPolicy>,
}

impl TopLevelChecker {
    /// Starts checking a `policy` directive (name and arguments read, block not yet)
    /// whose statements come one at a time: [`TopLevelChecker::policy_statement`] for
    /// each (its `include`s spliced in), then [`TopLevelChecker::close_policy`]. The same
    /// findings as [`TopLevelChecker::check`] on the whole directive; only one statement
    /// is in memory at a time (a tenants policy has a million).
    pub fn open_policy(&mut self, d: &Directive) {
        self.open = Some(self.c.open_policy(d));
    }

    /// One statement of the open policy.
    pub fn policy_statement(&mut self, d: Directive) {
        if let Some(open) = self.open.as_mut() {
            self.c.policy_statement(open, d);
        }
    }

    /// The open policy is complete; `span` is the whole `policy … { … }` directive's.
    pub fn close_policy(&mut self, span: Span) {
        if let Some(open) = self.open.take() {
            let policy = self.c.close_policy(open, span);
            self.add(policy);
        }
    }

    /// Checks one top-level directive (its block's `include`s already spliced in).
    pub fn check(&mut self, mut d: Directive) {
        let c = &mut self.c;
        match d.name() {
            "test" => self.tests.push(d),
            "policy" => {
                let policy = c.policy(&mut d);
                self.add(policy);
            }
            // Left in only when the loader could not resolve it (already reported).
            "include" => {}
            "expect" => c.misplaced(
                &d,
                "`expect` is only allowed inside a `policy` or `test` block".into(),
                "write it in `policy NAME { … }`, or in `test NAME { … }` to keep tests apart",
            ),
            name if ALL.contains(&name) => c.misplaced(
                &d,
                format!("`{name}` is only allowed inside a `policy {{ … }}` block"),
                "wrap it in `policy NAME { … }`",
            ),
            _ => c.unknown(&d, &["policy", "include", "test"]),
        }
    }

    /// Keeps a checked policy, unless its name is taken (`CORS011`).
    fn add(&mut self, policy: Option<Policy>) {
        let Some(p) = policy else { return };
        if let Some(&first) = self.names.get(&p.name.node) {
            self.c.push(
                Diagnostic::new(
                    codes::DUPLICATE_POLICY,
                    p.name.span,
                    format!("policy `{}` is defined twice", p.name.node),
                )
                .label("second definition")
                .secondary(first, "first defined here")
                .help("rename one of them, or merge them into one policy"),
            );
        } else {
            self.names.insert(p.name.node.clone(), p.name.span);
            self.policies.push(p);
        }
    }

    /// The policies, the expectations about them and the diagnostics (kept and
    /// counted), once every top-level directive was checked.
    pub fn finish(mut self) -> (Vec<Policy>, Vec<Expectation>, Diagnostics) {
        let known: Vec<&str> = self.policies.iter().map(|p| p.name.node.as_str()).collect();
        for d in &self.tests {
            self.c.test_block(d, &known);
        }
        (self.policies, self.c.expectations, self.c.diags)
    }
}

/// The statements of one block (policy level or `allow`), before defaults apply.
#[derive(Default)]
struct Fields {
    origins: Vec<Spanned<OriginPattern>>,
    first_origin: Option<Span>,
    methods: Option<Spanned<AllowList<String>>>,
    headers: Option<Spanned<AllowList<String>>>,
    expose: Option<Spanned<AllowList<String>>>,
    credentials: Option<Spanned<bool>>,
    private_network: Option<Spanned<bool>>,
    max_age: Option<Spanned<u32>>,
    /// Once-only directives already seen in this block, for `CORS015`.
    seen: HashMap<String, Span>,
}

/// A policy whose statements are being read: what they said so far.
struct OpenPolicy {
    /// `None` when the name was refused (the statements are still checked).
    name: Option<Spanned<String>>,
    fields: Fields,
    preflight: PreflightFields,
    allows: Vec<(Span, Fields)>,
    /// Checked at the end, when the policy's name is known good.
    expects: Vec<Directive>,
}

/// Policy-level-only settings.
#[derive(Default)]
struct PreflightFields {
    mode: Option<Spanned<PreflightMode>>,
    status: Option<Spanned<u16>>,
    refused: Option<Spanned<RefusedPreflight>>,
}

#[derive(Default)]
struct Checker {
    diags: Diagnostics,
    /// Diagnostics pushed so far (kept or counted): a statement with errors is dropped.
    pushed: usize,
    /// Every `expect` statement checked so far, in source order.
    expectations: Vec<Expectation>,
}

impl Checker {
    fn push(&mut self, d: Diagnostic) {
        self.pushed += 1;
        self.diags.push(d);
    }

    fn invalid(&mut self, span: Span, message: String, label: &str, help: &str) {
        self.push(Diagnostic::new(codes::INVALID_ARGUMENTS, span, message).label(label).help(help));
    }

    fn misplaced(&mut self, d: &Directive, message: String, help: &str) {
        self.push(
            Diagnostic::new(codes::MISPLACED_DIRECTIVE, d.name.span, message)
                .label("not allowed here")
                .help(help),
        );
    }

    /// `CORS002`, suggesting the closest of `candidates` (or of every name).
    fn unknown(&mut self, d: &Directive, candidates: &[&str]) {
        if !self.diags.wants(codes::UNKNOWN_DIRECTIVE.severity, d.name.span) {
            // Left out of the output anyway: no "did you mean" search for it (a million
            // unknown names used to cost a million searches, issue #17).
            self.pushed += 1;
            self.diags.skip(codes::UNKNOWN_DIRECTIVE.severity);
            return;
        }
        let name = d.name();
        let len = name.chars().count();
        let max = (len / 3).max(1);
        let close = |list: &[&str]| {
            list.iter()
                // The distance is at least the difference in length: a name far longer
                // than every candidate is compared with none (a 10 MB word used to be
                // compared with each, at a cost of its length times theirs).
                .filter(|c| len.abs_diff(c.len()) <= max)
                .map(|c| (strsim::damerau_levenshtein(name, c), *c))
                .filter(|(dist, _)| *dist <= max)
                .min()
                .map(|(_, c)| c.to_string())
        };
        let mut diag = Diagnostic::new(
            codes::UNKNOWN_DIRECTIVE,
            d.name.span,
            format!("unknown directive `{}`", abbreviate(name)),
        )
        .label("unknown directive");
        diag = match close(candidates).or_else(|| close(ALL)) {
            Some(s) => diag.help(format!("did you mean `{s}`?")).suggestion(
                d.name.span,
                s.clone(),
                &format!("rename to `{s}`"),
            ),
            None => {
                let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
                diag.help(format!("expected one of {}", list.join(", ")))
            }
        };
        self.push(diag);
    }

    /// `CORS015` when `d` was already seen in this block; true when it is new.
    fn once(&mut self, d: &Directive, seen: &mut HashMap<String, Span>) -> bool {
        if let Some(&first) = seen.get(d.name()) {
            self.push(
                Diagnostic::new(
                    codes::DUPLICATE_DIRECTIVE,
                    d.span,
                    format!("`{}` is repeated in this block", d.name()),
                )
                .label("repeated here")
                .secondary(first, "first set here")
                .help("keep one of them"),
            );
            return false;
        }
        seen.insert(d.name().to_string(), d.span);
        true
    }

    /// Refuses a block on a directive that takes none; true when there is none.
    fn no_block(&mut self, d: &Directive) -> bool {
        if let Some(b) = &d.block {
            self.invalid(
                b.span,
                format!("`{}` does not take a `{{ … }}` block", d.name()),
                "unexpected block",
                "end the directive with `;` instead",
            );
            return false;
        }
        true
    }

    /// The single argument of `d`, refusing `~` and any other count.
    fn one_arg<'d>(&mut self, d: &'d Directive, expected: &str) -> Option<&'d Arg> {
        match d.args.as_slice() {
            [a] if a.kind != ArgKind::Tilde => Some(a),
            [] => {
                self.invalid(
                    d.name.span,
                    format!("`{}` needs an argument", d.name()),
                    "missing argument",
                    &format!("write `{} {expected};`", d.name()),
                );
                None
            }
            [a] => {
                self.tilde(a);
                None
            }
            [_, extra, ..] => {
                let span = extra.span.to(d.args.last().map_or(extra.span, |a| a.span));
                self.invalid(
                    span,
                    format!("`{}` takes exactly one argument", d.name()),
                    "unexpected arguments",
                    &format!("write `{} {expected};`", d.name()),
                );
                None
            }
        }
    }

    fn tilde(&mut self, a: &Arg) {
        self.invalid(
            a.span,
            "unexpected `~`".into(),
            "only `origin` takes regexes",
            "remove the `~`",
        );
    }

    /// Takes the policy's statements out of `d` and drops each once read.
    fn policy(&mut self, d: &mut Directive) -> Option<Policy> {
        let Some(block) = d.block.as_mut() else {
            self.invalid(
                d.span,
                "`policy` needs a `{ … }` block".into(),
                "no block",
                "write `policy NAME { origin …; }`",
            );
            return None;
        };
        let statements = std::mem::take(&mut block.directives);
        let mut open = self.open_policy(d);
        for owned in statements {
            self.policy_statement(&mut open, owned);
        }
        self.close_policy(open, d.span)
    }

    /// A `policy` directive's name; its statements come next.
    fn open_policy(&mut self, d: &Directive) -> OpenPolicy {
        let name = match d.args.as_slice() {
            [a] if a.kind != ArgKind::Tilde => Some(Spanned::new(a.value.clone(), a.span)),
            _ => {
                let span = d.args.first().map_or(d.name.span, |a| a.span);
                self.invalid(
                    span,
                    "`policy` takes exactly one name".into(),
                    "expected one name",
                    "write `policy NAME { … }`",
                );
                None
            }
        };
        OpenPolicy {
            name,
            fields: Fields::default(),
            preflight: PreflightFields::default(),
            allows: Vec::new(),
            expects: Vec::new(),
        }
    }

    /// One statement of a policy, dropped once read.
    fn policy_statement(&mut self, open: &mut OpenPolicy, mut owned: Directive) {
        if owned.name() == "expect" {
            open.expects.push(owned);
            return;
        }
        let inner = &mut owned;
        match inner.name() {
            "test" => self.misplaced(
                inner,
                "`test` blocks stand at the top level".into(),
                "write `expect …;` here, or move the `test` block out of the policy",
            ),
            "allow" => {
                if let Some(f) = self.allow(inner) {
                    open.allows.push((inner.span, f));
                }
            }
            "preflight" | "preflight-status" | "preflight-refused" => {
                if self.no_block(inner) && self.once(inner, &mut open.fields.seen) {
                    self.preflight(inner, &mut open.preflight);
                }
            }
            "policy" => self.misplaced(
                inner,
                "`policy` blocks cannot be nested".into(),
                "close the enclosing policy first",
            ),
            "include" => {}
            _ => {
                if !self.field(inner, &mut open.fields) {
                    let known: Vec<&str> = RULE_FIELDS.iter().chain(POLICY_ONLY).copied().collect();
                    self.unknown(inner, &known);
                }
            }
        }
    }

    /// The policy its statements make; `span` is the whole directive's.
    fn close_policy(&mut self, open: OpenPolicy, span: Span) -> Option<Policy> {
        let OpenPolicy { name, mut fields, preflight, allows, expects } = open;
        let name = name?;
        for e in &expects {
            self.expect(e, &name);
        }
        let mut rules = Vec::new();
        for (allow, own) in allows {
            rules.push(self.rule(own, &fields, name.span, allow, false));
        }
        if let Some(first) = fields.first_origin {
            let own = Fields { origins: std::mem::take(&mut fields.origins), ..Fields::default() };
            rules.push(self.rule(own, &fields, name.span, first, true));
        }
        let preflight = PreflightHandling {
            mode: preflight.mode.unwrap_or(Spanned::new(PreflightMode::Answer, name.span)),
            success_status: preflight.status.unwrap_or(Spanned::new(204, name.span)),
            refused: preflight
                .refused
                .unwrap_or(Spanned::new(RefusedPreflight::Status(403), name.span)),
        };
        Some(Policy { name, rules, preflight, span })
    }

    fn allow(&mut self, d: &mut Directive) -> Option<Fields> {
        if let Some(a) = d.args.first() {
            let span = a.span.to(d.args.last().map_or(a.span, |l| l.span));
            self.invalid(
                span,
                "`allow` takes no arguments".into(),
                "unexpected",
                "write `allow { … }`",
            );
        }
        let Some(block) = d.block.as_mut() else {
            self.invalid(
                d.span,
                "`allow` needs a `{ … }` block".into(),
                "no block",
                "write `allow { origin …; }`",
            );
            return None;
        };
        let mut fields = Fields::default();
        for inner in &mut block.directives {
            match inner.name() {
                "allow" => self.misplaced(
                    inner,
                    "`allow` blocks cannot be nested".into(),
                    "move it to the policy level",
                ),
                "preflight" | "preflight-status" | "preflight-refused" | "expect" => self
                    .misplaced(
                        inner,
                        format!("`{}` is only allowed at the policy level", inner.name()),
                        "move it to the enclosing `policy` block",
                    ),
                "test" => self.misplaced(
                    inner,
                    "`test` blocks stand at the top level".into(),
                    "move it out of the policy",
                ),
                "policy" => self.misplaced(
                    inner,
                    "`policy` cannot appear inside `allow`".into(),
                    "close the enclosing blocks first",
                ),
                "include" => {}
                _ => {
                    if !self.field(inner, &mut fields) {
                        self.unknown(inner, RULE_FIELDS);
                    }
                }
            }
        }
        Some(fields)
    }

    /// One rule from its own statements and the policy-level defaults.
    fn rule(
        &mut self,
        own: Fields,
        defaults: &Fields,
        name: Span,
        span: Span,
        implicit: bool,
    ) -> Rule {
        fn pick<T: Clone>(
            own: Option<Spanned<T>>,
            def: &Option<Spanned<T>>,
            fallback: Spanned<T>,
        ) -> Spanned<T> {
            own.or_else(|| def.clone()).unwrap_or(fallback)
        }
        let empty = || Spanned::new(AllowList::List(Vec::new()), name);
        let mut origins = own.origins;
        // Grown by doubling while read: up to half of a million-origin list is slack.
        origins.shrink_to_fit();
        let rule = Rule {
            origins,
            methods: pick(own.methods, &defaults.methods, empty()),
            headers: pick(own.headers, &defaults.headers, empty()),
            expose: pick(own.expose, &defaults.expose, empty()),
            credentials: pick(own.credentials, &defaults.credentials, Spanned::new(false, name)),
            max_age: own.max_age.or_else(|| defaults.max_age.clone()),
            private_network: pick(
                own.private_network,
                &defaults.private_network,
                Spanned::new(false, name),
            ),
            span,
            implicit,
        };
        if rule.credentials.node {
            for o in rule.origins.iter().filter(|o| matches!(o.node, OriginPattern::Any)) {
                self.push(
                    Diagnostic::new(
                        codes::CREDENTIALS_WITH_WILDCARD_ORIGIN,
                        o.span,
                        "`credentials on` with the `*` origin",
                    )
                    .label("every origin")
                    .secondary(rule.credentials.span, "credentials are turned on here")
                    .help(
                        "list the trusted origins explicitly, or turn credentials off; \
                             browsers refuse `*` on credentialed requests",
                    ),
                );
            }
            if rule.expose.node.is_any() {
                self.push(
                    Diagnostic::new(
                        codes::CREDENTIALS_WITH_WILDCARD_EXPOSE,
                        rule.expose.span,
                        "`expose *` with `credentials on`",
                    )
                    .label("browsers read this `*` as a header name on credentialed responses")
                    .secondary(rule.credentials.span, "credentials are turned on here")
                    .help(
                        "list the response headers scripts may read, e.g. `expose X-Request-ID;`",
                    ),
                );
            }
        }
        rule
    }
}
