#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::cookie_header;

fuzz_target!(|data: &[u8]| cookie_header(data).unwrap_or_else(|v| panic!("{v}")));
