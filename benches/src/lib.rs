//! Benchmarks for sealed-session live in `benches/`; this library is empty.
