//! CORS113 `needless-safelisted-entry`: listing what CORS always allows: safelisted
//! methods and request headers, and safelisted response headers in `expose`.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::fetch::{SAFELISTED_METHODS, SAFELISTED_REQUEST_HEADERS, SAFELISTED_RESPONSE_HEADERS};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct NeedlessSafelistedEntry;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS113",
    "needless-safelisted-entry",
    Severity::Info,
    "a CORS-safelisted method (`GET`, `HEAD`, `POST`), request header (`Accept`, ...) or exposed response header (`Content-Type`, ...) listed",
    "## Why is this bad?\n\
`GET`, `HEAD` and `POST` never need a preflight, and neither do the safelisted headers \
`Accept`, `Accept-Language` and `Content-Language`: listing them changes nothing and makes \
the policy look like it grants more than it does. (`Content-Type` is not reported: \
requests with a JSON body need it.) Likewise scripts can always read the safelisted \
response headers `Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, \
`Expires`, `Last-Modified` and `Pragma`: exposing them changes nothing.\n\n\
## Example\n```\nmethods GET POST PUT;\nheaders Accept X-Request-ID;\nexpose Content-Type X-Total-Count;\n```\n\n\
## Use instead\n```\nmethods PUT;\nheaders X-Request-ID;\nexpose X-Total-Count;\n```\n",
);

/// A listed header that is always safelisted: `Content-Type` is safelisted only with a
/// form or `text/plain` value, so listing it is needed for JSON bodies.
fn is_needless_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower != "content-type" && SAFELISTED_REQUEST_HEADERS.contains(&lower.as_str())
}

impl Lint for NeedlessSafelistedEntry {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let methods = rule.methods.node.entries();
            for (i, m) in methods
                .iter()
                .enumerate()
                .filter(|(_, m)| SAFELISTED_METHODS.contains(&m.node.as_str()))
            {
                let mut d = Diagnostic::new(
                    CODE,
                    m.span,
                    format!("`{}` is always allowed and needs no listing", m.node),
                )
                .label("a CORS-safelisted method")
                .help(format!("remove `{}`", m.node));
                if let Some(span) = removal_span(sources, methods, i) {
                    d = d.fix(span, "", "remove the safelisted method");
                }
                out.push(d);
            }
            let headers = rule.headers.node.entries();
            for (i, h) in headers.iter().enumerate() {
                if !is_needless_header(&h.node) {
                    continue;
                }
                let mut d = Diagnostic::new(
                    CODE,
                    h.span,
                    format!("`{}` is always allowed and needs no listing", h.node),
                )
                .label("a CORS-safelisted request header")
                .help(format!("remove `{}`", h.node));
                if let Some(span) = removal_span(sources, headers, i) {
                    d = d.fix(span, "", "remove the safelisted header");
                }
                out.push(d);
            }
            let exposed = rule.expose.node.entries();
            for (i, h) in exposed.iter().enumerate() {
                let lower = h.node.to_ascii_lowercase();
                if !SAFELISTED_RESPONSE_HEADERS.contains(&lower.as_str()) {
                    continue;
                }
                let mut d = Diagnostic::new(
                    CODE,
                    h.span,
                    format!("`{}` is always readable and needs no exposing", h.node),
                )
                .label("a CORS-safelisted response header")
                .help(format!("remove `{}` from `expose`", h.node));
                if let Some(span) = removal_span(sources, exposed, i) {
                    d = d.fix(span, "", "remove the safelisted header");
                }
                out.push(d);
            }
        }
    }
}
