//! The ngx-cors policy language.
//!
//! Data flows one way:
//!
//! ```text
//! text ──syntax──▶ ast::Document ──check──▶ model::PolicySet ──lint──▶ findings
//!                                                    └──compile──▶ table::RuleTable ──corsb──▶ .corsb
//! request ──▶ RuleTable::decide ──▶ Decision (precomputed header values)
//! ```
//!
//! - [`fetch`]: facts of the Fetch standard every layer shares (names, tokens, lists).
//! - [`origin`]: origin patterns, the one origin splitter, the per-policy origin index.
//! - [`syntax`]: the `nom` parser, text → [`ast::Document`] with spans.
//! - [`load`]: reads a root file and its `include`s, parses and checks them.
//! - [`check`]: validation and normalisation, [`ast`] → [`model`].
//! - [`codes`]: every diagnostic code as a value with its metadata ([`codes::Code`]).
//! - [`lint`]: security and correctness findings on a valid policy, `# corsc: allow`
//!   suppressions, and the [`lint::registry`] of every code.
//! - [`compile()`]: [`model`] → [`RuleTable`]; [`corsb`] reads and writes `.corsb`.
//! - [`open()`]: a path → a table, from `.corsb` or from source; [`build()`] is the one
//!   pipeline from source (load, check, compile, lint).
//! - [`decide`]: the server side of the Fetch CORS protocol, allocation-free.
//! - [`expect`]: policy tests, `expect` statements run through `decide()` and judged
//!   by [`browser`].
//! - [`browser`]: the browser side of it, to judge `decide()`'s answers (`corsc explain`,
//!   the Chromium suite).
//! - [`render`]: diagnostics as rustc-style text, JSON, SARIF or GitHub annotations.
//! - [`printer`]: canonical formatting (`corsc fmt`).
//! - [`diff`]: what a change to a policy file grants and takes away (`corsc diff`).
//! - [`fix`]: applying the machine-applicable fixes of diagnostics (`corsc lint --fix`).
#![deny(missing_docs, unsafe_code)]

pub mod ast;
pub mod browser;
mod bytes;
pub mod check;
pub mod codes;
mod compile;
pub mod corsb;
pub mod decide;
pub mod diag;
pub mod diagnostics;
pub mod diff;
pub mod expect;
pub mod fetch;
pub mod fix;
pub mod lint;
pub mod load;
pub mod model;
mod open;
pub mod origin;
pub mod printer;
pub mod render;
pub mod report;
pub mod span;
pub mod syntax;
pub mod table;
mod table_json;

pub use codes::Code;
pub use compile::compile;
pub use corsb::TableError;
pub use decide::{Decision, OriginHeader, Reason, Request, RequestHeaders, ResponseHeaders};
pub use diag::{Diagnostic, Severity};
pub use diagnostics::{Diagnostics, Summary, MAX_DIAGNOSTICS};
pub use fetch::HeaderName;
pub use load::{
    load_file, load_file_with, load_str, load_str_with, load_string_with, Loaded, SourceLimit,
};
pub use model::PolicySet;
pub use open::{
    build, build_string_with, build_table, build_with, open, open_owned, open_with, table_limit,
    OpenError, Opened, MAX_TABLE_SIZE,
};
pub use span::{SourceMap, Span, Spanned};
pub use table::{PolicyId, RuleTable, SourceLoc};
