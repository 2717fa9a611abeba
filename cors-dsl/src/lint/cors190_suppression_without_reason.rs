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
considered exception from a quick way to make CI green. When the finding it silences is an \
error, this is an error too: the policy is refused (by `corsc check`, `corsc compile` and \
`nginx -t`) until the comment says why.\n\n\
## Example\n```\n# corsc: allow CORS103\norigin null;\n```\n\n\
## Use instead\n```\n# corsc: allow CORS103 \"the kiosk app runs from file://, no credentials\"\norigin null;\n```\n",
);
