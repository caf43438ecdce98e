//! `sealed-session-core` on a microcontroller, without an allocator.
//!
//! On `thumbv7em-none-eabihf` this is firmware for a Cortex-M4F with 256 KiB
//! of flash and 64 KiB of RAM (`memory.x`): it seals and opens a cookie with
//! `Codec::seal` and `Codec::open` over fixed buffers on the stack, rejects a
//! tampered cookie, opens a compressed golden cookie, prints the transcript
//! over semihosting and exits. `cargo xtask ci` runs it under QEMU
//! (`mps2-an386`) and checks that it prints what the host build prints.
//!
//! On any other target it is a plain program that prints the same
//! transcript, so the workspace builds, lints and tests it like any crate.
//!
//! ```text
//! cargo build -p sealed-session-embedded-example --profile size --target thumbv7em-none-eabihf
//! qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
//!     -semihosting-config enable=on,target=native \
//!     -kernel target/thumbv7em-none-eabihf/size/sealed-session-embedded-example
//! ```
#![cfg_attr(target_os = "none", no_std, no_main)]
#![forbid(unsafe_code)]

mod demo;

#[cfg(target_os = "none")]
mod device {
    //! Entry point, output and exit on bare metal.

    use core::fmt::Write;

    use cortex_m_rt::entry;
    use cortex_m_semihosting::{debug, hio};
    use panic_semihosting as _;

    /// Runs the round trip, prints the transcript and the codec's size on
    /// this target, and tells QEMU how it went.
    #[entry]
    fn main() -> ! {
        let status = match hio::hstdout() {
            Ok(mut out) => match crate::demo::run(&mut out) {
                Ok(()) => {
                    let codec = core::mem::size_of::<sealed_session_core::Codec>();
                    match writeln!(out, "codec on the stack: {codec} bytes") {
                        Ok(()) => debug::EXIT_SUCCESS,
                        Err(_) => debug::EXIT_FAILURE,
                    }
                }
                Err(failure) => {
                    // Nothing is left to report to if writing fails too.
                    let _ = writeln!(out, "error: {failure}");
                    debug::EXIT_FAILURE
                }
            },
            Err(()) => debug::EXIT_FAILURE,
        };
        debug::exit(status);
        // Reached only without a debugger or QEMU to exit to.
        loop {
            cortex_m::asm::wfi();
        }
    }
}

/// Prints the transcript to stdout.
#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    match demo::run(&mut Stdout) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `core::fmt::Write` over stdout.
#[cfg(not(target_os = "none"))]
struct Stdout;

#[cfg(not(target_os = "none"))]
impl core::fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        use std::io::Write as _;
        std::io::stdout()
            .write_all(s.as_bytes())
            .map_err(|_| core::fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::demo;

    struct Transcript(String);

    impl core::fmt::Write for Transcript {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.0.push_str(s);
            Ok(())
        }
    }

    fn golden_vector() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/v1-vectors.json"
        );
        let vectors: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        vectors
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "compressed-with-context")
            .unwrap()
            .clone()
    }

    #[test]
    fn the_transcript_is_exact() {
        let mut out = Transcript(String::new());
        demo::run(&mut out).unwrap();
        assert_eq!(
            out.0,
            "sealed 32 bytes: AQABAAAAAGVT8QAkJCQkJCQkJCQkJCQkJCQkCzUrYPAslFxVOR6QRCVuuqMqk7O1D\
             o9g9fQZmU24NXiGiImhEQ4gQe3PW1kadfOR\n\
             opened: {\"user\":42,\"device\":\"thumbv7em\"} (key 1, issued at 1700000000)\n\
             tampered: not authentic\n\
             golden compressed-with-context: 2031 bytes, compressed true, fnv-1a bfff745f\n\
             buffers on the stack: 2472 bytes\n"
        );
    }

    #[test]
    fn the_golden_cookie_and_its_fingerprint_match_the_vector_file() {
        let vector = golden_vector();
        assert_eq!(vector["cookie"], demo::GOLDEN_COOKIE);
        assert_eq!(vector["keys"][0]["id"], 1);
        assert_eq!(vector["context"], "session");
        assert_eq!(vector["issued_at"], 1_700_000_000);
        let hex = vector["plaintext_hex"].as_str().unwrap();
        let plaintext: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(plaintext.len(), demo::GOLDEN_PLAINTEXT_LEN);
        assert_eq!(demo::fnv1a(&plaintext), 0xbfff_745f);
        assert_eq!(demo::fnv1a(b""), 0x811c_9dc5);
        assert_eq!(demo::fnv1a(b"a"), 0xe40c_292c);
    }

    #[test]
    fn the_buffers_are_sized_by_the_codec() {
        assert_eq!(demo::TEXT_LEN, 100);
        assert_eq!(demo::OPEN_LEN, 75);
        assert_eq!(demo::GOLDEN_OPEN_LEN, 266 + 2031);
        assert_eq!(
            demo::BUFFERS_LEN,
            demo::TEXT_LEN + demo::OPEN_LEN + demo::GOLDEN_OPEN_LEN
        );
    }
}
