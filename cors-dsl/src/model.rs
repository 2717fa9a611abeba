//! The validated policy: what the text means, every value normalised.
//!
//! [`crate::check`] builds these from the syntax tree; once a [`PolicySet`] exists,
//! every origin is well-formed and normalised, every regex compiles, every method and
//! header is a valid token, and `*` is never combined with credentials. The linter
//! reads it (spans are kept for its findings) and [`crate::compile`] turns it into a
//! [`crate::table::RuleTable`].

pub use crate::origin::{OriginPattern, PortPattern, Scheme};
use crate::span::{Span, Spanned};

/// Every policy read from one root file and its includes.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The policies, in source order (includes expanded in place).
    pub policies: Vec<Policy>,
    /// `# corsc: allow CODE "reason"` comments found while parsing.
    pub suppressions: Vec<Suppression>,
    /// Every `expect` statement (in a `policy` or a `test` block), in source order.
    /// Run by [`crate::expect::run`] against the compiled table; never compiled into it.
    /// (A boxed slice: the set is built once, and `Loaded` stays small enough to return
    /// by value.)
    pub expectations: Box<[Expectation]>,
}

/// `policy NAME { … }`.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Its name, unique in the set.
    pub name: Spanned<String>,
    /// The rules in the order they are tried: every `allow { … }` block in source
    /// order, then the policy's own `origin` list (if any) as the last rule.
    pub rules: Vec<Rule>,
    /// How preflights are handled.
    pub preflight: PreflightHandling,
    /// The whole `policy … { … }` directive.
    pub span: Span,
}

/// What happens to preflight requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightHandling {
    /// `preflight answer;` (default) or `preflight pass;`.
    pub mode: Spanned<PreflightMode>,
    /// `preflight-status 204|200;` for an allowed preflight.
    pub success_status: Spanned<u16>,
    /// `preflight-refused 403|pass;`.
    pub refused: Spanned<RefusedPreflight>,
}

/// Who answers preflights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightMode {
    /// The module answers them (the default).
    Answer,
    /// Every preflight goes to the upstream untouched (the app answers them itself).
    Pass,
}

/// What a refused preflight gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedPreflight {
    /// The module answers with this status and no CORS headers (default `403`).
    Status(u16),
    /// The request goes on to the upstream, without CORS headers in the answer.
    Pass,
}

/// One origin list and the rights it gets. First matching rule wins.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The origins this rule matches (never empty after validation, see lint).
    pub origins: Vec<Spanned<OriginPattern>>,
    /// Allowed methods; `None` in a list means only the CORS-safelisted ones.
    pub methods: Spanned<AllowList<String>>,
    /// Allowed request headers (names as written; compared case-insensitively).
    pub headers: Spanned<AllowList<String>>,
    /// Exposed response headers (names as written).
    pub expose: Spanned<AllowList<String>>,
    /// `credentials on;`.
    pub credentials: Spanned<bool>,
    /// `max-age …;` in seconds, if set.
    pub max_age: Option<Spanned<u32>>,
    /// `private-network on;`.
    pub private_network: Spanned<bool>,
    /// The `allow { … }` block, or the policy's first `origin` for the implicit rule.
    pub span: Span,
    /// True for the implicit rule made of the policy's own `origin` statements.
    pub implicit: bool,
}

/// `*` or an explicit list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowList<T> {
    /// `*`: anything (with the Fetch standard's exceptions, e.g. `Authorization`).
    /// The `Vec` holds entries listed beside the `*` (e.g. `headers * Authorization;`).
    Any(Vec<Spanned<T>>),
    /// Only these (may be empty: nothing beyond what is always allowed).
    List(Vec<Spanned<T>>),
}

impl<T> AllowList<T> {
    /// The explicitly listed entries, with or without `*`.
    pub fn entries(&self) -> &[Spanned<T>] {
        match self {
            AllowList::Any(v) | AllowList::List(v) => v,
        }
    }

    /// Whether the list is `*`.
    pub fn is_any(&self) -> bool {
        matches!(self, AllowList::Any(_))
    }
}

/// A `# corsc: allow CODE "reason"` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The code it silences.
    pub code: String,
    /// Why (required; a suppression without one is itself a finding).
    pub reason: Option<String>,
    /// The comment.
    pub span: Span,
    /// The line it applies to: the next non-comment line after it.
    pub applies_to_line: u32,
}

/// `expect allow|refuse ORIGIN [METHOD] [headers NAME…] [credentials] [expose NAME…];`:
/// an outcome a browser must see, checked against the compiled policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The policy it is about: the enclosing `policy`'s name, or a `test NAME` block's.
    pub policy: Spanned<String>,
    /// What the page must get.
    pub outcome: Spanned<Expected>,
    /// The page's origin, exactly as a browser serialises it (`https://app.example.com`,
    /// `null`).
    pub origin: Spanned<String>,
    /// The request method as sent (case-sensitive); `GET` when none is written (then
    /// the span is the origin's).
    pub method: Spanned<String>,
    /// Request headers the page sets with values that are not CORS-safelisted (so a
    /// browser preflights them), as written.
    pub headers: Vec<Spanned<String>>,
    /// `credentials`: the page sends cookies (`credentials: "include"`).
    pub credentials: Option<Span>,
    /// `expose NAME…`: response headers the page must be able to read (only with
    /// `allow`).
    pub expose: Vec<Spanned<String>>,
    /// The whole `expect …;` statement.
    pub span: Span,
}

/// What an expectation says the browser does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The page gets the response (after a successful preflight, if one is needed).
    Allow,
    /// The page does not: the preflight fails (the request is never sent), or the
    /// response is blocked.
    Refuse,
}

impl Expected {
    /// `allow` or `refuse`, as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Allow => "allow",
            Expected::Refuse => "refuse",
        }
    }
}
