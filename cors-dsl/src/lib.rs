//! The ngx-cors policy language.
//!
//! Data flows one way:
//!
//! ```text
//! text ──syntax──▶ ast::Document ──check──▶ model::PolicySet ──lint──▶ findings
//!                                                    └──compile──▶ table::RuleTable ──format──▶ .corsb
//! request ──▶ RuleTable::decide ──▶ Decision (precomputed header values)
//! ```
//!
//! - [`syntax`]: the `nom` parser, text → [`ast::Document`] with spans.
//! - [`load`]: reads a root file and its `include`s, parses and checks them.
//! - [`check`]: validation and normalisation, [`ast`] → [`model`].
//! - [`codes`]: every diagnostic code as a value with its metadata ([`codes::Code`]).
//! - [`lint`]: security and correctness findings on a valid policy, `# corsc: allow`
//!   suppressions, and the [`lint::registry`] of every code.
//! - [`compile()`]: [`model`] → [`RuleTable`]; [`format`] reads and writes `.corsb`.
//! - [`decide`]: the server side of the Fetch CORS protocol, allocation-free.
//! - [`render`]: diagnostics as rustc-style text, JSON, SARIF or GitHub annotations.
//! - [`printer`]: canonical formatting (`corsc fmt`).
#![deny(missing_docs, unsafe_code)]

pub mod ast;
pub mod check;
pub mod codes;
mod compile;
pub mod decide;
pub mod diag;
pub mod format;
pub mod lint;
pub mod load;
pub mod model;
pub mod origin;
pub mod printer;
pub mod render;
pub mod span;
pub mod syntax;
pub mod table;
mod table_json;

pub use codes::Code;
pub use compile::compile;
pub use decide::{
    Decision, HeaderName, OriginHeader, Reason, Request, RequestHeaders, ResponseHeaders,
};
pub use diag::{Diagnostic, Severity};
pub use format::TableError;
pub use load::{load_file, load_str, Loaded};
pub use model::PolicySet;
pub use span::{SourceMap, Span, Spanned};
pub use table::{PolicyId, RuleTable, SourceLoc};

/// Reads, checks and compiles a policy file in one step (what the nginx module does).
///
/// On success returns the table and the lint findings (warnings to show at
/// `nginx -t`); on failure, the sources and every error, ready for rendering.
pub fn build_table(path: &std::path::Path) -> Result<(RuleTable, Loaded), Loaded> {
    let mut loaded = load_file(path);
    let Some(set) = loaded.set.as_ref() else { return Err(loaded) };
    match compile(set, &loaded.sources) {
        Ok(table) => {
            let findings = lint::lint(set, &loaded.sources);
            loaded.diagnostics.extend(findings);
            Ok((table, loaded))
        }
        Err(errors) => {
            loaded.diagnostics.extend(errors);
            loaded.set = None;
            Err(loaded)
        }
    }
}
