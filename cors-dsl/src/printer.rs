//! Canonical formatting of a [`crate::ast::Document`] (`corsc fmt`). (In progress.)
