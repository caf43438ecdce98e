#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::roundtrip;

fuzz_target!(|data: &[u8]| roundtrip(data).unwrap_or_else(|v| panic!("{v}")));
