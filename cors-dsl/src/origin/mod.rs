//! Origins, in one home: the patterns a policy writes, the one splitter of serialised
//! origins, and the per-policy index that matches a request's `Origin` against them.
//!
//! | file | job |
//! |---|---|
//! | `pattern.rs` | [`OriginPattern`] and [`parse_origin`]: text → normalised pattern |
//! | `ipv4.rs` | the URL Standard's hosts that end in a number: an IPv4 address, or no host |
//! | `split.rs` | [`OriginParts`]: `scheme://host[:port]` taken apart strictly |
//! | `regex.rs` | how `~` origins are matched: anchored, size-bounded |
//! | `index.rs` | the compiled index of one policy: built once, serialised in `.corsb` |
//! | `exact.rs` | its exact origins: a hash table laid out for use in place (mapped from a `.corsb`) |
//! | `matching.rs` | the request-time lookup: raw bytes, no allocation |
//! | `language/` | origin sets as automata: what patterns accept, combined and questioned exactly |

mod exact;
mod index;
mod ipv4;
pub mod language;
mod matching;
mod pattern;
mod regex;
mod split;

pub(crate) use exact::{ExactIndex, ExactLayout};
pub(crate) use index::{BuildError, OriginIndex, SchemeRule};
pub use language::{Exposure, Found, OriginSet, TooComplex, Written};
pub(crate) use pattern::exact_if_canonical;
pub use pattern::{parse_origin, OriginError, OriginPattern, PortPattern, Scheme};
pub(crate) use regex::{anchor, REGEX_SIZE_LIMIT};
pub use split::{is_loopback, OriginParts, OriginText};
