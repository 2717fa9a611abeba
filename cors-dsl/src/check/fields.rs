//! The arguments of each directive: origins, regexes, name lists, `on`/`off`,
//! durations and the preflight settings, each checked and turned into its model value.
//!
//! The checker's structure (which directive may stand where) is in the parent module;
//! this is what a directive's words mean once it is in the right place.

use super::duration::{parse_duration, DURATION_HELP};
use super::{Checker, Fields, PreflightFields, RULE_FIELDS};
use crate::ast::{ArgKind, Directive};
use crate::codes;
use crate::diag::Diagnostic;
use crate::fetch::{is_forbidden_method, is_token};
use crate::model::{AllowList, OriginPattern, PreflightMode, RefusedPreflight};
use crate::origin::anchor;
use crate::origin::REGEX_SIZE_LIMIT;
use crate::origin::{exact_if_canonical, parse_origin};
use crate::span::{Span, Spanned};

/// Which list a statement fills: each refuses different names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Methods,
    Headers,
    Expose,
}

impl Checker {
    /// A directive shared by policies and `allow` blocks; false when `d` is not one.
    pub(super) fn field(&mut self, d: &mut Directive, f: &mut Fields) -> bool {
        let name = d.name();
        if !RULE_FIELDS.contains(&name) {
            return false;
        }
        if !self.no_block(d) {
            return true;
        }
        if name == "origin" {
            self.origins(d, f);
            return true;
        }
        if !self.once(d, &mut f.seen) {
            return true;
        }
        match name {
            "methods" => f.methods = self.list(d, ListKind::Methods),
            "headers" => f.headers = self.list(d, ListKind::Headers),
            "expose" => f.expose = self.list(d, ListKind::Expose),
            "credentials" => f.credentials = self.on_off(d),
            "private-network" => f.private_network = self.on_off(d),
            _ => f.max_age = self.max_age(d),
        }
        true
    }

    /// The origins of `d`, each canonical one's text moved into the model (not copied:
    /// a tenants policy has a million); `d` is dropped after.
    fn origins(&mut self, d: &mut Directive, f: &mut Fields) {
        if d.args.is_empty() {
            self.invalid(
                d.name.span,
                "`origin` needs at least one origin".into(),
                "missing origins",
                "write `origin https://app.example.com;`",
            );
            return;
        }
        f.first_origin.get_or_insert(d.span);
        let mut args = d.args.iter_mut().peekable();
        while let Some(a) = args.next() {
            if a.kind == ArgKind::Tilde {
                match args.next_if(|n| n.kind != ArgKind::Tilde) {
                    Some(re) => {
                        let span = a.span.to(re.span);
                        if self.regex(&re.value, re.span) {
                            f.origins
                                .push(Spanned::new(OriginPattern::Regex(re.value.clone()), span));
                        }
                    }
                    None => self.invalid(
                        a.span,
                        "`~` must be followed by a regex".into(),
                        "no regex after this",
                        "write `~ \"^https://.*\\.example\\.com$\"`",
                    ),
                }
                continue;
            }
            let parsed = match exact_if_canonical(std::mem::take(&mut a.value)) {
                Ok(exact) => Ok(exact),
                Err(text) => {
                    a.value = text;
                    parse_origin(&a.value)
                }
            };
            match parsed {
                Ok(p) => f.origins.push(Spanned::new(p, a.span)),
                Err(e) => {
                    let mut diag = Diagnostic::new(codes::MALFORMED_ORIGIN, a.span, e.message)
                        .label("not a valid origin")
                        .help(e.help);
                    if let Some(fixed) = e.fix {
                        // Adding a scheme the author never wrote is a guess (`http`?);
                        // cutting a path, a slash or blanks keeps what was meant.
                        diag = if a.value.contains("://") {
                            diag.fix(a.span, fixed, "correct the origin")
                        } else {
                            diag.suggestion(a.span, fixed, "correct the origin")
                        };
                    }
                    self.push(diag);
                }
            }
        }
    }

    /// `CORS005` unless `re` compiles, both alone (so its parentheses cannot escape
    /// the anchoring group) and anchored as the table will use it.
    fn regex(&mut self, re: &str, span: Span) -> bool {
        let build = |pattern: &str| {
            regex::bytes::RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).build()
        };
        let Err(e) = build(re).and_then(|_| build(&anchor(re))) else { return true };
        // The syntax error's text ends with an `error: …` line; the rest repeats the
        // pattern, which the rendered snippet already shows.
        let text = e.to_string();
        let reason = text
            .lines()
            .find_map(|l| l.strip_prefix("error: "))
            .map_or_else(|| text.trim().to_string(), str::to_string);
        self.push(
            Diagnostic::new(codes::INVALID_REGEX, span, format!("invalid regex: {reason}"))
                .label("does not compile")
                .help(
                    "regexes use Rust `regex` syntax (no look-around or backreferences) and \
                     are matched against the whole origin",
                ),
        );
        false
    }

    fn list(&mut self, d: &Directive, kind: ListKind) -> Option<Spanned<AllowList<String>>> {
        if d.args.is_empty() {
            self.invalid(
                d.name.span,
                format!("`{}` needs at least one argument", d.name()),
                "missing arguments",
                "list names, or `*`",
            );
            return None;
        }
        let mut any = false;
        let mut items = Vec::new();
        let mut ok = true;
        for a in &d.args {
            if a.kind == ArgKind::Tilde {
                self.tilde(a);
                ok = false;
                continue;
            }
            if a.value == "*" {
                any = true;
                continue;
            }
            let token = is_token(a.value.as_bytes());
            let bad = match kind {
                ListKind::Methods if !token => Some(
                    Diagnostic::new(
                        codes::INVALID_METHOD,
                        a.span,
                        format!("`{}` is not a valid method", a.value),
                    )
                    .label("not an HTTP token")
                    .help("methods are HTTP tokens separated by spaces, e.g. `methods GET POST;`"),
                ),
                ListKind::Methods if is_forbidden_method(a.value.as_bytes()) => Some(
                    Diagnostic::new(
                        codes::FORBIDDEN_METHOD,
                        a.span,
                        format!("`{}` is a forbidden method", a.value),
                    )
                    .label("browsers never send this")
                    .help("remove it; the Fetch standard forbids CONNECT, TRACE and TRACK"),
                ),
                ListKind::Headers | ListKind::Expose if !token => Some(
                    Diagnostic::new(
                        codes::INVALID_HEADER_NAME,
                        a.span,
                        format!("`{}` is not a valid header name", a.value),
                    )
                    .label("not an HTTP token")
                    .help("header names are HTTP tokens separated by spaces, without `:` or `,`"),
                ),
                _ => None,
            };
            match bad {
                Some(diag) => {
                    self.push(diag);
                    ok = false;
                }
                None => items.push(Spanned::new(a.value.clone(), a.span)),
            }
        }
        let list = if any { AllowList::Any(items) } else { AllowList::List(items) };
        ok.then(|| Spanned::new(list, d.span))
    }

    fn on_off(&mut self, d: &Directive) -> Option<Spanned<bool>> {
        let a = self.one_arg(d, "on|off")?;
        match a.value.as_str() {
            "on" => Some(Spanned::new(true, d.span)),
            "off" => Some(Spanned::new(false, d.span)),
            other => {
                self.invalid(
                    a.span,
                    format!("invalid value `{other}` for `{}`", d.name()),
                    "expected `on` or `off`",
                    "use `on` or `off`",
                );
                None
            }
        }
    }

    fn max_age(&mut self, d: &Directive) -> Option<Spanned<u32>> {
        let a = self.one_arg(d, "10m")?;
        match parse_duration(&a.value) {
            Ok(secs) => Some(Spanned::new(secs, d.span)),
            Err(why) => {
                self.push(
                    Diagnostic::new(
                        codes::INVALID_DURATION,
                        a.span,
                        format!("invalid duration `{}`: {why}", a.value),
                    )
                    .label("not a duration")
                    .help(DURATION_HELP),
                );
                None
            }
        }
    }

    pub(super) fn preflight(&mut self, d: &Directive, p: &mut PreflightFields) {
        let (expected, allowed) = match d.name() {
            "preflight" => ("answer|pass", "`answer` or `pass`"),
            "preflight-status" => ("204|200", "`204` or `200`"),
            _ => ("403|pass", "a status from 400 to 499, or `pass`"),
        };
        let Some(a) = self.one_arg(d, expected) else { return };
        let v = a.value.as_str();
        let ok = match (d.name(), v) {
            ("preflight", "answer") => {
                p.mode = Some(Spanned::new(PreflightMode::Answer, d.span));
                true
            }
            ("preflight", "pass") => {
                p.mode = Some(Spanned::new(PreflightMode::Pass, d.span));
                true
            }
            ("preflight-status", "204" | "200") => {
                p.status = v.parse().ok().map(|s| Spanned::new(s, d.span));
                p.status.is_some()
            }
            ("preflight-refused", "pass") => {
                p.refused = Some(Spanned::new(RefusedPreflight::Pass, d.span));
                true
            }
            ("preflight-refused", _) => match v.parse::<u16>() {
                Ok(s @ 400..=499) if v.bytes().all(|b| b.is_ascii_digit()) => {
                    p.refused = Some(Spanned::new(RefusedPreflight::Status(s), d.span));
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if !ok {
            self.invalid(
                a.span,
                format!("invalid value `{v}` for `{}`", d.name()),
                &format!("expected {allowed}"),
                &format!("use {allowed}"),
            );
        }
    }
}
