//! `expect` statements and `test NAME { … }` blocks: the words of an expectation,
//! checked and turned into a [`crate::model::Expectation`].
//!
//! ```text
//! expect allow|refuse ORIGIN [METHOD] [headers NAME…] [credentials] [expose NAME…];
//! ```
//!
//! The origin is what a browser sends, byte for byte (a policy's `origin` list is
//! normalised, an expectation's origin is not: `https://App.example.com` is no origin a
//! browser sends, so it is refused with the one it would send as the fix). The method
//! comes right after it, and the keyword parameters follow in any order, as nginx's
//! `listen 80 default_server ssl;` does. What the expectation means is run in
//! [`crate::expect`], against the compiled table.

use super::{Checker, ALL};
use crate::ast::{Arg, ArgKind, Directive};
use crate::codes;
use crate::diag::Diagnostic;
use crate::fetch::{is_forbidden_method, is_forbidden_request_header, is_token};
use crate::model::{Expectation, Expected, OriginPattern};
use crate::origin::parse_origin;
use crate::span::{Span, Spanned};

/// The keyword parameters; they end a name list.
const KEYWORDS: &[&str] = &["headers", "credentials", "expose"];

const SHAPE: &str =
    "write `expect allow|refuse ORIGIN [METHOD] [headers NAME…] [credentials] [expose NAME…];`";

impl Checker {
    /// One `expect` statement about policy `policy`; reported and dropped when any of
    /// its words is wrong.
    pub(super) fn expect(&mut self, d: &Directive, policy: &Spanned<String>) {
        if !self.no_block(d) {
            return;
        }
        let errors_before = self.pushed;
        let mut args = d.args.iter().peekable();
        let Some(outcome) = self.expected_outcome(d, args.next()) else { return };
        let Some(origin) = self.expected_origin(d, args.next()) else { return };
        let method = match args.next_if(|a| !is_keyword(a)) {
            Some(m) => self.expected_method(m),
            None => Some(Spanned::new("GET".to_string(), origin.span)),
        };
        let mut headers: Option<Vec<Spanned<String>>> = None;
        let mut expose: Option<Vec<Spanned<String>>> = None;
        let mut credentials: Option<Span> = None;
        while let Some(a) = args.next() {
            let seen = match a.value.as_str() {
                _ if a.kind != ArgKind::Word => None,
                "credentials" => Some(credentials.replace(a.span).is_some()),
                "headers" => {
                    let names = self.names(&mut args, a, false);
                    Some(headers.replace(names).is_some())
                }
                "expose" => {
                    let names = self.names(&mut args, a, true);
                    Some(expose.replace(names).is_some())
                }
                _ => None,
            };
            match seen {
                Some(false) => {}
                Some(true) => self.invalid(
                    a.span,
                    format!("`{}` is given twice", a.value),
                    "repeated here",
                    "give each parameter once",
                ),
                None => self.invalid(
                    a.span,
                    format!("unexpected `{}` in `expect`", a.value),
                    "expected `headers`, `credentials` or `expose`",
                    SHAPE,
                ),
            }
        }
        let expose = expose.unwrap_or_default();
        if outcome.node == Expected::Refuse {
            if let Some(first) = expose.first() {
                self.invalid(
                    first.span,
                    "`expose` only goes with `expect allow`".into(),
                    "a refused response has no headers to read",
                    "remove `expose …`, or expect `allow`",
                );
            }
        }
        let Some(method) = method else { return };
        if self.pushed > errors_before {
            return;
        }
        self.expectations.push(Expectation {
            policy: policy.clone(),
            outcome,
            origin,
            method,
            headers: headers.unwrap_or_default(),
            credentials,
            expose,
            span: d.span,
        });
    }

    fn expected_outcome(&mut self, d: &Directive, a: Option<&Arg>) -> Option<Spanned<Expected>> {
        let outcome = match a.map(|a| (a.kind, a.value.as_str())) {
            Some((ArgKind::Word, "allow")) => Expected::Allow,
            Some((ArgKind::Word, "refuse")) => Expected::Refuse,
            _ => {
                let span = a.map_or(d.name.span, |a| a.span);
                self.invalid(
                    span,
                    "`expect` needs `allow` or `refuse` first".into(),
                    "expected `allow` or `refuse`",
                    SHAPE,
                );
                return None;
            }
        };
        a.map(|a| Spanned::new(outcome, a.span))
    }

    /// The page's origin: `null`, or one serialised origin exactly as a browser sends
    /// it.
    fn expected_origin(&mut self, d: &Directive, a: Option<&Arg>) -> Option<Spanned<String>> {
        let Some(a) = a.filter(|a| a.kind != ArgKind::Tilde) else {
            let span = d.args.get(1).map_or(d.span, |a| a.span);
            self.invalid(
                span,
                "`expect` needs the page's origin".into(),
                "expected an origin such as `https://app.example.com`",
                SHAPE,
            );
            return None;
        };
        let sent = match parse_origin(&a.value) {
            Ok(OriginPattern::Null) => "null".to_string(),
            Ok(OriginPattern::Exact(o)) => o,
            Ok(_) => {
                self.push(
                    Diagnostic::new(
                        codes::MALFORMED_ORIGIN,
                        a.span,
                        format!("`{}` is a pattern, not an origin a page has", a.value),
                    )
                    .label("expected one origin")
                    .help("an expectation is about one page: write its origin, e.g. `https://app.example.com`"),
                );
                return None;
            }
            Err(e) => {
                let mut diag = Diagnostic::new(codes::MALFORMED_ORIGIN, a.span, e.message)
                    .label("not a valid origin")
                    .help(e.help);
                if let Some(fixed) = e.fix {
                    diag = diag.fix(a.span, fixed, "correct the origin");
                }
                self.push(diag);
                return None;
            }
        };
        if sent != a.value {
            self.push(
                Diagnostic::new(
                    codes::MALFORMED_ORIGIN,
                    a.span,
                    format!("no browser sends `{}`; it sends `{sent}`", a.value),
                )
                .label("not as a browser serialises it")
                .help(format!(
                    "browsers send the scheme and host lower-case, without the default port; write `{sent}`"
                ))
                .fix(a.span, sent.clone(), "write the origin a browser sends"),
            );
            return None;
        }
        Some(Spanned::new(sent, a.span))
    }

    fn expected_method(&mut self, a: &Arg) -> Option<Spanned<String>> {
        if a.kind == ArgKind::Tilde || !is_token(a.value.as_bytes()) {
            self.push(
                Diagnostic::new(
                    codes::INVALID_METHOD,
                    a.span,
                    format!("`{}` is not a valid method", a.value),
                )
                .label("not an HTTP token")
                .help("write the method as sent, e.g. `PUT`"),
            );
            return None;
        }
        if is_forbidden_method(a.value.as_bytes()) {
            self.push(
                Diagnostic::new(
                    codes::FORBIDDEN_METHOD,
                    a.span,
                    format!("`{}` is a forbidden method", a.value),
                )
                .label("browsers never send this")
                .help("a page cannot send CONNECT, TRACE or TRACK; remove the expectation"),
            );
            return None;
        }
        Some(Spanned::new(a.value.clone(), a.span))
    }

    /// The names after `headers` or `expose`, up to the next keyword.
    fn names<'d>(
        &mut self,
        args: &mut std::iter::Peekable<impl Iterator<Item = &'d Arg>>,
        keyword: &Arg,
        response: bool,
    ) -> Vec<Spanned<String>> {
        let mut names = Vec::new();
        let mut given = false;
        while let Some(a) = args.next_if(|a| !is_keyword(a)) {
            given = true;
            if a.kind == ArgKind::Tilde || !is_token(a.value.as_bytes()) {
                self.push(
                    Diagnostic::new(
                        codes::INVALID_HEADER_NAME,
                        a.span,
                        format!("`{}` is not a valid header name", a.value),
                    )
                    .label("not an HTTP token")
                    .help("header names are HTTP tokens separated by spaces"),
                );
                continue;
            }
            if !response && is_forbidden_request_header(&a.value) {
                self.invalid(
                    a.span,
                    format!("a page cannot set `{}`", a.value),
                    "browsers drop this header from scripts",
                    "remove it; cookies are sent with `credentials`",
                );
                continue;
            }
            names.push(Spanned::new(a.value.clone(), a.span));
        }
        if !given {
            self.invalid(
                keyword.span,
                format!("`{}` needs at least one header name", keyword.value),
                "no names after this",
                &format!("write `{} X-Request-ID`", keyword.value),
            );
        }
        names
    }

    /// `test NAME { expect …; }`: expectations about policy NAME, kept apart from it.
    /// `known` holds the names of every policy.
    pub(super) fn test_block(&mut self, d: &Directive, known: &[&str]) {
        let name = match d.args.as_slice() {
            [a] if a.kind != ArgKind::Tilde => Spanned::new(a.value.clone(), a.span),
            _ => {
                let span = d.args.first().map_or(d.name.span, |a| a.span);
                self.invalid(
                    span,
                    "`test` takes exactly one policy name".into(),
                    "expected one name",
                    "write `test NAME { expect …; }`",
                );
                return;
            }
        };
        let Some(block) = &d.block else {
            self.invalid(
                d.span,
                "`test` needs a `{ … }` block".into(),
                "no block",
                "write `test NAME { expect …; }`",
            );
            return;
        };
        if !known.contains(&name.node.as_str()) {
            let close = known
                .iter()
                .map(|k| (strsim::damerau_levenshtein(&name.node, k), *k))
                .filter(|(dist, _)| *dist <= (name.node.chars().count() / 3).max(1))
                .min()
                .map(|(_, k)| k);
            let mut diag = Diagnostic::new(
                codes::INVALID_ARGUMENTS,
                name.span,
                format!("no policy `{}` to test", name.node),
            )
            .label("unknown policy");
            diag = match close {
                Some(k) => diag.help(format!("did you mean `{k}`?")).fix(
                    name.span,
                    k,
                    &format!("test `{k}`"),
                ),
                None => diag
                    .help("define the policy in this file, or `include` the file that defines it"),
            };
            self.push(diag);
            return;
        }
        for inner in &block.directives {
            match inner.name() {
                "expect" => self.expect(inner, &name),
                "include" => {}
                other if ALL.contains(&other) => self.misplaced(
                    inner,
                    format!("`{other}` is not allowed in a `test` block"),
                    "a `test` block holds only `expect` statements",
                ),
                _ => self.unknown(inner, &["expect"]),
            }
        }
    }
}

fn is_keyword(a: &Arg) -> bool {
    a.kind == ArgKind::Word && KEYWORDS.contains(&a.value.as_str())
}
