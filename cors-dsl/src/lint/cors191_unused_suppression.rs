//! CORS191 `unused-suppression`: metadata; [`super::suppress`] reports it.

use crate::codes::Code;
use crate::diag::Severity;

pub(crate) const CODE: &Code = &Code::lint(
    "CORS191",
    "unused-suppression",
    Severity::Warning,
    "a `# corsc: allow` comment that suppresses nothing (or names an unknown code)",
    "## Why is this bad?\n\
A stale suppression would silently hide the finding if it ever came back in a new form, \
and one naming a mistyped or unknown code never worked at all.\n\n\
## Example\n```\n# corsc: allow CORS103 \"legacy kiosk\"\norigin https://app.example.com;\n```\n\n\
## Use instead\nRemove the comment.\n",
);
