//! Fuzz entry points over the std crate `sealed-session`. The core's entry
//! points live in `sealed_session_core::__private`; this crate adds the
//! ones that need the session layer. `tests/integration/regressions.rs`
//! includes `src/session.rs` by path, so the regression tests replay inputs
//! through the very same code.

pub mod session;
