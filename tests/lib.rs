//! Test code shared by the integration tests and the fuzz targets.
//!
//! [`fuzzing`] holds the fuzz entry points: each takes a fuzzer's raw
//! bytes, checks invariants of the codec against oracles (the `eax` crate,
//! `miniz_oxide`'s own inflater) and returns the [`fuzzing::Violation`] it
//! finds. `fuzz/` (cargo-fuzz, outside the workspace) calls them in
//! one-line targets; `integration/regressions.rs` replays the committed
//! inputs of `data/regressions/` through the very same functions.
//!
//! The integration tests themselves live in `integration/` (one binary),
//! `allocations.rs` and `residue.rs`.

extern crate alloc;

pub mod fuzzing;
