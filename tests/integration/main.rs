//! One integration test binary: vectors, golden cookies, properties,
//! interop and regressions. Data files live in `tests/data/`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod bomb;
mod golden;
mod interop;
mod properties;
mod regressions;
mod session;
mod spec;
mod support;
mod wycheproof;
