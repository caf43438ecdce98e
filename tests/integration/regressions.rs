//! Fuzz regressions: every file under `tests/data/regressions/<target>/` is
//! replayed through the fuzz entry point named `<target>` (the same function
//! the fuzz target calls), and must neither panic nor break an invariant.
//! `tests/data/regressions/README.md` says how to add one. The bugs the
//! fuzzers found are also pinned below as plain tests of the public API.

use std::fs;

use aes::Aes256;
use eax::Eax;
use eax::aead::{AeadInOut, KeyInit};
use sealed_session_core::__private::{deflate, eax_decrypt, eax_encrypt, inflate_into};
use sealed_session_core::legacy::LegacyCodec;
use sealed_session_core::{
    Codec, Compression, ErrorKind, FixedNonce, Header, Key, Keyring, Options,
};
use sealed_session_tests::fuzzing::{self as entry, Violation};

use crate::support::data_path;

type Entry = fn(&[u8]) -> Result<(), Violation>;

/// The fuzz targets, by directory name: the functions `fuzz/fuzz_targets/`
/// call.
const TARGETS: [(&str, Entry); 6] = [
    ("open_v1", entry::open_v1),
    ("open_legacy", entry::open_legacy),
    ("roundtrip", entry::roundtrip),
    ("inflate", entry::inflate),
    ("eax_differential", entry::eax_differential),
    ("authentic_garbage", entry::session::authentic_garbage),
];

/// How many inputs each directory holds: bump it when adding one, so that a
/// lost file fails the test.
const EXPECTED: [(&str, usize); 6] = [
    ("authentic_garbage", 2),
    ("eax_differential", 2),
    ("inflate", 2),
    ("open_legacy", 1),
    ("open_v1", 2),
    ("roundtrip", 2),
];

#[test]
fn every_regression_input_replays_cleanly() {
    let root = data_path("regressions");
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for dir in fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let (_, run) = TARGETS
            .iter()
            .find(|(target, _)| *target == name)
            .unwrap_or_else(|| panic!("{}: no fuzz target of that name", dir.display()));
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for file in &files {
            let data = fs::read(file).unwrap();
            match std::panic::catch_unwind(|| run(&data)) {
                Ok(Ok(())) => {}
                Ok(Err(violation)) => failures.push(format!("{}: {violation}", file.display())),
                Err(_) => failures.push(format!("{}: panicked", file.display())),
            }
        }
        counts.push((name, files.len()));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    counts.sort();
    let expected: Vec<(String, usize)> = EXPECTED
        .iter()
        .map(|(t, n)| ((*t).to_owned(), *n))
        .collect();
    assert_eq!(counts, expected);
}

/// The committed fuzz corpora (`fuzz/corpora/<target>`, minimized from
/// one long run per target: `fuzz/README.md`) replay cleanly through their
/// entry points in every `cargo test`, without nightly or libFuzzer.
/// (`tower_request`'s corpus feeds the tower crate's entry point, which
/// its own property test drives.)
#[test]
fn every_committed_fuzz_corpus_input_replays_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpora");
    let mut targets: Vec<(&str, Entry)> = TARGETS.to_vec();
    targets.push(("cookie_header", entry::cookie_header));
    let mut failures = Vec::new();
    for (target, run) in targets {
        let dir = root.join(target);
        let files: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|f| f.unwrap().path())
            .collect();
        assert!(files.len() >= 10, "{target}: {} inputs", files.len());
        for file in &files {
            let data = fs::read(file).unwrap();
            match std::panic::catch_unwind(|| run(&data)) {
                Ok(Ok(())) => {}
                Ok(Err(violation)) => failures.push(format!("{}: {violation}", file.display())),
                Err(_) => failures.push(format!("{}: panicked", file.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Found by `authentic_garbage` (its long run, `fuzz/README.md`): a legacy
/// cookie whose name and value exceed 4096 bytes was refused as too large
/// by `SessionCodec::open` but decrypted and parsed by `open_legacy`. Both
/// now refuse it before any work, as the browser's rule says.
#[test]
fn a_legacy_cookie_over_the_cookie_limit_is_too_large_to_either_opener() {
    use core::time::Duration;
    use std::time::UNIX_EPOCH;

    use sealed_session::{Legacy, ManualClock, SessionCodec, SessionError};

    let key = Key::from_bytes([7; 32]);
    let started = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([8; 32])))
        .clock(ManualClock::new(1_800_000_000))
        .accept_legacy(
            Legacy::encrypted_session(&key)
                .cookie_name("__Host-session")
                .since(started)
                .until(started + Duration::from_secs(86_400)),
        )
        .build()
        .unwrap();
    let python = LegacyCodec::new(&key, Options::new());
    // Values of 4080 and 4084 characters (standard base64 grows by 4):
    // 4094 and 4098 bytes with the name.
    for (pad, fits) in [(3_013, true), (3_014, false)] {
        let json = format!(r#"{{"p":"{}"}}"#, "x".repeat(pad));
        let value = python
            .seal_to_string(json.as_bytes(), &mut FixedNonce([1; 16]))
            .unwrap();
        let length = value.len() + "__Host-session".len();
        assert_eq!(length, if fits { 4094 } else { 4098 });
        for opened in [codec.open(&value), codec.open_legacy(&value)] {
            if fits {
                assert_eq!(
                    opened.unwrap().get::<String>("p").unwrap().unwrap().len(),
                    pad
                );
            } else {
                assert_eq!(
                    opened.unwrap_err(),
                    SessionError::from(ErrorKind::TooLarge),
                    "{length}"
                );
            }
        }
    }
}

/// Found by `inflate` (the empty input) and `roundtrip`: an opener whose
/// plaintext bound is under 63 bytes panicked on any compressed cookie
/// (`clamp(64, bound + 1)` with min > max).
#[test]
fn a_bound_under_63_bytes_inflates_without_panicking() {
    let key = Key::from_bytes([4; 32]);
    for bound in [0usize, 1, 13, 40, 62, 63] {
        let options = Options::new()
            .with_compression(Compression::Above(0))
            .with_max_plaintext_len(bound);
        let codec = Codec::new(Keyring::new(1, &key), options);
        let plain = vec![b'a'; bound];
        let text = codec
            .seal_to_string(&plain, b"s", 1, &mut FixedNonce([0; 16]))
            .unwrap();
        let opened = codec.open_to_vec(&text, b"s", 1).unwrap();
        assert_eq!(opened.plaintext, plain, "bound {bound}");
        assert_eq!(opened.compressed, bound > 8, "bound {bound}");

        let legacy = LegacyCodec::new(&key, options);
        let text = legacy
            .seal_to_string(&plain, &mut FixedNonce([0; 16]))
            .unwrap();
        assert_eq!(text.starts_with("z."), bound > 0, "bound {bound}");
        assert_eq!(legacy.open_to_vec(&text).unwrap(), plain, "bound {bound}");
    }
}

/// Found by `inflate`: a buffer of exactly the limit said `BufferTooSmall`
/// for a stream that runs past the limit; it is `TooLarge`.
#[test]
fn a_buffer_of_exactly_the_limit_reports_too_large() {
    let stream = deflate(b"0123456789", false);
    for limit in [0usize, 5, 9] {
        let mut out = vec![0u8; limit];
        assert_eq!(
            inflate_into(&stream, &mut out, limit, false).map_err(|e| e.kind()),
            Err(ErrorKind::TooLarge),
            "limit {limit}"
        );
    }
    let mut out = vec![0u8; 9];
    assert_eq!(
        inflate_into(&stream, &mut out, 10, false).map_err(|e| e.kind()),
        Err(ErrorKind::BufferTooSmall)
    );
    let mut out = vec![0u8; 10];
    assert_eq!(inflate_into(&stream, &mut out, 10, false), Ok(10));
}

/// Found by `open_v1`: `Header::peek` accepted a trailing line break that
/// `open` rejects, and read the header before checking the whole text.
#[test]
fn peek_agrees_with_open_on_line_breaks_and_order() {
    let golden = "AQABAAAAAGVT8QAHBwcHBwcHBwcHBwcHBwcHsZQb45fVJnYJqi7WY4Y1E_b3opjp7BcOlV2t";
    assert_eq!(Header::peek(golden).unwrap().header.key_id, 1);
    for text in [
        format!("{golden}\n"),
        format!("{golden}\r\n"),
        format!("{golden}\r"),
        format!("\n{golden}"),
    ] {
        assert_eq!(
            Header::peek(&text).unwrap_err().kind(),
            ErrorKind::Malformed,
            "{text:?}"
        );
    }
    // Version byte 0x11, then a character outside the alphabet: open says
    // malformed (step 2) before unknown version (step 3), and so does peek.
    let text = "EEEEEEEEEEEEEEEE\n";
    assert_eq!(Header::peek(text).unwrap_err().kind(), ErrorKind::Malformed);
    assert_eq!(
        Header::peek("EEEEEEEEEEEEEEEE").unwrap_err().kind(),
        ErrorKind::UnknownVersion
    );
}

/// Found by `eax_differential`: with a wide-batch AES backend (VAES, 30 or
/// 64 blocks per batch, as on this AVX-512 machine) the fused CTR+CMAC pass
/// skipped the first batch of any message longer than it, leaving 1024
/// bytes neither encrypted nor authenticated. The lengths straddle every
/// batch width the `aes` crate uses (4, 8, 30, 64 blocks).
#[test]
fn eax_matches_the_eax_crate_past_a_wide_batch() {
    let key = [0x42u8; 32];
    let nonce = [0x24u8; 16];
    let oracle = Eax::<Aes256>::new(&key.into());
    let plain: Vec<u8> = (0..4200u32).map(|i| (i * 7 + 1) as u8).collect();
    for len in [
        0, 1, 63, 64, 65, 127, 128, 129, 479, 480, 481, 495, 496, 497, 1023, 1024, 1025, 1040,
        1041, 2048, 2049, 3000, 4096, 4200,
    ] {
        let mut ours = plain[..len].to_vec();
        let tag = eax_encrypt(&key, &nonce, b"aad", &mut ours);
        let mut theirs = plain[..len].to_vec();
        let their_tag = oracle
            .encrypt_inout_detached(&nonce.into(), b"aad", theirs.as_mut_slice().into())
            .unwrap();
        assert_eq!(ours, theirs, "ciphertext, len {len}");
        assert_eq!(tag[..], their_tag[..], "tag, len {len}");
        assert_eq!(eax_decrypt(&key, &nonce, b"aad", &mut ours, &tag), Ok(()));
        assert_eq!(ours, &plain[..len], "len {len}");
    }
}

/// The `cookie_header` target's invariants on inputs made by hand (every
/// splice mode, several headers, non-ASCII and non-UTF-8 bytes, a value
/// under the name that is garbage) and on random bytes.
#[test]
fn cookie_header_entry_point_holds() {
    let mut crafted: Vec<Vec<u8>> = Vec::new();
    for headers in 0..4u8 {
        for splice in 0..8u8 {
            for body in [
                &b""[..],
                b"a=1; __Host-session=garbage",
                b"caf\xc3\xa9=1;\xff__Host-session=AQAB;\xffx=\xfe\x80",
                b";;;;=;=;__Host-session;__Host-session=\"\";__Host-session= spaced ",
            ] {
                let mut input = vec![headers, splice];
                input.extend_from_slice(body);
                crafted.push(input);
            }
        }
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200 {
        let len = (seed % 300) as usize;
        let mut input = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let alphabet = b"__Host-session=;ABQ\xff \x80\t\"x";
            input.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        crafted.push(input);
    }
    for input in &crafted {
        if let Err(violation) = entry::cookie_header(input) {
            panic!("{violation} on {input:?}");
        }
    }
}
