//! CORS113 `needless-safelisted-entry`: listing what CORS always allows: safelisted
//! methods, and safelisted response headers in `expose`.
//!
//! Request headers are never reported: `Accept`, `Accept-Language`,
//! `Content-Language` and `Content-Type` are safelisted only for some values (Fetch's
//! "CORS-safelisted request-header": no value over 128 bytes, no unsafe bytes, only
//! letters, digits and ` *,-.;=` in the language headers, a form or `text/plain`
//! `Content-Type`), and a browser names them in `Access-Control-Request-Headers`
//! otherwise (Chromium sends `accept-language` for `Accept-Language: en_US`). Listing
//! them can be needed.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::fetch::{SAFELISTED_METHODS, SAFELISTED_RESPONSE_HEADERS};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct NeedlessSafelistedEntry;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS113",
    "needless-safelisted-entry",
    Severity::Info,
    "a CORS-safelisted method (`GET`, `HEAD`, `POST`) or exposed response header (`Content-Type`, ...) listed",
    "## Why is this bad?\n\
`GET`, `HEAD` and `POST` pass a preflight's method check whatever `Access-Control-Allow-Methods` \
says: listing them changes nothing and makes the policy look like it grants more than it \
does. Likewise scripts can always read the safelisted response headers `Cache-Control`, \
`Content-Language`, `Content-Length`, `Content-Type`, `Expires`, `Last-Modified` and \
`Pragma`: exposing them changes nothing.\n\n\
Request headers are not reported: `Accept`, `Accept-Language`, `Content-Language` and \
`Content-Type` are safelisted only for some values, and browsers ask for them in the \
preflight otherwise (`Accept-Language: en_US`, an `Accept` over 128 bytes, a JSON \
`Content-Type`), so listing them can be needed.\n\n\
## Example\n```\nmethods GET POST PUT;\nexpose Content-Type X-Total-Count;\n```\n\n\
## Use instead\n```\nmethods PUT;\nexpose X-Total-Count;\n```\n",
);

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
