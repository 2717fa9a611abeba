//! CORS133 `public-policy`: `origin *`, said once per policy: every site may read the
//! responses.

use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct PublicPolicy;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS133",
    "public-policy",
    Severity::Info,
    "`origin *`: every site may read the responses (reported once per policy)",
    "## Why is this bad?\n\
It is not, for a public resource: `*` (never with credentials, which ngx-cors refuses) \
is the right answer for fonts, public APIs and open data. It is reported once per policy so \
that a review sees the decision. What `*` still exposes is anything a response depends on \
besides cookies: the user's network position (an intranet host, a router's admin page) or \
IP-based access rules. Make sure nothing behind the policy is protected that way.\n\n\
## Example\n```\npolicy intranet-wiki {\n    origin *;\n}\n```\n\n\
## Use instead\n```\npolicy intranet-wiki {\n    origin https://portal.corp.example;\n}\n```\n",
);

impl Lint for PublicPolicy {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for policy in &set.policies {
            let star = policy
                .rules
                .iter()
                .flat_map(|r| &r.origins)
                .filter(|o| matches!(o.node, OriginPattern::Any))
                .min_by_key(|o| (o.span.file, o.span.start));
            let Some(star) = star else { continue };
            out.push(
                Diagnostic::new(
                    CODE,
                    star.span,
                    format!("policy `{}` is public: every site may read its responses", policy.name.node),
                )
                .label("any origin")
                .secondary(policy.name.span, "this policy")
                .help("right for public data; make sure no response depends on the user's network or IP address"),
            );
        }
    }
}
