//! CORS130 `needless-options-method`: `OPTIONS` in `methods`.

use super::support::{each_rule, removal_span};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct NeedlessOptionsMethod;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS130",
    "needless-options-method",
    Severity::Info,
    "`OPTIONS` in `methods`: preflights are answered without it",
    "## Why is this bad?\n\
A preflight is an `OPTIONS` request, but it asks about the method that follows it \
(`Access-Control-Request-Method`), and ngx-cors answers every preflight whatever `methods` \
lists. Listing `OPTIONS` only matters to a script that sends an `OPTIONS` request of its \
own (`fetch(url, {method: \"OPTIONS\"})`), which is rare; usually it is left over from the \
`if ($request_method = OPTIONS)` recipe and suggests preflights need it. If your scripts \
do send `OPTIONS` themselves, keep it and suppress this finding with a reason.\n\n\
## Example\n```\nmethods PUT DELETE OPTIONS;\n```\n\n\
## Use instead\n```\nmethods PUT DELETE;\n```\n",
);

impl Lint for NeedlessOptionsMethod {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            let methods = rule.methods.node.entries();
            // Methods are case-sensitive: `options` is another method (and CORS112's).
            for (i, m) in methods.iter().enumerate().filter(|(_, m)| m.node == "OPTIONS") {
                let mut d =
                    Diagnostic::new(CODE, m.span, "`OPTIONS` is not needed to answer preflights")
                        .label("preflights are answered whatever `methods` lists")
                        .help(
                            "remove `OPTIONS`, unless scripts send `OPTIONS` requests themselves",
                        );
                if let Some(span) = removal_span(sources, methods, i) {
                    d = d.fix(span, "", "remove `OPTIONS`");
                }
                out.push(d);
            }
        }
    }
}
