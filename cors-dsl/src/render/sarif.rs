//! sarif output. (In progress.)

use crate::{Diagnostic, SourceMap};

/// Renders `diags` as sarif output.
pub fn render(_sources: &SourceMap, _diags: &[Diagnostic]) -> String {
    String::new()
}
