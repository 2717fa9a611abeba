//! Canonical formatting of a [`crate::ast::Document`] (`corsc fmt`). (In progress.)

use crate::ast::Document;

/// Prints `doc` in canonical form: 4-space indents, one directive per line, comments
/// kept. Idempotent, and the printed text parses to the same meaning.
pub fn print(_doc: &Document) -> String {
    String::new()
}
