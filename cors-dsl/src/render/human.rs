//! human output. (In progress.)

use crate::{Diagnostic, SourceMap};

/// Renders `diags` rustc-style (annotate-snippets), in colour when `color` is set.
pub fn render(_sources: &SourceMap, _diags: &[Diagnostic], _color: bool) -> String {
    String::new()
}
