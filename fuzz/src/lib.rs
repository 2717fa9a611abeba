//! Shared code of the cargo-fuzz targets (`fuzz_targets/`): the generated cases of
//! the `decide()` differential, the reference decider it is held against, and the
//! comparison of their answers.

pub mod case;
pub mod compare;
pub mod probe;
pub mod reference;
