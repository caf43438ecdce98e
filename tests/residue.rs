//! Key and plaintext residue: after a keyring, a codec or a rejected
//! plaintext is gone, no copy of its secret bytes is left in this process's
//! stack or heap.
//!
//! The test reads its own memory without unsafe code: `/proc/self/maps`
//! lists the mappings, `/proc/self/mem` reads them. It searches the stack,
//! the heap and every other anonymous writable mapping for a known key and
//! its fifteen AES-256 round keys (the expanded schedule the `aes` crate
//! keeps), and for a known plaintext. The patterns are held bitwise
//! inverted, so that they do not find themselves; every buffer the search
//! uses is allocated before the first scan, so the search frees nothing
//! that could be reused over a residue before it is found. Each phase first
//! checks that the search does find the secret while it is alive (the
//! exact number of live copies), then that nothing is left once it is
//! dropped.
//!
//! A plain `main` (`harness = false`): the libtest harness would run the
//! phases on other threads with their own stacks, and allocate meanwhile.
//! Linux only.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_os = "linux")]
fn main() {
    linux::run();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("residue: reads /proc/self/mem, Linux only; nothing to do here");
}

#[cfg(target_os = "linux")]
mod linux {
    use core::hint::black_box;
    use std::fs::File;
    use std::io::Read;
    use std::os::unix::fs::FileExt;

    use sealed_session_core::legacy::LegacyCodec;
    use sealed_session_core::{Codec, Compression, ErrorKind, FixedNonce, Key, Keyring, Options};
    use zeroize::{Zeroize, Zeroizing};

    /// The key under test, inverted: `c47ae12b…9d38fa56`.
    const KEY_INV: [u8; 32] = [
        0x3b, 0x85, 0x1e, 0xd4, 0x60, 0xfc, 0xa2, 0x91, 0x7e, 0x4d, 0xc3, 0x6b, 0x08, 0xf2, 0xa1,
        0x59, 0xe4, 0x71, 0xd8, 0x3b, 0x2c, 0xf6, 0x95, 0x0a, 0xd1, 0x84, 0x3e, 0xfb, 0x62, 0xc7,
        0x05, 0xa9,
    ];

    /// Its AES-256 encryption round keys (FIPS 197 §5.2), inverted. The
    /// first two are the key's halves.
    const ROUND_KEYS_INV: [[u8; 16]; 15] = [
        [
            0x3b, 0x85, 0x1e, 0xd4, 0x60, 0xfc, 0xa2, 0x91, 0x7e, 0x4d, 0xc3, 0x6b, 0x08, 0xf2,
            0xa1, 0x59,
        ],
        [
            0xe4, 0x71, 0xd8, 0x3b, 0x2c, 0xf6, 0x95, 0x0a, 0xd1, 0x84, 0x3e, 0xfb, 0x62, 0xc7,
            0x05, 0xa9,
        ],
        [
            0x3d, 0xa8, 0xaf, 0x8a, 0xa2, 0xab, 0xf2, 0xe4, 0x23, 0x19, 0xce, 0x70, 0xd4, 0x14,
            0x90, 0xd6,
        ],
        [
            0x15, 0x98, 0x70, 0x9e, 0xc6, 0x91, 0x1a, 0x6b, 0xe8, 0xea, 0xdb, 0x6f, 0x75, 0xd2,
            0x21, 0x39,
        ],
        [
            0xe7, 0xb5, 0x1b, 0xf4, 0xba, 0xe1, 0x16, 0xef, 0x66, 0x07, 0x27, 0x60, 0x4d, 0xec,
            0x48, 0x49,
        ],
        [
            0x22, 0xe5, 0xd9, 0xd0, 0x1b, 0x8b, 0x3c, 0x44, 0x0c, 0x9e, 0x18, 0xd4, 0x86, 0xb3,
            0xc6, 0x12,
        ],
        [
            0xca, 0xa7, 0x4e, 0x42, 0x8f, 0xb9, 0xa7, 0x52, 0x16, 0x41, 0x7f, 0xcd, 0xa4, 0x52,
            0xc8, 0x7b,
        ],
        [
            0x1b, 0x70, 0x43, 0x8f, 0xff, 0x04, 0x80, 0x34, 0x0c, 0x65, 0x67, 0x1f, 0x75, 0x29,
            0x5e, 0xf2,
        ],
        [
            0x34, 0x95, 0x99, 0x3c, 0x44, 0xd3, 0xc1, 0x91, 0xad, 0x6d, 0x41, 0xa3, 0xf6, 0xc0,
            0x76, 0x27,
        ],
        [
            0x1a, 0x05, 0xe4, 0xee, 0x1a, 0xfe, 0x9b, 0x25, 0xe9, 0x64, 0x03, 0xc5, 0x63, 0xb2,
            0xa2, 0xc8,
        ],
        [
            0xc7, 0xd9, 0x03, 0xe2, 0x7c, 0xf5, 0x3d, 0x8c, 0x2e, 0x67, 0x83, 0xd0, 0x27, 0x58,
            0x0a, 0x08,
        ],
        [
            0x7b, 0x59, 0x02, 0x86, 0x9e, 0x58, 0x66, 0x5c, 0x88, 0xc3, 0x9a, 0x66, 0x14, 0x8e,
            0xc7, 0x51,
        ],
        [
            0x44, 0xde, 0xe7, 0x0b, 0xc7, 0xd4, 0x25, 0x78, 0x16, 0x4c, 0x59, 0x57, 0xce, 0xeb,
            0xac, 0xa0,
        ],
        [
            0xbc, 0xa3, 0xef, 0x49, 0xdd, 0x04, 0x76, 0xea, 0xaa, 0x38, 0x13, 0x73, 0x41, 0x49,
            0x2b, 0xdd,
        ],
        [
            0x4a, 0x96, 0x74, 0xa5, 0x72, 0xbd, 0xae, 0x22, 0x9b, 0x0e, 0x08, 0x8a, 0xaa, 0x1a,
            0x5b, 0xd5,
        ],
    ];

    /// A session plaintext holding a secret, inverted:
    /// `{"user":48213,"csrf":"7d1f0b9ac34e58a2","role":"admin"}`.
    const PLAINTEXT_INV: [u8; 55] = [
        0x84, 0xdd, 0x8a, 0x8c, 0x9a, 0x8d, 0xdd, 0xc5, 0xcb, 0xc7, 0xcd, 0xce, 0xcc, 0xd3, 0xdd,
        0x9c, 0x8c, 0x8d, 0x99, 0xdd, 0xc5, 0xdd, 0xc8, 0x9b, 0xce, 0x99, 0xcf, 0x9d, 0xc6, 0x9e,
        0x9c, 0xcc, 0xcb, 0x9a, 0xca, 0xc7, 0x9e, 0xcd, 0xdd, 0xd3, 0xdd, 0x8d, 0x90, 0x93, 0x9a,
        0xdd, 0xc5, 0xdd, 0x9e, 0x9b, 0x92, 0x96, 0x91, 0xdd, 0x82,
    ];

    /// Bytes of memory read per `pread`.
    const CHUNK: usize = 1 << 20;

    /// Counts, in this process's anonymous writable memory, the places
    /// where each of up to 16 inverted patterns occurs.
    struct Scanner {
        maps: String,
        ranges: Vec<(u64, u64)>,
        chunk: Vec<u8>,
        mem: File,
    }

    impl Scanner {
        fn new() -> Self {
            Self {
                maps: String::with_capacity(1 << 20),
                ranges: Vec::with_capacity(1 << 14),
                chunk: vec![0; CHUNK],
                mem: File::open("/proc/self/mem").unwrap(),
            }
        }

        /// Hits per pattern; `patterns` are inverted. Allocates nothing.
        fn count(&mut self, patterns: &[&[u8]]) -> [usize; 16] {
            assert!(patterns.len() <= 16);
            let longest = patterns.iter().map(|p| p.len()).max().unwrap();
            // Which patterns start with each byte value.
            let mut first = [0u16; 256];
            for (i, pattern) in patterns.iter().enumerate() {
                first[usize::from(!pattern[0])] |= 1 << i;
            }
            self.read_ranges();
            let own = self.chunk.as_ptr() as u64;
            let own = own..own + CHUNK as u64;
            let mut hits = [0usize; 16];
            for &(start, end) in &self.ranges {
                let mut at = start;
                while at < end {
                    let want = usize::try_from(end - at).unwrap().min(CHUNK);
                    let Ok(got) = self.mem.read_at(&mut self.chunk[..want], at) else {
                        break;
                    };
                    if got == 0 {
                        break;
                    }
                    let last = at + got as u64 >= end;
                    // Matches starting here are counted in this chunk; the
                    // next one starts early enough to see those that cross.
                    let step = if last {
                        got
                    } else {
                        got.saturating_sub(longest - 1).max(1)
                    };
                    let data = &self.chunk[..got];
                    for pos in 0..step {
                        let address = at + pos as u64;
                        let mut candidates = first[usize::from(data[pos])];
                        if candidates == 0 || own.contains(&address) {
                            continue;
                        }
                        while candidates != 0 {
                            let i = candidates.trailing_zeros() as usize;
                            candidates &= candidates - 1;
                            let pattern = patterns[i];
                            if data.len() - pos >= pattern.len()
                                && data[pos..pos + pattern.len()]
                                    .iter()
                                    .zip(pattern.iter())
                                    .all(|(&m, &p)| m == !p)
                            {
                                hits[i] += 1;
                            }
                        }
                    }
                    at += step as u64;
                }
            }
            hits
        }

        /// The anonymous writable mappings: heap, stacks, and unnamed ones
        /// (large allocations, thread stacks).
        fn read_ranges(&mut self) {
            self.maps.clear();
            File::open("/proc/self/maps")
                .unwrap()
                .read_to_string(&mut self.maps)
                .unwrap();
            self.ranges.clear();
            for line in self.maps.lines() {
                let mut fields = line.split_ascii_whitespace();
                let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                    continue;
                };
                let path = fields.nth(3).unwrap_or("");
                let anonymous = path.is_empty() || path == "[heap]" || path == "[stack]";
                if !perms.starts_with("rw") || !anonymous {
                    continue;
                }
                let (start, end) = range.split_once('-').unwrap();
                self.ranges.push((
                    u64::from_str_radix(start, 16).unwrap(),
                    u64::from_str_radix(end, 16).unwrap(),
                ));
            }
            assert!(self.ranges.len() < self.ranges.capacity());
        }

        /// Hits of the key and of each round key.
        fn key_hits(&mut self) -> [usize; 16] {
            let mut patterns: [&[u8]; 16] = [&KEY_INV; 16];
            for (slot, round_key) in patterns[1..].iter_mut().zip(&ROUND_KEYS_INV) {
                *slot = round_key;
            }
            self.count(&patterns)
        }

        /// Hits of the plaintext.
        fn plaintext_hits(&mut self) -> usize {
            self.count(&[&PLAINTEXT_INV])[0]
        }

        /// Hits of the key's text (64 lowercase hex digits) as a key file
        /// holds it.
        fn key_text_hits(&mut self) -> usize {
            self.count(&[&key_hex_inv()])[0]
        }
    }

    /// What each phase found against what it expected, reported together
    /// at the end so that a failing run shows every count. Preallocated.
    struct Checks(Vec<(&'static str, [usize; 16], [usize; 16])>);

    impl Checks {
        /// `states` expanded keys and `keys` raw `Key`s alive. A raw key
        /// also matches the first two round keys, its halves.
        fn keys(&mut self, scanner: &mut Scanner, what: &'static str, states: usize, keys: usize) {
            let mut expected = [states; 16];
            expected[..3].iter_mut().for_each(|n| *n += keys);
            self.0.push((what, scanner.key_hits(), expected));
        }

        /// `live` copies of the key's text alive.
        fn key_text(&mut self, scanner: &mut Scanner, what: &'static str, live: usize) {
            let mut found = [0; 16];
            found[0] = scanner.key_text_hits();
            let mut expected = [0; 16];
            expected[0] = live;
            self.0.push((what, found, expected));
        }

        fn plaintext(&mut self, scanner: &mut Scanner, what: &'static str, live: usize) {
            let mut found = [0; 16];
            found[0] = scanner.plaintext_hits();
            let mut expected = [0; 16];
            expected[0] = live;
            self.0.push((what, found, expected));
        }
    }

    /// Passes a value through a call that is not inlined.
    #[inline(never)]
    fn through<T>(value: T) -> T {
        black_box(value)
    }

    /// The keyring text `1 <key in hex>`, in a string wiped on drop. The key
    /// bytes themselves never exist outside the keyring.
    fn keyring_text() -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(80));
        text.push_str("7 ");
        for byte in KEY_INV {
            for nibble in [!byte >> 4, !byte & 0xf] {
                text.push(char::from_digit(u32::from(nibble), 16).unwrap());
            }
        }
        text.push('\n');
        text
    }

    /// The key as 64 lowercase hex digits, inverted: a pattern that does
    /// not find itself.
    fn key_hex_inv() -> [u8; 64] {
        let mut text = [0u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(KEY_INV) {
            for (digit, nibble) in pair.iter_mut().zip([!byte >> 4, !byte & 0xf]) {
                *digit = !b"0123456789abcdef"[usize::from(nibble)];
            }
        }
        text
    }

    /// Reads keyring text longer than 4096 bytes (a comment, the key line,
    /// then a long comment: up to 64 KiB is accepted) with
    /// `keyring_from_file`, from a regular file and from a named pipe
    /// (`--keys <(…)` in a shell; its length is not known in advance):
    /// while the keyring lives, one expanded key and no copy of the key's
    /// text is left in memory, and none of either once it is dropped. A
    /// reader whose buffer grows (`read_to_end` from 4096 bytes) frees a
    /// block that still holds the line.
    #[inline(never)]
    fn key_file_read(scanner: &mut Scanner, checks: &mut Checks) {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("residue-{}.keys", std::process::id()));
        let fifo = dir.join(format!("residue-{}.fifo", std::process::id()));
        {
            // Sized once: a growing string would free copies of the key.
            let mut text = Zeroizing::new(String::with_capacity(8200));
            // A header comment first: a freed block's first bytes become
            // the allocator's list pointers, which would cut the line.
            text.push_str("# session keys for the residue test\n");
            text.push_str(&keyring_text());
            text.push_str("# ");
            text.push_str(&"padding ".repeat(1000));
            text.push('\n');
            assert!(text.len() > 4096);
            let mut options = std::fs::OpenOptions::new();
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.write(true).create_new(true).open(&path).unwrap();
            std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
            checks.key_text(scanner, "key file: its text, while written", 1);
        }
        checks.key_text(scanner, "key file: written", 0);

        let ring = through(sealed_session::keyring_from_file(&path).unwrap());
        checks.keys(scanner, "key file: read, its keyring alive", 1, 0);
        checks.key_text(scanner, "key file: read, no copy of its text", 0);
        drop(ring);
        checks.keys(scanner, "key file: keyring dropped", 0, 0);
        checks.key_text(scanner, "key file: keyring dropped, no copy of its text", 0);

        // The same text through a named pipe, written by another process
        // (`cp`), so that no copy of it passes through this one.
        let made = std::process::Command::new("mkfifo")
            .args(["-m", "600"])
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let mut writer = std::process::Command::new("cp")
            .arg(&path)
            .arg(&fifo)
            .spawn()
            .unwrap();
        // Free 4 KiB blocks between live ones, as in a long-running
        // process: a reader that starts with a 4 KiB buffer gets one, and
        // growing it must move it (at the top of the heap it could grow in
        // place, and the block it frees would be trimmed from the heap).
        let mut blocks: Vec<(Vec<u8>, Vec<u8>)> = (0..8)
            .map(|_| (Vec::with_capacity(4096), Vec::with_capacity(64)))
            .collect();
        for (hole, _) in &mut blocks {
            *hole = Vec::new();
        }
        let ring = through(sealed_session::keyring_from_file(&fifo).unwrap());
        assert!(writer.wait().unwrap().success());
        checks.keys(scanner, "key pipe: read, its keyring alive", 1, 0);
        checks.key_text(scanner, "key pipe: read, no copy of its text", 0);
        drop(ring);
        drop(blocks);
        checks.keys(scanner, "key pipe: keyring dropped", 0, 0);
        checks.key_text(scanner, "key pipe: keyring dropped, no copy of its text", 0);
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&fifo).unwrap();
    }

    /// Writes the key into `slot`, the one place it then lives. A `Key` is a
    /// plain value: moving it (out of `try_fill_with`'s `Result`, into the
    /// `Option`) copies it, and those copies, in this function's frame, are
    /// not wiped (see `Key`'s docs). The caller scrubs them.
    #[inline(never)]
    fn fill_key(slot: &mut Option<Key>) {
        let key = Key::try_fill_with(|bytes| {
            for (byte, inverted) in bytes.iter_mut().zip(KEY_INV) {
                *byte = !inverted;
            }
            Ok::<(), ()>(())
        });
        *slot = Some(key.unwrap());
    }

    /// Overwrites the dead stack below the caller's frame.
    #[inline(never)]
    fn scrub_stack() {
        let mut area = [0u64; 4096];
        area.zeroize();
        black_box(&mut area);
    }

    /// `copies` times the plaintext, built byte by byte on the heap (an
    /// array built on the stack would leave a copy there) and wiped on drop.
    fn plaintext(copies: usize) -> Zeroizing<Vec<u8>> {
        let bytes = PLAINTEXT_INV.iter().map(|&b| !b).cycle();
        Zeroizing::new(bytes.take(copies * PLAINTEXT_INV.len()).collect())
    }

    /// Builds keyrings holding the key, from text and from a `Key`, moves
    /// them by value through calls, into and out of a `Vec` that grows, a
    /// `Box` and codecs (cloned too), checks that exactly the live copies
    /// are found, and drops everything.
    #[inline(never)]
    fn keyrings_moved_around(scanner: &mut Scanner, checks: &mut Checks) {
        let ring = through(Keyring::from_text(&keyring_text()).unwrap());
        checks.keys(scanner, "key: one keyring, parsed from text", 1, 0);

        let mut slot = None;
        fill_key(&mut slot);
        // The copies of the key that `fill_key` made by moving it are this
        // test's, not the keyring's: wiped before any keyring code runs.
        scrub_stack();
        let key = slot.as_ref().unwrap();
        let older = Keyring::new(3, &Key::from_bytes([0x11; 32]))
            .with_key(7, key)
            .unwrap();
        let legacy = LegacyCodec::new(key, Options::new());
        checks.keys(scanner, "key: two keyrings, a legacy codec, a key", 3, 1);
        drop(legacy);
        // Dropped in place: `drop(slot)` would move the key into `drop`'s
        // frame and wipe that copy, leaving this one.
        slot = None;
        black_box(&slot);

        let mut rings = Vec::new();
        rings.push(ring);
        for _ in 0..6 {
            // Growing the vector moves the keyrings it holds.
            rings.push(Keyring::new(1, &Key::from_bytes([0x22; 32])));
        }
        rings.push(through(older));
        let older = rings.pop().unwrap();
        let ring = rings.swap_remove(0);
        drop(rings);
        let boxed = through(Box::new(ring));
        let ring = *boxed;

        let codec = through(Codec::new(ring, Options::new()));
        let copy = codec.clone();
        let codecs = through(vec![copy, Codec::new(older, Options::new())]);
        let codec = through(Box::new(codec));
        checks.keys(scanner, "key: three codecs", 3, 0);
        drop(codecs);
        checks.keys(scanner, "key: one codec", 1, 0);
        drop(codec);
    }

    /// Seals a cookie holding the plaintext, opens it, and has it rejected
    /// in every way that authenticates it first, by `open_to_vec` and by
    /// the legacy opener, checking that only the returned plaintext is
    /// found.
    #[inline(never)]
    fn plaintexts_rejected(scanner: &mut Scanner, checks: &mut Checks) {
        let key = Key::from_bytes([0x33; 32]);
        let codec = Codec::new(Keyring::new(1, &key), Options::new().with_max_age(Some(60)));
        checks.plaintext(scanner, "plaintext: before", 0);
        let cookie = {
            let plaintext = plaintext(1);
            codec
                .seal_to_string(&plaintext, b"session", 1000, &mut FixedNonce([5; 16]))
                .unwrap()
        };
        checks.plaintext(scanner, "plaintext: sealed", 0);

        let opened = Zeroizing::new(
            codec
                .open_to_vec(&cookie, b"session", 1000)
                .unwrap()
                .plaintext,
        );
        checks.plaintext(scanner, "plaintext: opened", 1);
        drop(opened);
        checks.plaintext(scanner, "plaintext: opened, then dropped", 0);

        for (now, kind, what) in [
            (1061, ErrorKind::Expired, "plaintext: expired"),
            (
                939,
                ErrorKind::IssuedInFuture,
                "plaintext: issued in the future",
            ),
        ] {
            let error = codec.open_to_vec(&cookie, b"session", now).unwrap_err();
            assert_eq!(error.kind(), kind);
            checks.plaintext(scanner, what, 0);
        }

        // Inflation past the bound: 2000 copies of the plaintext, compressed
        // to about 200 bytes, against the default bound of 64 KiB.
        let many = plaintext(2000);
        let packing = Options::new()
            .with_compression(Compression::Above(0))
            .with_max_plaintext_len(many.len());
        let bomb = Codec::new(Keyring::new(1, &key), packing)
            .seal_to_string(&many, b"session", 1000, &mut FixedNonce([6; 16]))
            .unwrap();
        let legacy = LegacyCodec::new(&key, packing)
            .seal_to_string(&many, &mut FixedNonce([7; 16]))
            .unwrap();
        drop(many);
        checks.plaintext(scanner, "plaintext: bombs sealed", 0);
        let error = codec.open_to_vec(&bomb, b"session", 1000).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::TooLarge);
        checks.plaintext(scanner, "plaintext: v1 bomb", 0);
        let opener = LegacyCodec::new(&key, Options::new());
        assert_eq!(
            opener.open_to_vec(&legacy).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
        checks.plaintext(scanner, "plaintext: legacy bomb", 0);
    }

    pub(super) fn run() {
        let mut scanner = Scanner::new();
        let mut checks = Checks(Vec::with_capacity(64));
        checks.keys(&mut scanner, "key: before", 0, 0);
        keyrings_moved_around(&mut scanner, &mut checks);
        checks.keys(&mut scanner, "key: all dropped", 0, 0);
        key_file_read(&mut scanner, &mut checks);
        plaintexts_rejected(&mut scanner, &mut checks);

        // [key, round keys 0 to 14] hits, or [plaintext hits, 0...].
        let mut failed = 0;
        for (what, found, expected) in &checks.0 {
            let verdict = if found == expected { "ok" } else { "FAILED" };
            println!("{verdict:6} {what}: found {found:?}");
            failed += usize::from(found != expected);
        }
        assert_eq!(failed, 0, "phases that found other than the live copies");
    }
}
