//! json output. (In progress.)

use crate::{Diagnostic, SourceMap};

/// Renders `diags` as json output.
pub fn render(_sources: &SourceMap, _diags: &[Diagnostic]) -> String {
    String::new()
}
