//! CORS190 `suppression-without-reason`: metadata; [`super::suppress`] reports it.

use crate::codes::Code;
use crate::diag::Severity;

pub(crate) const CODE: &Code = &Code::lint(
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
