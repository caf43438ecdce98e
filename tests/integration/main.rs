//! One integration test binary: vectors, golden cookies, properties,
//! interop and regressions. Data files live in `tests/data/`.

mod bomb;
mod golden;
mod interop;
mod properties;
mod session;
mod support;
mod wycheproof;
