//! The policy-test codes (`CORS2xx`): an `expect` statement that the compiled policy
//! does not keep. Reported by [`crate::expect`]; a policy with any of them is refused
//! like one with a language error, and they cannot be suppressed.

use super::Code;

/// `CORS201` `expectation-failed`.
pub const EXPECTATION_FAILED: &Code = &Code::expectation(
    "CORS201",
    "expectation-failed",
    "an `expect` statement the policy does not keep",
    "## Why is this bad?\nAn `expect` statement says what a browser must see for one request: `allow` (the page gets the response, after a successful preflight when one is needed) or `refuse` (the preflight fails, or the response is blocked). The request is built the way a browser builds it (a preflight for a method other than GET, HEAD and POST or for listed headers, with or without credentials), answered by the compiled policy exactly as nginx answers it, and judged by the same model of the browser as `corsc explain`. When the outcome differs, the policy no longer does what its authors wrote down, so it is refused: `corsc check`, `corsc compile` and `nginx -t` fail, and a reload keeps the running configuration.\n\nThe diagnostic says what was expected, what the policy does, and which rule (or missing entry) decides it.\n\n## Example\n```\npolicy api {\n    origin https://app.example.com;\n    methods GET PUT;\n\n    expect allow https://app.example.com DELETE;\n}\n```\n\n## Use instead\n```\npolicy api {\n    origin https://app.example.com;\n    methods GET PUT DELETE;\n\n    expect allow https://app.example.com DELETE;\n}\n```\nor change the expectation, if the policy is right.\n",
);

/// `CORS202` `expectation-unverifiable`.
pub const EXPECTATION_UNVERIFIABLE: &Code = &Code::expectation(
    "CORS202",
    "expectation-unverifiable",
    "an `expect` statement whose outcome the policy leaves to the upstream",
    "## Why is this bad?\nWith `preflight pass;` every preflight goes to the upstream, so whether a preflighted request is allowed depends on the application, not on the policy. An expectation about such a request can never be checked; rather than pass silently, it is refused.\n\n## Example\n```\npolicy api {\n    origin https://app.example.com;\n    preflight pass;\n\n    expect allow https://app.example.com PUT;\n}\n```\n\n## Use instead\nExpect only requests a browser sends without a preflight (`GET`, `HEAD`, `POST` with safelisted headers), or let the module answer preflights (`preflight answer;`, the default).\n",
);

/// Every policy-test code, in code order.
pub const EXPECTATION: &[&Code] = &[EXPECTATION_FAILED, EXPECTATION_UNVERIFIABLE];
