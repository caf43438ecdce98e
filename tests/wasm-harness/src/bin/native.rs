//! The native side of the WASM interop tests: seals and opens with
//! `sealed-session-core` built for the host, with the same options as the
//! wasm module ([`wasm_harness::options`]).
//!
//! ```text
//! wasm-harness-native seal <ring> <context> <now> <nonce-hex> <plaintext-hex>
//! wasm-harness-native open <ring> <context> <now> <cookie>
//! ```
//!
//! `<ring>` is `id:keyhex[,id:keyhex...]`, primary first. `seal` prints the
//! cookie. `open` prints `ok <key_id> <issued_at> <compressed> <reseal_advised>
//! <plaintext-hex>` (flags as 0 or 1). A failed operation prints
//! `error <code> <text>` with the module's error code and exits with status 1;
//! a bad command line exits with status 2.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use sealed_session_core::{Codec, Error, FixedNonce, Key, Keyring, NONCE_LEN};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(Ok(line)) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            let kind = error.kind();
            println!("error {} {kind}", wasm_harness::error_code(kind));
            ExitCode::FAILURE
        }
        Err(usage) => {
            eprintln!("error: {usage}");
            ExitCode::from(2)
        }
    }
}

/// The output line, or the codec's error; the outer `Err` is a usage error.
fn run(args: &[&str]) -> Result<Result<String, Error>, String> {
    match args {
        ["seal", ring, context, now, nonce, plaintext] => {
            let ring = keyring(ring)?;
            let now = now_arg(now)?;
            let nonce: [u8; NONCE_LEN] = hex(nonce)?
                .try_into()
                .map_err(|_| "the nonce must be 16 bytes of hex".to_owned())?;
            let plaintext = hex(plaintext)?;
            let codec = Codec::new(ring, wasm_harness::options());
            let mut out = vec![0u8; Codec::seal_len(plaintext.len())];
            let sealed = codec.seal(
                &plaintext,
                context.as_bytes(),
                now,
                &mut FixedNonce(nonce),
                &mut out,
            );
            Ok(sealed.map(str::to_owned))
        }
        ["open", ring, context, now, cookie] => {
            let ring = keyring(ring)?;
            let now = now_arg(now)?;
            let codec = Codec::new(ring, wasm_harness::options());
            let mut buf = vec![0u8; codec.open_len(cookie.len())];
            let opened = codec.open(cookie, context.as_bytes(), now, &mut buf);
            Ok(opened.map(|opened| {
                let plaintext: String = opened
                    .plaintext
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect();
                format!(
                    "ok {} {} {} {} {plaintext}",
                    opened.key_id,
                    opened.issued_at,
                    u8::from(opened.compressed),
                    u8::from(opened.reseal_advised),
                )
            }))
        }
        _ => Err(
            "usage: wasm-harness-native seal <ring> <context> <now> <nonce-hex> \
                  <plaintext-hex> | open <ring> <context> <now> <cookie>"
                .to_owned(),
        ),
    }
}

/// Parses `id:keyhex[,id:keyhex...]`, primary first.
fn keyring(spec: &str) -> Result<Keyring, String> {
    let mut entries = spec.split(',').map(|entry| {
        let (id, key) = entry
            .split_once(':')
            .ok_or_else(|| format!("ring entry `{entry}` is not id:keyhex"))?;
        let id: u8 = id.parse().map_err(|_| format!("bad key id `{id}`"))?;
        let key = Key::from_hex(key).map_err(|_| format!("bad key for id {id}"))?;
        Ok::<_, String>((id, key))
    });
    let (id, key) = entries.next().ok_or_else(|| "empty ring".to_owned())??;
    let mut ring = Keyring::new(id, &key);
    for entry in entries {
        let (id, key) = entry?;
        ring.add(id, &key)
            .map_err(|error| format!("key id {id}: {error}"))?;
    }
    Ok(ring)
}

/// Parses Unix seconds.
fn now_arg(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a time in Unix seconds"))
}

/// Decodes hex digits.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd-length hex `{text}`"));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            core::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("bad hex `{text}`"))
        })
        .collect()
}
