#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::inflate;

fuzz_target!(|data: &[u8]| inflate(data).unwrap_or_else(|v| panic!("{v}")));
