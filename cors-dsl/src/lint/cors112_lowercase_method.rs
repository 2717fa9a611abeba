//! CORS112 `lowercase-method`: `patch` is not `PATCH`.

use super::support::each_rule;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::PolicySet;
use crate::span::SourceMap;

pub(crate) struct LowercaseMethod;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS112",
    "lowercase-method",
    Severity::Error,
    "a standard method written in lower or mixed case (`patch`, `Delete`)",
    "## Why is this bad?\n\
Methods are case-sensitive. Browsers upper-case `delete`, `get`, `head`, `options`, `post` \
and `put` before sending them, but not `patch`: `fetch(url, {method: \"PATCH\"})` sends \
`PATCH`, which `methods patch;` does not allow, and the preflight fails.\n\n\
## Example\n```\nmethods GET patch;\n```\n\n\
## Use instead\n```\nmethods GET PATCH;\n```\n",
);

const STANDARD: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

impl Lint for LowercaseMethod {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, rule) in each_rule(set) {
            for m in rule.methods.node.entries() {
                let upper = m.node.to_ascii_uppercase();
                if upper == m.node || !STANDARD.contains(&upper.as_str()) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        CODE,
                        m.span,
                        format!("method `{}` is not `{upper}`: methods are case-sensitive", m.node),
                    )
                    .label(format!("browsers send `{upper}`"))
                    .help(format!("write `{upper}`"))
                    .fix(m.span, upper.clone(), "upper-case the method"),
                );
            }
        }
    }
}
