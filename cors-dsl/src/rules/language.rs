//! Language errors: what the parser and validator refuse.

use super::{RuleKind, RuleMeta};
use crate::diag::Severity;

const fn lang(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    docs: &'static str,
) -> RuleMeta {
    RuleMeta { code, name, severity: Severity::Error, kind: RuleKind::Language, summary, docs }
}

/// Every language error code.
pub(crate) const LANGUAGE: &[RuleMeta] = &[
    lang("CORS001", "syntax-error", "the text is not valid policy syntax",
        "## Why is this bad?\nThe policy cannot be read: a missing `;`, an unbalanced `{`/`}`, an unterminated string or a stray character.\n\n## Example\n```\npolicy api {\n    origin https://app.example.com\n}\n```\n\n## Use instead\n```\npolicy api {\n    origin https://app.example.com;\n}\n```\n"),
    lang("CORS002", "unknown-directive", "a directive name that does not exist",
        "## Why is this bad?\nA misspelt directive would otherwise be ignored and the policy would silently mean something else.\n\n## Example\n```\npolicy api { orign https://app.example.com; }\n```\n\n## Use instead\n```\npolicy api { origin https://app.example.com; }\n```\n"),
    lang("CORS003", "invalid-arguments", "a directive has the wrong number or kind of arguments, or a value it does not accept",
        "## Why is this bad?\nEach directive takes specific values (`on`/`off`, a status code, a list of tokens); anything else has no meaning.\n\n## Example\n```\ncredentials yes;\n```\n\n## Use instead\n```\ncredentials on;\n```\n"),
    lang("CORS004", "malformed-origin", "an origin that a browser can never send",
        "## Why is this bad?\nA browser's `Origin` is `scheme://host[:port]` and nothing else: no path, no trailing slash, no query, no user info, a valid port. An entry with any of those never matches, so the site is silently broken.\n\n## Example\n```\norigin https://app.example.com/;\n```\n\n## Use instead\n```\norigin https://app.example.com;\n```\n"),
    lang("CORS005", "invalid-regex", "a `~` origin whose regular expression does not compile",
        "## Why is this bad?\nThe pattern cannot be matched. Regexes use the Rust `regex` syntax (linear time: no backreferences or look-around) and always match the whole origin.\n\n## Example\n```\norigin ~ \"^https://(a|b\\.example\\.com$\";\n```\n\n## Use instead\n```\norigin ~ \"https://(a|b)\\.example\\.com\";\n```\n"),
    lang("CORS006", "regex-too-large", "a policy's regexes are too large to compile together",
        "## Why is this bad?\nAll `~` origins of a policy are matched in one pass; a set that large would slow every request, so it is refused.\n\n## Use instead\nMerge patterns, or list origins exactly (exact origins cost one hash lookup however many there are).\n"),
    lang("CORS007", "credentials-with-wildcard-origin", "`credentials on` together with the `*` origin",
        "## Why is this bad?\nBrowsers refuse `Access-Control-Allow-Origin: *` on credentialed requests. Reflecting any origin instead would let every site on the web read your users' data, so the combination is refused rather than quietly turned into reflection.\n\n## Example\n```\norigin *;\ncredentials on;\n```\n\n## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n"),
    lang("CORS008", "forbidden-method", "`CONNECT`, `TRACE` or `TRACK` in `methods`",
        "## Why is this bad?\nThe Fetch standard forbids these methods; no browser will ever send them cross-origin, and allowing them only signals a misunderstanding.\n\n## Example\n```\nmethods GET TRACE;\n```\n\n## Use instead\n```\nmethods GET;\n```\n"),
    lang("CORS009", "invalid-method", "a method that is not a valid HTTP token",
        "## Why is this bad?\nMethods are HTTP tokens (letters, digits and `!#$%&'*+-.^_`|~`); anything else can never be requested.\n\n## Example\n```\nmethods GET, POST;\n```\n\n## Use instead\n```\nmethods GET POST;\n```\n"),
    lang("CORS010", "invalid-header-name", "a header name that is not a valid HTTP token",
        "## Why is this bad?\nHeader names are HTTP tokens; a name with spaces, colons or commas can never be requested or exposed.\n\n## Example\n```\nheaders X-Request-ID:;\n```\n\n## Use instead\n```\nheaders X-Request-ID;\n```\n"),
    lang("CORS011", "duplicate-policy", "two policies with the same name",
        "## Why is this bad?\n`cors NAME;` in nginx.conf must name exactly one policy.\n\n## Use instead\nRename one of them, or merge them.\n"),
    lang("CORS012", "include-failed", "an `include` file that cannot be read",
        "## Why is this bad?\nThe policy would be incomplete. Paths are resolved relative to the including file.\n"),
    lang("CORS013", "include-cycle", "an `include` that includes itself, directly or not",
        "## Why is this bad?\nThe files would be read forever.\n"),
    lang("CORS014", "invalid-duration", "a `max-age` that is not a duration",
        "## Why is this bad?\n`max-age` takes seconds (`600`) or a number with a unit: `90s`, `10m`, `2h`, `1d`. Negative or malformed values have no meaning.\n\n## Example\n```\nmax-age -1;\n```\n\n## Use instead\n```\nmax-age 10m;\n```\n"),
    lang("CORS015", "duplicate-directive", "a directive that may appear once is repeated in the same block",
        "## Why is this bad?\nWhich of the two applies would be a guess.\n\n## Example\n```\ncredentials on;\ncredentials off;\n```\n"),
    lang("CORS016", "misplaced-directive", "a directive where it is not allowed (`allow` outside a policy, `policy` inside one)",
        "## Why is this bad?\nThe directive has no meaning there.\n"),
];
