//! CORS190 `suppression-without-reason`: metadata; [`crate::lint`] reports it.

use super::{lint_meta, RuleMeta};
use crate::diag::Severity;

pub(crate) static META: RuleMeta = lint_meta(
    "CORS190",
    "suppression-without-reason",
    Severity::Warning,
    "a `# corsc: allow` comment that does not say why",
    "## Why is this bad?\n\
A suppression silences a security finding. Without a reason the next reader cannot tell a \
considered exception from a quick way to make CI green.\n\n\
## Example\n```\n# corsc: allow CORS103\norigin null;\n```\n\n\
## Use instead\n```\n# corsc: allow CORS103 \"the kiosk app runs from file://, no credentials\"\norigin null;\n```\n",
);
