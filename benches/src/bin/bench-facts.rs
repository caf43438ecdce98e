//! Writes what `cargo xtask bench` needs besides criterion's timings, into
//! the directory given as the only argument:
//!
//! - `payloads.json`: the key and the session of every size, for
//!   `tests/python/bench_python.py`;
//! - `facts.json`: cookie lengths per format and size, and the compressed
//!   size of every payload above the threshold under each miniz_oxide
//!   configuration of the compression table.

use std::path::PathBuf;
use std::process::ExitCode;

use sealed_session::{Session, SessionCodec};
use sealed_session_benches::{
    COOKIE_NAME, KEY, NOW, SIZES, core_codec, deflate_configs, deflate_with, session,
};
use sealed_session_core::{Codec, Compression, FixedNonce, Key, Keyring, Options};
use serde_json::{Map, Value, json};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench-facts <output directory>");
        return ExitCode::from(2);
    };
    match write(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-facts: {message}");
            ExitCode::FAILURE
        }
    }
}

fn write(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut payloads = Map::new();
    let mut lengths = Map::new();
    let mut deflate = Map::new();
    for size in SIZES {
        let data = session(size);
        payloads.insert(size.to_string(), Value::Object(data.to_map()));
        lengths.insert(size.to_string(), cookie_lengths(size)?);
        if size > 1024 {
            let json = data.to_json();
            let mut sizes = Map::new();
            for config in deflate_configs() {
                sizes.insert(config.id(), deflate_with(&json, config).len().into());
            }
            let core = sealed_session_core::__private::deflate(&json, false);
            sizes.insert("core".into(), core.len().into());
            deflate.insert(size.to_string(), Value::Object(sizes));
        }
    }
    let payloads = json!({
        "key_hex": KEY.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "payloads": payloads,
    });
    let facts = json!({ "lengths": lengths, "deflate": deflate });
    for (name, value) in [("payloads.json", payloads), ("facts.json", facts)] {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The cookie (value) length of every format for the payload of `size`.
fn cookie_lengths(size: usize) -> Result<Value, String> {
    let data = session(size);
    let json = data.to_json();
    let nonce = || FixedNonce([7; 16]);
    let err = |e: sealed_session_core::Error| format!("size {size}: {e}");

    let core = core_codec(Compression::Above(1024));
    let v1 = core
        .seal_to_string(&json, COOKIE_NAME.as_bytes(), NOW, &mut nonce())
        .map_err(err)?
        .len();
    let v1_uncompressed = Codec::seal_len(json.len());
    let postcard = core
        .seal_value(
            &data,
            COOKIE_NAME.as_bytes(),
            NOW,
            &mut nonce(),
            &mut vec![0u8; 4 * json.len() + 64],
        )
        .map_err(err)?
        .len();
    let postcard_compressed = core
        .seal_value_to_string(&data, COOKIE_NAME.as_bytes(), NOW, &mut nonce())
        .map_err(err)?
        .len();

    // The std session as it would set it; `null` when over 4096 bytes.
    let codec = SessionCodec::new(Keyring::new(1, &Key::from_bytes(KEY)), Options::new());
    let std_session = Session::from_map(data.to_map()).map_err(|e| e.to_string())?;
    let std_len = codec
        .seal_at(&std_session, NOW, &mut nonce())
        .ok()
        .map(|value| value.len());

    let mut jar = cookie::CookieJar::new();
    let key = cookie::Key::from(&[KEY, KEY].concat());
    jar.private_mut(&key).add(cookie::Cookie::new(
        COOKIE_NAME,
        String::from_utf8_lossy(&json).into_owned(),
    ));
    let cookie_len = jar.get(COOKIE_NAME).map_or(0, |c| c.value().len());

    use base64ct::{Base64Url, Encoding};
    let fernet =
        fernet::Fernet::new(&Base64Url::encode_string(&KEY)).ok_or("fernet rejects the key")?;
    let fernet_len = fernet.encrypt(&json).len();

    Ok(json!({
        "json": json.len(),
        "python_json": std_session.to_python_json_vec().map_err(|e| e.to_string())?.len(),
        "v1": v1,
        "v1_uncompressed": v1_uncompressed,
        "session": std_len,
        "postcard_bytes": postcard::to_allocvec(&data).map_err(|e| e.to_string())?.len(),
        "postcard": postcard,
        "postcard_compressed": postcard_compressed,
        "cookie": cookie_len,
        "fernet": fernet_len,
    }))
}
