//! The language errors (`CORS0xx`): what the parser, the checker, the loader and the
//! compiler refuse. A policy with any of them is not loaded; they cannot be suppressed.

use super::Code;

/// `CORS001` `syntax-error`.
pub const SYNTAX_ERROR: &Code = &Code::language(
    "CORS001",
    "syntax-error",
    "the text is not valid policy syntax",
    "## Why is this bad?\nThe policy cannot be read: a missing `;`, an unbalanced `{`/`}`, an unterminated string or a stray character.\n\n## Example\n```\npolicy api {\n    origin https://app.example.com\n}\n```\n\n## Use instead\n```\npolicy api {\n    origin https://app.example.com;\n}\n```\n",
);

/// `CORS002` `unknown-directive`.
pub const UNKNOWN_DIRECTIVE: &Code = &Code::language(
    "CORS002",
    "unknown-directive",
    "a directive name that does not exist",
    "## Why is this bad?\nA misspelt directive would otherwise be ignored and the policy would silently mean something else.\n\n## Example\n```\npolicy api { orign https://app.example.com; }\n```\n\n## Use instead\n```\npolicy api { origin https://app.example.com; }\n```\n",
);

/// `CORS003` `invalid-arguments`.
pub const INVALID_ARGUMENTS: &Code = &Code::language(
    "CORS003",
    "invalid-arguments",
    "a directive has the wrong number or kind of arguments, or a value it does not accept",
    "## Why is this bad?\nEach directive takes specific values (`on`/`off`, a status code, a list of tokens); anything else has no meaning.\n\n## Example\n```\ncredentials yes;\n```\n\n## Use instead\n```\ncredentials on;\n```\n",
);

/// `CORS004` `malformed-origin`.
pub const MALFORMED_ORIGIN: &Code = &Code::language(
    "CORS004",
    "malformed-origin",
    "an origin that a browser can never send",
    "## Why is this bad?\nA browser's `Origin` is `scheme://host[:port]` and nothing else: no path, no trailing slash, no query, no user info, a valid port. An entry with any of those never matches, so the site is silently broken.\n\n## Example\n```\norigin https://app.example.com/;\n```\n\n## Use instead\n```\norigin https://app.example.com;\n```\n",
);

/// `CORS005` `invalid-regex`.
pub const INVALID_REGEX: &Code = &Code::language(
    "CORS005",
    "invalid-regex",
    "a `~` origin whose regular expression does not compile",
    "## Why is this bad?\nThe pattern cannot be matched. Regexes use the Rust `regex` syntax (linear time: no backreferences or look-around) and always match the whole origin.\n\n## Example\n```\norigin ~ \"^https://(a|b\\.example\\.com$\";\n```\n\n## Use instead\n```\norigin ~ \"https://(a|b)\\.example\\.com\";\n```\n",
);

/// `CORS006` `regex-too-large`.
pub const REGEX_TOO_LARGE: &Code = &Code::language(
    "CORS006",
    "regex-too-large",
    "a policy's regexes are too large to compile together",
    "## Why is this bad?\nAll `~` origins of a policy are matched in one pass; a set that large would slow every request, so it is refused.\n\n## Use instead\nMerge patterns, or list origins exactly (exact origins cost one hash lookup however many there are).\n",
);

/// `CORS007` `credentials-with-wildcard-origin`.
pub const CREDENTIALS_WITH_WILDCARD_ORIGIN: &Code = &Code::language(
    "CORS007",
    "credentials-with-wildcard-origin",
    "`credentials on` together with the `*` origin",
    "## Why is this bad?\nBrowsers refuse `Access-Control-Allow-Origin: *` on credentialed requests. Reflecting any origin instead would let every site on the web read your users' data, so the combination is refused rather than quietly turned into reflection.\n\n## Example\n```\norigin *;\ncredentials on;\n```\n\n## Use instead\n```\norigin https://app.example.com;\ncredentials on;\n```\n",
);

/// `CORS017` `credentials-with-wildcard-expose`.
pub const CREDENTIALS_WITH_WILDCARD_EXPOSE: &Code = &Code::language(
    "CORS017",
    "credentials-with-wildcard-expose",
    "`expose *` together with `credentials on`",
    "## Why is this bad?\nOn a response to a credentialed request, browsers read `*` in `Access-Control-Expose-Headers` as a header named `*`, not as a wildcard (Fetch standard, CORS-filtered response), so the page could read none of the headers the policy seems to expose. ngx-cors does not guess instead which headers a response carries: exposing every header of every response, whatever the upstream adds later, would be a decision nobody reviewed. The combination is refused; list the headers scripts need.\n\n## Example\n```\nexpose *;\ncredentials on;\n```\n\n## Use instead\n```\nexpose X-Request-ID X-Total-Count;\ncredentials on;\n```\n",
);

/// `CORS008` `forbidden-method`.
pub const FORBIDDEN_METHOD: &Code = &Code::language(
    "CORS008",
    "forbidden-method",
    "`CONNECT`, `TRACE` or `TRACK` in `methods`",
    "## Why is this bad?\nThe Fetch standard forbids these methods; no browser will ever send them cross-origin, and allowing them only signals a misunderstanding.\n\n## Example\n```\nmethods GET TRACE;\n```\n\n## Use instead\n```\nmethods GET;\n```\n",
);

/// `CORS009` `invalid-method`.
pub const INVALID_METHOD: &Code = &Code::language(
    "CORS009",
    "invalid-method",
    "a method that is not a valid HTTP token",
    "## Why is this bad?\nMethods are HTTP tokens (letters, digits and `!#$%&'*+-.^_`|~`); anything else can never be requested.\n\n## Example\n```\nmethods GET, POST;\n```\n\n## Use instead\n```\nmethods GET POST;\n```\n",
);

/// `CORS010` `invalid-header-name`.
pub const INVALID_HEADER_NAME: &Code = &Code::language(
    "CORS010",
    "invalid-header-name",
    "a header name that is not a valid HTTP token",
    "## Why is this bad?\nHeader names are HTTP tokens; a name with spaces, colons or commas can never be requested or exposed.\n\n## Example\n```\nheaders X-Request-ID:;\n```\n\n## Use instead\n```\nheaders X-Request-ID;\n```\n",
);

/// `CORS011` `duplicate-policy`.
pub const DUPLICATE_POLICY: &Code = &Code::language(
    "CORS011",
    "duplicate-policy",
    "two policies with the same name",
    "## Why is this bad?\n`cors NAME;` in nginx.conf must name exactly one policy.\n\n## Use instead\nRename one of them, or merge them.\n",
);

/// `CORS012` `include-failed`.
pub const INCLUDE_FAILED: &Code = &Code::language(
    "CORS012",
    "include-failed",
    "an `include` (or `include-origins`) file that cannot be read, or one over the bounds",
    "## Why is this bad?\nThe policy would be incomplete. Paths are resolved relative to the including file.\n\n\
## Bounds\nEvery file read is bounded, so that a wrong path or a generator gone wrong fails fast: a file \
must be a regular file (not a device, FIFO or directory) no larger than the source limit (16 MiB \
unless raised with `corsc --max-source-size` or nginx's `cors_policy_max_size`), and one policy \
file may expand at most 1,024 `include`s and `include-origins` in total, with at most twice the \
source limit of included text. The finding says which bound was met and how to raise it.\n",
);

/// `CORS013` `include-cycle`.
pub const INCLUDE_CYCLE: &Code = &Code::language(
    "CORS013",
    "include-cycle",
    "an `include` that includes itself, directly or not",
    "## Why is this bad?\nThe files would be read forever.\n",
);

/// `CORS014` `invalid-duration`.
pub const INVALID_DURATION: &Code = &Code::language(
    "CORS014",
    "invalid-duration",
    "a `max-age` that is not a duration",
    "## Why is this bad?\n`max-age` takes seconds (`600`) or a number with a unit: `90s`, `10m`, `2h`, `1d`. Negative or malformed values have no meaning.\n\n## Example\n```\nmax-age -1;\n```\n\n## Use instead\n```\nmax-age 10m;\n```\n",
);

/// `CORS015` `duplicate-directive`.
pub const DUPLICATE_DIRECTIVE: &Code = &Code::language(
    "CORS015",
    "duplicate-directive",
    "a directive that may appear once is repeated in the same block",
    "## Why is this bad?\nWhich of the two applies would be a guess.\n\n## Example\n```\ncredentials on;\ncredentials off;\n```\n",
);

/// `CORS016` `misplaced-directive`.
pub const MISPLACED_DIRECTIVE: &Code = &Code::language(
    "CORS016",
    "misplaced-directive",
    "a directive where it is not allowed (`allow` outside a policy, `policy` inside one)",
    "## Why is this bad?\nThe directive has no meaning there.\n",
);

/// Every language error, in code order.
pub const LANGUAGE: &[&Code] = &[
    SYNTAX_ERROR,
    UNKNOWN_DIRECTIVE,
    INVALID_ARGUMENTS,
    MALFORMED_ORIGIN,
    INVALID_REGEX,
    REGEX_TOO_LARGE,
    CREDENTIALS_WITH_WILDCARD_ORIGIN,
    FORBIDDEN_METHOD,
    INVALID_METHOD,
    INVALID_HEADER_NAME,
    DUPLICATE_POLICY,
    INCLUDE_FAILED,
    INCLUDE_CYCLE,
    INVALID_DURATION,
    DUPLICATE_DIRECTIVE,
    MISPLACED_DIRECTIVE,
    CREDENTIALS_WITH_WILDCARD_EXPOSE,
];
