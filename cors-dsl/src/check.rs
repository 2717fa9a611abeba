//! Validation and normalisation: [`crate::ast`] → [`crate::model`]. (In progress.)
