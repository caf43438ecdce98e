#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::open_legacy;

fuzz_target!(|data: &[u8]| open_legacy(data).unwrap_or_else(|v| panic!("{v}")));
