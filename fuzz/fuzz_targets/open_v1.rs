#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::open_v1;

fuzz_target!(|data: &[u8]| open_v1(data).unwrap_or_else(|v| panic!("{v}")));
