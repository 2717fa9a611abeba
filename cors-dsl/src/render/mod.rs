//! Rendering diagnostics for people and machines. (In progress.)
