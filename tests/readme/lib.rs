//! The repository README's examples, run as doc tests (`cargo test -p
//! sealed-session-readme --doc`): its code needs the std crate, the tower
//! layer with axum and the actix middleware at once, which no library
//! crate of the workspace depends on together.

/// README.md, whose code blocks are the doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
