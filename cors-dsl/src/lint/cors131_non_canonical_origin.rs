//! CORS131 `non-canonical-origin`: an origin written otherwise than browsers send it
//! (upper case, the default port, a Unicode host), with the canonical spelling as a fix.

use super::support::each_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct NonCanonicalOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS131",
    "non-canonical-origin",
    Severity::Info,
    "an origin not written the way browsers send it (upper case, default port, Unicode host)",
    "## Why is this bad?\n\
Browsers serialise an origin one way: scheme and host in lower case, no default port \
(`:443` for `https`, `:80` for `http`), an internationalised host in its punycode \
(`xn--`) form, IPv6 compressed in brackets. ngx-cors normalises what you write, so the \
policy works, but the text no longer matches what shows up in logs, in `Origin` headers \
and in `grep`, and two spellings of one origin hide a duplicate. `corsc lint --fix` \
rewrites it.\n\n\
## Example\n```\norigin HTTPS://App.Example.com:443 https://bücher.example;\n```\n\n\
## Use instead\n```\norigin https://app.example.com https://xn--bcher-kva.example;\n```\n",
);

impl Lint for NonCanonicalOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, origin) in each_origin(set) {
            if matches!(origin.node, OriginPattern::Any | OriginPattern::Regex(_)) {
                continue;
            }
            let Some(raw) = sources
                .get(origin.span.file)
                .and_then(|f| f.text.get(origin.span.start as usize..origin.span.end as usize))
            else {
                continue;
            };
            let quoted = raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"');
            let written = if quoted { &raw[1..raw.len() - 1] } else { raw };
            // An exact origin is its own canonical text: no copy for each of a million.
            if matches!(&origin.node, OriginPattern::Exact(o) if o == written) {
                continue;
            }
            let canonical = origin.node.to_string();
            if written == canonical {
                continue;
            }
            let replacement = if quoted { format!("\"{canonical}\"") } else { canonical.clone() };
            out.push(
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!("origin `{written}` is sent by browsers as `{canonical}`"),
                )
                .label("not the canonical spelling")
                .help(format!("write `{canonical}`"))
                .fix(
                    origin.span,
                    replacement,
                    "write the origin as browsers send it",
                ),
            );
        }
    }
}
