//! stub
use super::Imported;
use std::path::Path;
/// Imports.
pub fn import(_p: &Path, _t: &str, _i: &mut Imported) {}
