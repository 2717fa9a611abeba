//! The compiled rule table: everything `decide()` needs, laid out for request time.
//!
//! Built by [`crate::compile`] from a validated policy set, written to and read from
//! `.corsb` files ([`crate::corsb`]), and consulted by [`RuleTable::decide`](crate::decide). Every header
//! value a response can carry is rendered here once, at compile time, so deciding never
//! formats or allocates.
//!
//! Origins are matched through each policy's [`crate::origin`] index.

use crate::fetch::HeaderName;
use crate::origin::OriginIndex;
use serde::{Deserialize, Serialize};

// The structure-aware table mutator and its invariant: a stable test here, and with
// the `fuzzing` feature the same pieces for the cargo-fuzz targets in `fuzz/`.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz;
mod validate;

#[cfg(any(test, feature = "fuzzing"))]
use validate::validate_exact_keys;
pub use validate::{check_header_value, Violation};
pub(crate) use validate::{preflight_vary, quoted};

/// Index of a policy in a [`RuleTable`]; obtained from [`RuleTable::policy_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyId(pub(crate) u32);

impl PolicyId {
    /// The raw index (for storing in C structs).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// All compiled policies of one policy set. (Not `Serialize`: a `.corsb` stores the
/// exact-origin indexes beside the serialised rest, see [`crate::corsb`].)
#[derive(Debug, Clone, PartialEq)]
pub struct RuleTable {
    pub(crate) policies: Vec<CompiledPolicy>,
}

/// One compiled policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CompiledPolicy {
    pub(crate) name: String,
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) origins: OriginIndex,
    pub(crate) preflight: Preflight,
    /// `Vary` for actual and non-CORS responses: `Origin`, or nothing when every
    /// origin gets the same static `*` answer.
    pub(crate) vary: Option<HeaderValue>,
    /// `Vary` for preflight responses.
    pub(crate) preflight_vary: HeaderValue,
}

impl PartialEq for CompiledPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.rules == other.rules
            && self.origins == other.origins
            && self.preflight == other.preflight
            && self.vary == other.vary
            && self.preflight_vary == other.preflight_vary
    }
}

/// How preflights are handled (see [`crate::model::PreflightHandling`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Preflight {
    /// `false` for `preflight pass;`.
    pub(crate) answer: bool,
    pub(crate) success_status: u16,
    /// `None` passes refused preflights to the upstream.
    pub(crate) refused_status: Option<u16>,
}

/// A header value rendered at compile time.
pub(crate) type HeaderValue = Box<str>;

/// One compiled `allow` rule: its rights and the headers of its answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CompiledRule {
    /// Where the rule was written (for `corsc explain`).
    pub(crate) source: SourceLoc,
    /// Methods beyond the safelisted ones; `None` means `*`.
    pub(crate) methods: Option<Vec<Box<str>>>,
    /// Allowed request header names, lower-case.
    pub(crate) headers: Vec<Box<str>>,
    /// `headers *` (never covers `authorization` unless listed).
    pub(crate) any_header: bool,
    /// `private-network on`: a preflight asking for it gets
    /// `Access-Control-Allow-Private-Network: true`.
    pub(crate) private_network: bool,
    /// The headers of an allowed actual request's response, in sending order.
    pub(crate) actual: Box<[RenderedHeader]>,
    /// The headers of an allowed preflight's answer, in sending order (without
    /// `Access-Control-Allow-Private-Network`, which depends on the request).
    /// `Access-Control-Allow-Headers` goes out only when the preflight asked for
    /// headers.
    pub(crate) preflight: Box<[RenderedHeader]>,
}

/// One response header of an allowed answer, rendered at compile time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RenderedHeader {
    pub(crate) name: HeaderName,
    pub(crate) value: RenderedValue,
}

/// A rendered header value: fixed text, or something of the request's reflected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RenderedValue {
    /// The request's `Origin`, byte for byte (only ever an origin the rule matched).
    RequestOrigin,
    /// A preflight's `Access-Control-Request-Method` (a validated token): `methods *`
    /// with credentials, where browsers read a literal `*` as a method name.
    RequestMethod,
    /// A preflight's `Access-Control-Request-Headers` lines (every name in them a
    /// validated token the rule allows): `headers *` with credentials, where browsers
    /// read a literal `*` as a header name. The combined value, as one line.
    RequestHeaders,
    /// The same text for every request.
    Text(HeaderValue),
}

/// Where a rule was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLoc {
    /// The policy file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl std::fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

impl RuleTable {
    /// The id of the policy called `name`.
    pub fn policy_id(&self, name: &str) -> Option<PolicyId> {
        self.policies.iter().position(|p| p.name == name).map(|i| PolicyId(i as u32))
    }

    /// The names of all policies, in source order.
    pub fn policy_names(&self) -> impl Iterator<Item = &str> {
        self.policies.iter().map(|p| p.name.as_str())
    }

    /// The name of a policy.
    pub fn policy_name(&self, id: PolicyId) -> Option<&str> {
        self.policies.get(id.0 as usize).map(|p| p.name.as_str())
    }

    /// Where the rule `rule` of policy `id` was written.
    pub fn rule_source(&self, id: PolicyId, rule: usize) -> Option<&SourceLoc> {
        self.policies.get(id.0 as usize)?.rules.get(rule).map(|r| &r.source)
    }

    /// The same table with every rule's [`SourceLoc`] cleared: what the policies mean,
    /// not where they were written. Two tables compiled from differently laid-out text
    /// (e.g. before and after `corsc fmt`) compare equal this way.
    pub fn without_sources(mut self) -> RuleTable {
        for rule in self.policies.iter_mut().flat_map(|p| p.rules.iter_mut()) {
            rule.source = SourceLoc::default();
        }
        self
    }

    /// Checks every invariant the compiler guarantees, from the table's data alone
    /// (see [`validate`]): what the compiler runs on the table it built and the
    /// `.corsb` loader on the table it decoded. The regex sets must be built.
    pub(crate) fn validate(&self) -> Result<(), Violation> {
        validate::validate(self)
    }

    /// [`validate`](Self::validate) and the compiler's parse of every exact origin key
    /// ([`validate_exact_keys`]).
    pub(crate) fn validate_fully(&self) -> Result<(), Violation> {
        validate::validate(self)?;
        validate::validate_exact_keys(self)
    }

    pub(crate) fn policy(&self, id: PolicyId) -> Option<&CompiledPolicy> {
        self.policies.get(id.0 as usize)
    }
}
