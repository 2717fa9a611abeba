//! CORS106 `shared-hosting-origin`: an origin on hosting where anybody can publish
//! pages (a wildcard over a whole public suffix is `CORS121`).

use super::origin_exposure::answered;
use super::support::each_origin;
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct SharedHostingOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS106",
    "shared-hosting-origin",
    Severity::Warning,
    "an origin on hosting shared with strangers (info for one tenant's own site)",
    "## Why is this bad?\n\
Origins on playgrounds and shared hosting (`codepen.io`, `jsfiddle.net`, `glitch.me`, \
`herokuapp.com`, `s3.amazonaws.com`, ...) serve other people's code, sometimes from the very \
same origin: listing the shared host itself (`https://cdpn.io`, `https://s3.amazonaws.com`), \
or a wildcard or regex that accepts its tenants, trusts every tenant. Exact origins, \
wildcards and `~` regexes are judged by the hosts they accept. A wildcard over a whole \
public suffix (`https://*.github.io`) is `CORS121`.\n\n\
An exact origin that names one tenant's own site (`https://acme.netlify.app`) trusts only \
that site, which the tenant controls; it is reported as info, because the site's address \
belongs to the hosting company and a custom domain is sturdier.\n\n\
## Example\n```\norigin https://codepen.io;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\n```\n\
(a custom domain you control)\n",
);

impl Lint for SharedHostingOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (_, origin) in each_origin(set) {
            let Some(e) = answered(&origin.node) else { continue };
            // A wildcard over the whole suffix is CORS121's; everything is CORS101's.
            if e.public_suffix.is_some() || e.every_origin.is_some() {
                continue;
            }
            let Some(shared) = &e.shared_hosting else { continue };
            let message = match &origin.node {
                OriginPattern::Regex(r) => format!(
                    "origin regex `{r}` accepts `{}`, on `{}`, shared hosting",
                    shared.witness, shared.about
                ),
                p => format!("origin `{p}` is on `{}`, shared hosting", shared.about),
            };
            // One tenant's own site, named exactly: only that tenant's code.
            let one_tenant = matches!(origin.node, OriginPattern::Exact(_))
                && origin.node.scheme_and_host().is_some_and(|(_, host)| host != shared.about);
            let d = if one_tenant {
                Diagnostic::new(
                    CODE,
                    origin.span,
                    format!("origin `{}` is one site on `{}`", origin.node, shared.about),
                )
                .severity(Severity::Info)
                .label("its address belongs to the hosting company")
                .help("a custom domain you control is sturdier")
            } else {
                Diagnostic::new(CODE, origin.span, message)
                    .label("other people's code is served from this host")
                    .help("serve the front-end from a domain you control")
            };
            out.push(d);
        }
    }
}
