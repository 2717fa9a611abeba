//! `corsc import nginx`: nginx configuration files → policies, a report of what the
//! recipe does, and the edit that replaces it.
//!
//! `lex` and `conf` read nginx's syntax (includes followed), `eval` interprets the
//! parts recipes are made of, `regex` translates nginx regexes, `recipe` probes every
//! location and derives its policy and findings, `rewrite` edits the configuration.

pub mod compare;
pub mod conf;
pub mod eval;
pub mod judge;
pub mod lex;
pub mod plan;
pub mod recipe;
pub mod regex;
pub mod rewrite;
pub mod verify;
