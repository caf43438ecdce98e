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
    reading_a_session_allocates_its_storage_and_its_list();
    println!("ok     reading a session allocates its storage and its list");
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

/// Issue 22: the std read path allocates nothing beyond the session's own
/// storage. Loading an app's session of 1 KiB of JSON (eight members, one
/// with 39 strings) from a `Cookie` header with other cookies around it
/// takes exactly two allocations: the decoded envelope, decrypted in place,
/// which becomes the session's storage, and the list of its members (spans
/// into that storage). Reading a member as a type allocates only what that
/// type holds.
fn reading_a_session_allocates_its_storage_and_its_list() {
    use sealed_session::{ManualClock, Session, SessionCodec};

    let codec = SessionCodec::builder(Keyring::new(1, &Key::from_bytes([5; 32])))
        .clock(ManualClock::new(1_800_000_000))
        .build()
        .unwrap();
    let recent: Vec<String> = (0..39u64)
        .map(|i| format!("/shop/item/{}", 1_042_337 + i * 7_919))
        .collect();
    let mut session = Session::new();
    session.insert("user_id", 48_213).unwrap();
    session
        .insert("email", "augusta.ada.lovelace@example.com")
        .unwrap();
    session
        .insert("csrf_token", "7d1f0b9ac34e58a2c0ffee15deadbeef01234567")
        .unwrap();
    session.insert("n", 0).unwrap();
    session.insert("roles", ["member", "editor"]).unwrap();
    session.insert("recent", &recent).unwrap();
    session.insert("tz", "America/Los_Angeles").unwrap();
    session.insert("locale", "en-GB").unwrap();
    assert_eq!(session.to_json_string().len(), 1024);
    let value = codec.seal(&session).unwrap();
    let header = format!("theme=dark; __Host-session={value}; lang=en-GB");

    let region = Region::new(GLOBAL);
    let loaded = codec.load([header.as_str()]);
    let after_load = region.change();
    let user: Option<u64> = loaded.session.get("user_id").unwrap();
    let after_get = region.change();
    assert_eq!(loaded.rejected, None);
    assert_eq!(user, Some(48_213));
    assert_eq!(loaded.session.len(), 8);
    assert_eq!(after_load.allocations, 2, "{after_load:?}");
    assert_eq!(after_load.reallocations, 0, "{after_load:?}");
    // The storage (the decoded envelope, about three quarters of the
    // cookie's text) and a list of eight members.
    assert!(
        after_load.bytes_allocated < value.len() + 8 * 64,
        "{after_load:?}"
    );
    assert_eq!(
        after_get.allocations, 2,
        "a u64 needs no allocation: {after_get:?}"
    );
}
