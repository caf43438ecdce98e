#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::eax_differential;

fuzz_target!(|data: &[u8]| eax_differential(data).unwrap_or_else(|v| panic!("{v}")));
