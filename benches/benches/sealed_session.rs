//! The criterion suite behind `cargo xtask bench`: sealed-session and its
//! peers on the same payloads, in one run.
//!
//! Benchmark ids are `<subject>/<seal|open>/<size>`,
//! `deflate/<config>/<size>` for the compression table,
//! `open_split/<stage>/<size>` for the open-time split and
//! `nonce/<source>/16` for the nonce sources, so `cargo xtask bench` finds
//! each median at `<criterion home>/<id>/new/estimates.json`.

// Bench code: a failed unwrap is a broken benchmark, reported at once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use core::hint::black_box;
use core::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, measurement::WallTime};
use sealed_session::{OsRandom, SecureRandom, Session, TypedSession};
use sealed_session_benches::{
    COMPRESS_ABOVE, COOKIE_NAME, Envelope, KEY, NOW, SIZES, STD_COOKIE_NAME, SessionData,
    ThreadChaCha, core_codec, deflate_configs, deflate_with, reused_configs, session, std_codec,
};
use sealed_session_core::{Codec, Compression, FixedNonce, OVERHEAD};

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(900))
        .sample_size(40)
        .without_plots()
        .configure_from_args();
    nonces(&mut c);
    core_buffer(&mut c);
    core_alloc(&mut c);
    // The std session and its peers back to back: P4 is their ratio.
    std_session(&mut c);
    cookie_crate(&mut c);
    fernet_crate(&mut c);
    std_typed(&mut c);
    open_split(&mut c);
    json_layers(&mut c);
    eax_layers(&mut c);
    base64(&mut c);
    deflate_table(&mut c);
    c.final_summary();
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    c.benchmark_group(name)
}

/// One 16-byte draw (a nonce, or a session id) from each source; the fork
/// check `OsRandom` makes per draw (`fork_generation`), and the `getpid`
/// system call it made before issue 22.
fn nonces(c: &mut Criterion) {
    let mut g = group(c, "nonce");
    let mut out = [0u8; 16];
    g.bench_function(BenchmarkId::new("os_random", 16), |b| {
        b.iter(|| {
            OsRandom.fill(black_box(&mut out)).unwrap();
            black_box(out)
        });
    });
    g.bench_function(BenchmarkId::new("getrandom", 16), |b| {
        b.iter(|| {
            getrandom::fill(black_box(&mut out)).unwrap();
            black_box(out)
        });
    });
    g.bench_function(BenchmarkId::new("chacha20_tls", 16), |b| {
        b.iter(|| {
            ThreadChaCha.fill(black_box(&mut out));
            black_box(out)
        });
    });
    // The old `OsRandom` (before issue 22): the same generator behind a
    // `getpid` system call per draw, compared with the pid it seeded in.
    let seeded_in = std::process::id();
    g.bench_function(BenchmarkId::new("chacha20_getpid", 16), |b| {
        b.iter(|| {
            assert_eq!(std::process::id(), seeded_in);
            ThreadChaCha.fill(black_box(&mut out));
            black_box(out)
        });
    });
    g.bench_function(BenchmarkId::new("fork_generation", 16), |b| {
        b.iter(|| black_box(sealed_session_fork::generation()));
    });
    g.bench_function(BenchmarkId::new("getpid", 16), |b| {
        b.iter(|| black_box(std::process::id()));
    });
    g.finish();
}

/// `Codec::seal` / `Codec::open`: caller buffers, never compressed, nonces
/// from the thread-local ChaCha20 (the core takes any `NonceSource`; this
/// is the cheapest secure one, as in the previous runs).
fn core_buffer(c: &mut Criterion) {
    let codec = core_codec(Compression::Never);
    let mut g = group(c, "core_buf");
    for size in SIZES {
        let json = session(size).to_json();
        let mut out = vec![0u8; Codec::seal_len(json.len())];
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| {
                let text = codec
                    .seal(
                        black_box(&json),
                        b"session",
                        NOW,
                        &mut ThreadChaCha,
                        &mut out,
                    )
                    .unwrap();
                black_box(text.len());
            });
        });
        let text = codec
            .seal_to_string(&json, b"session", NOW, &mut FixedNonce([7; 16]))
            .unwrap();
        let mut buf = vec![0u8; codec.open_len(text.len())];
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                let opened = codec
                    .open(black_box(&text), b"session", NOW, &mut buf)
                    .unwrap();
                black_box(opened.plaintext.len());
            });
        });
    }
    g.finish();
}

/// `seal_to_string` / `open_to_vec`, without compression (the default)
/// and, where it compresses, with the opt-in compression above 1024 bytes.
fn core_alloc(c: &mut Criterion) {
    for (name, compression, sizes) in [
        ("core_alloc", Compression::Never, &SIZES[..]),
        (
            "core_alloc_z",
            Compression::Above(COMPRESS_ABOVE),
            &SIZES[2..],
        ),
    ] {
        let codec = core_codec(compression);
        let mut g = group(c, name);
        for &size in sizes {
            let json = session(size).to_json();
            g.bench_function(BenchmarkId::new("seal", size), |b| {
                b.iter(|| {
                    black_box(
                        codec
                            .seal_to_string(black_box(&json), b"session", NOW, &mut ThreadChaCha)
                            .unwrap(),
                    )
                });
            });
            let text = codec
                .seal_to_string(&json, b"session", NOW, &mut FixedNonce([7; 16]))
                .unwrap();
            g.bench_function(BenchmarkId::new("open", size), |b| {
                b.iter(|| {
                    black_box(
                        codec
                            .open_to_vec(black_box(&text), b"session", NOW)
                            .unwrap(),
                    )
                });
            });
        }
        g.finish();
    }
}

/// The std crate's `SessionCodec::seal` / `open`, JSON and metadata
/// included, through a codec built with the defaults (`OsRandom`,
/// `SystemClock`, no compression) and through one with
/// `compression(Compression::Above(1024))`. Seal re-seals an opened
/// session (it has its id: one draw, the nonce), as a returning user's
/// changed session is; a new session draws its id too. A size whose cookie
/// does not fit in 4096 bytes is not measured (the table says so).
fn std_session(c: &mut Criterion) {
    for (name, compression) in [
        ("session", Compression::Never),
        ("session_z", Compression::Above(COMPRESS_ABOVE)),
    ] {
        let codec = std_codec(|b| b.compression(compression));
        let mut g = group(c, name);
        for size in SIZES {
            let fresh = Session::from_json(&session(size).to_json()).unwrap();
            let Ok(value) = codec.seal(&fresh) else {
                continue;
            };
            let opened = codec.open(&value).unwrap();
            g.bench_function(BenchmarkId::new("seal", size), |b| {
                b.iter(|| black_box(codec.seal(black_box(&opened)).unwrap()));
            });
            g.bench_function(BenchmarkId::new("open", size), |b| {
                b.iter(|| black_box(codec.open(black_box(&value)).unwrap()));
            });
        }
        g.finish();
    }
}

/// The std crate's typed session, `seal` / `open_as` of the same
/// data as [`SessionData`] (postcard), defaults.
fn std_typed(c: &mut Criterion) {
    let codec = std_codec(|b| b);
    let mut g = group(c, "session_typed");
    for size in SIZES {
        let mut fresh = TypedSession::new();
        fresh.set(session(size));
        let Ok(value) = codec.seal(&fresh) else {
            continue;
        };
        let opened = codec.open_as::<TypedSession<SessionData>>(&value).unwrap();
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| black_box(codec.seal(black_box(&opened)).unwrap()));
        });
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                black_box(
                    codec
                        .open_as::<TypedSession<SessionData>>(black_box(&value))
                        .unwrap(),
                )
            });
        });
    }
    g.finish();
}

/// Where a std session's open spends its time, on the cookie the
/// `session` (930 B) and `session_z` (4 KiB, which fits only compressed)
/// rows open: the whole `SessionCodec::open`; the core's `open_to_vec`
/// under it (base64, EAX, inflate, copies); base64 decoding alone
/// (base64-simd, as the core decodes cookie text); our EAX alone on that
/// ciphertext (key expanded per call); inflating the body (compressed
/// cookies); and `Session::from_json` on the JSON (its members as spans,
/// and their checks).
fn open_split(c: &mut Criterion) {
    let mut g = group(c, "open_split");
    for (size, compression) in [
        (930, Compression::Never),
        (4096, Compression::Above(COMPRESS_ABOVE)),
    ] {
        let codec = std_codec(|b| b.compression(compression));
        let json = session(size).to_json();
        let value = codec.seal(&Session::from_json(&json).unwrap()).unwrap();
        let context = STD_COOKIE_NAME.as_bytes();
        let envelope = Envelope::parse(&value, context);
        let now = envelope_time(&envelope);
        g.bench_function(BenchmarkId::new("session", size), |b| {
            b.iter(|| black_box(codec.open(black_box(&value)).unwrap()));
        });
        let core = codec.core();
        g.bench_function(BenchmarkId::new("core", size), |b| {
            b.iter(|| black_box(core.open_to_vec(black_box(&value), context, now).unwrap()));
        });
        let mut decoded = vec![0u8; envelope.bin.len()];
        g.bench_function(BenchmarkId::new("base64", size), |b| {
            b.iter(|| {
                // As the core decodes the public cookie text (base64-simd).
                let out = base64_simd::Out::from_slice(&mut decoded);
                black_box(
                    base64_simd::URL_SAFE_NO_PAD
                        .decode(black_box(value.as_bytes()), out)
                        .unwrap()
                        .len(),
                )
            });
        });
        let (nonce, tag) = (envelope.nonce(), envelope.tag());
        let mut body = envelope.body().to_vec();
        g.bench_function(BenchmarkId::new("eax", size), |b| {
            b.iter(|| {
                body.copy_from_slice(envelope.body());
                sealed_session_core::__private::eax_decrypt(
                    &KEY,
                    nonce,
                    &envelope.aad,
                    &mut body,
                    &tag,
                )
                .unwrap();
                black_box(&body);
            });
        });
        if envelope.compressed() {
            let packed = body.clone();
            g.bench_function(BenchmarkId::new("inflate", size), |b| {
                b.iter(|| {
                    black_box(
                        sealed_session_core::__private::inflate_to_vec(
                            black_box(&packed),
                            1 << 16,
                            false,
                        )
                        .unwrap(),
                    )
                });
            });
        }
        g.bench_function(BenchmarkId::new("json", size), |b| {
            b.iter(|| black_box(Session::from_json(black_box(&json)).unwrap()));
        });
    }
    g.finish();
}

/// The issue time in an envelope's header.
fn envelope_time(envelope: &Envelope) -> u64 {
    let mut time = [0u8; 8];
    time.copy_from_slice(&envelope.bin[3..11]);
    u64::from_be_bytes(time)
}

/// The JSON layer alone: the std crate's `Session::to_json_string` /
/// `Session::from_json` (the raw split of the top-level object and its
/// checks), and plain serde_json into a `Map` (what the cookie and Fernet
/// peers do), on the same payloads.
fn json_layers(c: &mut Criterion) {
    let mut g = group(c, "session_json");
    for size in SIZES {
        let json = session(size).to_json();
        let session = Session::from_json(&json).unwrap();
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| black_box(black_box(&session).to_json_string()));
        });
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| black_box(Session::from_json(black_box(&json)).unwrap()));
        });
    }
    g.finish();
    let mut g = group(c, "serde_json");
    for size in SIZES {
        let map = session(size).to_map();
        let json = serde_json::to_vec(&map).unwrap();
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| black_box(serde_json::to_vec(black_box(&map)).unwrap()));
        });
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(black_box(&json)).unwrap();
                black_box(map)
            });
        });
    }
    g.finish();
}

/// The AEAD alone on the JSON bytes, with the associated data our envelope
/// authenticates (header, context length, context): the `eax` crate's
/// `Eax<Aes256>` (built once; it expands the key inside every call) and our
/// EAX through the test entry point (which also expands per call).
fn eax_layers(c: &mut Criterion) {
    use eax::aead::{AeadInOut, KeyInit};
    let oracle = eax::Eax::<aes::Aes256>::new(&KEY.into());
    let nonce = [9u8; 16];
    let mut aad = [0u8; 22];
    aad[..11].copy_from_slice(&[1, 0, 1, 0, 0, 0, 0, 0x68, 0xe8, 0xf2, 0x00]);
    aad[11..15].copy_from_slice(&7u32.to_be_bytes());
    aad[15..].copy_from_slice(b"session");
    let private = sealed_session_core::__private::eax_encrypt;
    for (name, ours) in [("eax_crate", false), ("eax_ours", true)] {
        let mut g = group(c, name);
        for size in SIZES {
            let json = session(size).to_json();
            let mut buf = json.clone();
            g.bench_function(BenchmarkId::new("seal", size), |b| {
                b.iter(|| {
                    buf.copy_from_slice(&json);
                    if ours {
                        black_box(private(&KEY, &nonce, &aad, &mut buf));
                    } else {
                        let tag = oracle
                            .encrypt_inout_detached(&nonce.into(), &aad, buf.as_mut_slice().into())
                            .unwrap();
                        black_box(tag);
                    }
                });
            });
            let mut sealed = json.clone();
            let tag = private(&KEY, &nonce, &aad, &mut sealed);
            g.bench_function(BenchmarkId::new("open", size), |b| {
                b.iter(|| {
                    buf.copy_from_slice(&sealed);
                    if ours {
                        sealed_session_core::__private::eax_decrypt(
                            &KEY, &nonce, &aad, &mut buf, &tag,
                        )
                        .unwrap();
                    } else {
                        oracle
                            .decrypt_inout_detached(
                                &nonce.into(),
                                &aad,
                                buf.as_mut_slice().into(),
                                &tag.into(),
                            )
                            .unwrap();
                    }
                    black_box(&buf);
                });
            });
        }
        g.finish();
    }
}

/// base64ct on the envelope of each size (the text layer of seal and
/// open): encoding, decoding in 256-character chunks as the core does, and
/// decoding the whole text in one call.
fn base64(c: &mut Criterion) {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let mut g = group(c, "base64ct");
    let mut whole = Vec::new();
    for size in SIZES {
        let bin = session(size).to_json();
        let bin = [&[0x5a; OVERHEAD][..], &bin].concat();
        let mut text = vec![0u8; Codec::seal_len(size)];
        let encoded = Base64UrlUnpadded::encode(&bin, &mut text)
            .unwrap()
            .to_owned();
        let mut out = vec![0u8; bin.len()];
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| {
                black_box(
                    Base64UrlUnpadded::encode(black_box(&bin), &mut text)
                        .unwrap()
                        .len(),
                )
            });
        });
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| black_box(decode_chunked(black_box(encoded.as_bytes()), &mut out)));
        });
        whole.push((size, encoded, out));
    }
    g.finish();
    let mut g = group(c, "base64ct_whole");
    for (size, encoded, mut out) in whole {
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                black_box(
                    Base64UrlUnpadded::decode(black_box(&encoded), &mut out)
                        .unwrap()
                        .len(),
                )
            });
        });
    }
    g.finish();
}

/// The core's decoder (`envelope::decode`, crate-private): fixed chunks of
/// 256 characters, then the rest.
fn decode_chunked(text: &[u8], out: &mut [u8]) -> usize {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let (chunks, rest) = text.as_chunks::<256>();
    let (outs, tail) = out.as_chunks_mut::<192>();
    let mut bad = false;
    for (chunk, decoded) in chunks.iter().zip(outs) {
        bad |= Base64UrlUnpadded::decode(chunk, decoded).is_err();
    }
    let rest = Base64UrlUnpadded::decode(rest, tail).map_or(0, <[u8]>::len);
    assert!(!bad);
    chunks.len() * 192 + rest
}

/// The `cookie` crate's `PrivateJar` (AES-256-GCM, name as associated
/// data) over the same session map through serde_json.
fn cookie_crate(c: &mut Criterion) {
    use cookie::{Cookie, CookieJar};
    let key = cookie::Key::from(&[KEY, KEY].concat());
    let mut g = group(c, "cookie");
    for size in SIZES {
        let map = session(size).to_map();
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| {
                let json = serde_json::to_string(black_box(&map)).unwrap();
                let mut jar = CookieJar::new();
                jar.private_mut(&key).add(Cookie::new(COOKIE_NAME, json));
                black_box(jar.get(COOKIE_NAME).unwrap().value().to_owned())
            });
        });
        let mut jar = CookieJar::new();
        jar.private_mut(&key).add(Cookie::new(
            COOKIE_NAME,
            serde_json::to_string(&map).unwrap(),
        ));
        let sealed = jar.get(COOKIE_NAME).unwrap().value().to_owned();
        let mut request = CookieJar::new();
        request.add_original(Cookie::new(COOKIE_NAME, sealed));
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                let cookie = request.private(&key).get(COOKIE_NAME).unwrap();
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(cookie.value()).unwrap();
                black_box(map)
            });
        });
    }
    g.finish();
}

/// Fernet (the `fernet` crate, RustCrypto backend: AES-128-CBC and
/// HMAC-SHA256) over the same session map through serde_json.
fn fernet_crate(c: &mut Criterion) {
    use base64ct::{Base64Url, Encoding};
    let fernet = fernet::Fernet::new(&Base64Url::encode_string(&KEY)).unwrap();
    let mut g = group(c, "fernet");
    for size in SIZES {
        let map = session(size).to_map();
        g.bench_function(BenchmarkId::new("seal", size), |b| {
            b.iter(|| {
                let json = serde_json::to_vec(black_box(&map)).unwrap();
                black_box(fernet.encrypt(&json))
            });
        });
        let token = fernet.encrypt(&serde_json::to_vec(&map).unwrap());
        g.bench_function(BenchmarkId::new("open", size), |b| {
            b.iter(|| {
                let json = fernet.decrypt(black_box(&token)).unwrap();
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&json).unwrap();
                black_box(map)
            });
        });
    }
    g.finish();
}

/// Raw DEFLATE of the payloads above the compression threshold, one
/// benchmark per miniz_oxide configuration, plus the core's own `deflate`
/// (the configuration in force) and inflate of its output.
fn deflate_table(c: &mut Criterion) {
    let mut g = group(c, "deflate");
    for size in SIZES.into_iter().filter(|&size| size > 1024) {
        let json = session(size).to_json();
        for config in deflate_configs() {
            g.bench_function(BenchmarkId::new(config.id(), size), |b| {
                b.iter(|| black_box(deflate_with(black_box(&json), config)));
            });
        }
        // One compressor reset per call instead of a fresh one: what a
        // caller-owned compressor would cost.
        for config in reused_configs() {
            let mut reused = miniz_oxide::deflate::core::CompressorOxide::new(
                sealed_session_benches::flags(config),
            );
            g.bench_function(
                BenchmarkId::new(format!("{}-reused", config.id()), size),
                |b| {
                    b.iter(|| {
                        reused.reset();
                        black_box(sealed_session_benches::deflate_into(
                            &mut reused,
                            black_box(&json),
                        ))
                    });
                },
            );
        }
        g.bench_function(BenchmarkId::new("core", size), |b| {
            b.iter(|| {
                black_box(sealed_session_core::__private::deflate(
                    black_box(&json),
                    false,
                ))
            });
        });
        let packed = sealed_session_core::__private::deflate(&json, false);
        g.bench_function(BenchmarkId::new("inflate", size), |b| {
            b.iter(|| {
                black_box(
                    sealed_session_core::__private::inflate_to_vec(
                        black_box(&packed),
                        1 << 16,
                        false,
                    )
                    .unwrap(),
                )
            });
        });
    }
    g.finish();
}
