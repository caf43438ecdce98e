#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session_tower::__private::request_path;

// Arbitrary `Cookie` headers (several, non-UTF-8 bytes) through the tower
// layer; the input layout and the invariants are on `request_path`.
fuzz_target!(|data: &[u8]| {
    request_path(data);
});
