//! Allocation accounting, in its own test binary because it installs a
//! counting global allocator. The counters are process-wide, so the binary
//! is a plain `main` (`harness = false`): the test harness's own threads
//! (its output capture, its timers) would otherwise allocate while a region
//! is counted.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;

use sealed_session_core::{Codec, Compression, ErrorKind, FixedNonce, Key, Keyring, Options};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn codec(options: Options) -> Codec {
    Codec::new(Keyring::new(1, &Key::from_bytes([3; 32])), options)
}

fn main() {
    the_buffer_api_never_allocates();
    println!("ok     the buffer API never allocates");
    opening_a_bomb_allocates_within_the_bound();
    println!("ok     opening a bomb allocates within the bound");
}

fn the_buffer_api_never_allocates() {
    // Compression on, for the compressed cookie below (the buffer API
    // itself never compresses).
    let c = codec(Options::new().with_compression(Compression::Above(1024)));
    let plain = [b'x'; 1500];
    // A compressed cookie, made (allocating) before the measured region.
    let compressed = c
        .seal_to_string(&plain, b"session", 10, &mut FixedNonce([2; 16]))
        .unwrap();
    let mut seal_buf = [0u8; 2100];
    let mut open_buf = vec![0u8; c.open_len(compressed.len().max(2100))];

    let region = Region::new(GLOBAL);
    for _ in 0..10 {
        let text = c
            .seal(
                &plain,
                b"session",
                10,
                &mut FixedNonce([1; 16]),
                &mut seal_buf,
            )
            .unwrap();
        let len = text.len();
        let text = core::str::from_utf8(&seal_buf[..len]).unwrap();
        assert_eq!(
            c.open(text, b"session", 10, &mut open_buf)
                .unwrap()
                .plaintext,
            &plain[..]
        );
        let opened = c.open(&compressed, b"session", 10, &mut open_buf).unwrap();
        assert!(opened.compressed);
        assert_eq!(opened.plaintext, &plain[..]);
        assert_eq!(
            c.open(text, b"other", 10, &mut open_buf)
                .unwrap_err()
                .kind(),
            ErrorKind::Unauthentic
        );
    }
    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
}

fn opening_a_bomb_allocates_within_the_bound() {
    let big = codec(
        Options::new()
            .with_compression(Compression::Above(1024))
            .with_max_plaintext_len(100_000_000)
            .with_max_text_len(1 << 20),
    );
    let text = big
        .seal_to_string(&vec![0u8; 100_000_000], b"s", 1, &mut FixedNonce([1; 16]))
        .unwrap();
    let strict = codec(Options::new().with_max_text_len(1 << 20));
    let region = Region::new(GLOBAL);
    let err = strict.open_to_vec(&text, b"s", 1).unwrap_err();
    let stats = region.change();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    // Decoded envelope (~100 KB) + inflater state + output grown to at most
    // the 64 KiB bound: far below the 100 MB the bomb holds.
    let bound = text.len() + 2 * 65_537 + 64 * 1024;
    assert!(
        stats.bytes_allocated < bound,
        "allocated {} bytes, bound {bound}",
        stats.bytes_allocated
    );
}
