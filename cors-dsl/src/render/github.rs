//! github output. (In progress.)

use crate::{Diagnostic, SourceMap};

/// Renders `diags` as github output.
pub fn render(_sources: &SourceMap, _diags: &[Diagnostic]) -> String {
    String::new()
}
