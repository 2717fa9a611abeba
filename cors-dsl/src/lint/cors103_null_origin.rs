//! CORS103 `null-origin`: the `null` origin, or its web-view spelling `file://`, is
//! allowed.

use super::origin_exposure::answered;
use super::support::{each_origin, worse_with_credentials};
use super::Lint;
use crate::codes::Code;
use crate::diag::{Diagnostic, Severity};
use crate::model::{OriginPattern, PolicySet};
use crate::span::SourceMap;

pub(crate) struct NullOrigin;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS103",
    "null-origin",
    Severity::Warning,
    "the `null` or `file://` origin is allowed (an error with credentials)",
    "## Why is this bad?\n\
Browsers send `Origin: null` from sandboxed iframes, `data:` and `file:` documents and some \
redirects. Any site can create a sandboxed iframe, so allowing `null` allows every site.\n\n\
`file://` is what file-based web views (Cordova on Android, apps that load their pages from \
local files) send for a `file:` document, where a browser sends `null`. It names no app and \
no page: every HTML file opened from local storage in such a web view sends it, one the user \
downloaded included. Custom-scheme origins such as `capacitor://localhost` or \
`tauri://localhost` are served by the app itself from its own bundle and are not reported.\n\n\
A `~` regex that accepts `null` (`https://app\\.example\\.com|null`) is reported the same \
way: the check asks the language the regex accepts, not its spelling.\n\n\
With `credentials on` either exposes your users' data, so it is an error then.\n\n\
## Example\n```\norigin https://app.example.com null file://;\ncredentials on;\n```\n\n\
## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n\
(and let the app's web view serve it from an origin of its own: `https://localhost` in \
Cordova Android 10 and later, or a custom scheme)\n",
);

impl Lint for NullOrigin {
    fn code(&self) -> &'static Code {
        CODE
    }

    fn check(&self, set: &PolicySet, _sources: &SourceMap, out: &mut Vec<Diagnostic>) {
        for (rule, origin) in each_origin(set) {
            let (label, help) = match &origin.node {
                OriginPattern::Null => (
                    "any site can send `Origin: null` from a sandboxed iframe",
                    "remove `null`; serve local or sandboxed documents from a real origin",
                ),
                OriginPattern::Exact(o) if o == "file://" => (
                    "every local HTML file opened in a file-based web view sends it",
                    "remove `file://`; let the web view serve the app from an origin of its own",
                ),
                OriginPattern::Regex(r) => {
                    let Some(e) = answered(&origin.node) else { continue };
                    // CORS101 already says it accepts everything.
                    if e.null.is_none() || e.every_origin.is_some() {
                        continue;
                    }
                    let d = Diagnostic::new(
                        CODE,
                        origin.span,
                        format!("origin regex `{r}` accepts the `null` origin"),
                    )
                    .label("accepts `null`: any site can send it from a sandboxed iframe")
                    .help("remove the branch that matches `null`; serve local or sandboxed documents from a real origin");
                    out.push(worse_with_credentials(d, rule));
                    continue;
                }
                _ => continue,
            };
            let d = Diagnostic::new(
                CODE,
                origin.span,
                format!("the `{}` origin is allowed", origin.node),
            )
            .label(label)
            .help(help);
            out.push(worse_with_credentials(d, rule));
        }
    }
}
