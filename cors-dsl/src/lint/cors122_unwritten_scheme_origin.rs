//! CORS122 `unwritten-scheme-origin`: a `~` regex that accepts origins of a scheme it
//! never spells out.

use super::origin_exposure::answered;
use super::support::each_regex_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct UnwrittenSchemeOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS122",
    "unwritten-scheme-origin",
    Severity::Error,
    "a `~` origin regex that accepts schemes it does not spell out",
    "## Why is this bad?\n\
A scheme written as a class or a wildcard (`[a-z]+://`, `.*://`, `\\w+://`) accepts every \
scheme: custom schemes registered by any installed app, browser extensions \
(`chrome-extension://…`), and schemes whose pages anyone can make. The author meant one or \
two. The check asks the language the regex accepts for an origin whose scheme is neither \
`http`, `https` nor one spelled out in the regex, and shows one. (Plain `http` is \
`CORS104`.)\n\n\
## Example\n```\norigin ~ \"[a-z]+://app\\.example\\.com\";\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\n```\n",
);

impl Lint for UnwrittenSchemeOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (origin, pattern) in each_regex_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            let (None, Some(scheme)) = (&e.every_origin, &e.other_scheme) else { continue };
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!(
                        "origin regex `{pattern}` accepts any scheme, such as `{}`",
                        scheme.witness
                    ),
                )
                .label(format!("the scheme `{}` is not written in the regex", scheme.about))
                .help("write the scheme out: `https://`"),
            );
        }
    }
}
