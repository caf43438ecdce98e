#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tests::fuzzing::session::authentic_garbage;

fuzz_target!(|data: &[u8]| authentic_garbage(data).unwrap_or_else(|v| panic!("{v}")));
