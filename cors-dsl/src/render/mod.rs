//! Rendering diagnostics for people and machines. (In progress.)
//!
//! Every renderer takes the [`crate::SourceMap`] the diagnostics point into and a slice
//! of [`crate::Diagnostic`]s and returns the text to print.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
