//! One integration test binary: vectors, golden cookies, properties,
//! interop, regressions, and the attacks of issue 10 (`attacks`). Data
//! files live in `tests/data/`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate alloc;

mod attacks;
mod bad_input;
mod bomb;
mod flask_signed;
mod golden;
mod interop;
mod keyring_text;
mod lifecycle;
mod properties;
mod regressions;
mod session;
mod session_vectors;
mod spec;
mod starlette_signed;
mod support;
mod wycheproof;
