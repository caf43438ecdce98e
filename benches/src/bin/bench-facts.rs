//! Writes what `cargo xtask bench` needs besides criterion's timings, into
//! the directory given as the only argument:
//!
//! - `payloads.json`: the key and the session of every size, for
//!   `tests/python/bench_python.py`;
//! - `facts.json`: cookie lengths per format and size (the std crate's
//!   JSON session with the defaults, padded and compressed, its typed
//!   session, the core's bare envelope, the peers), and the compressed
//!   size of every payload above the threshold under each miniz_oxide
//!   configuration of the compression table.

use std::path::PathBuf;
use std::process::ExitCode;

use sealed_session::{FixedRandom, ManualClock, Session, SessionError, TypedSession};
use sealed_session_benches::{
    COMPRESS_ABOVE, COOKIE_NAME, KEY, NOW, SIZES, STD_COOKIE_NAME, core_codec, deflate_configs,
    deflate_with, session, std_codec, std_payload,
};
use sealed_session_core::{Compression, FixedNonce};
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
///
/// For the std crate's formats, `<format>` is the length of the value its
/// `SessionCodec` seals, and `<format>_fits` whether it sealed at all: a
/// cookie whose name and value exceed 4096 bytes is refused, and its
/// length is then that of the same payload sealed by the core without the
/// limit.
fn cookie_lengths(size: usize) -> Result<Value, String> {
    let data = session(size);
    let json = data.to_json();
    let nonce = || FixedNonce([7; 16]);
    let err = |e: sealed_session_core::Error| format!("size {size}: {e}");

    let core = core_codec(Compression::Never);
    let v1 = core
        .seal_to_string(&json, COOKIE_NAME.as_bytes(), NOW, &mut nonce())
        .map_err(err)?
        .len();
    let v1_compressed = core_codec(Compression::Above(COMPRESS_ABOVE))
        .seal_to_string(&json, COOKIE_NAME.as_bytes(), NOW, &mut nonce())
        .map_err(err)?
        .len();

    // The core's own typed helpers: postcard, no session metadata.
    let postcard_core = core
        .seal_value(
            &data,
            COOKIE_NAME.as_bytes(),
            NOW,
            &mut nonce(),
            &mut vec![0u8; 4 * json.len() + 64],
        )
        .map_err(err)?
        .len();
    let postcard_core_compressed = core_codec(Compression::Above(COMPRESS_ABOVE))
        .seal_value_to_string(&data, COOKIE_NAME.as_bytes(), NOW, &mut nonce())
        .map_err(err)?
        .len();

    let mut lengths = Map::new();
    let std_session = Session::from_json(&json).map_err(|e| e.to_string())?;
    // The JSON the std crate seals: `_permanent` is a metadata flag there.
    let std_json = std_session.to_json_string().into_bytes();
    let postcard_body = postcard::to_allocvec(&data).map_err(|e| e.to_string())?;
    let mut typed = TypedSession::new();
    typed.set(data.clone());
    for (format, compression, padding) in [
        ("session", Compression::Never, 0),
        ("session_pad64", Compression::Never, 64),
        ("session_pad256", Compression::Never, 256),
        ("session_z", Compression::Above(COMPRESS_ABOVE), 0),
        ("typed", Compression::Never, 0),
        ("typed_z", Compression::Above(COMPRESS_ABOVE), 0),
    ] {
        let codec = std_codec(|b| {
            b.clock(ManualClock::new(NOW))
                .random(FixedRandom::new([7]))
                .compression(compression)
                .pad_to_multiple_of(padding)
        });
        let is_typed = format.starts_with("typed");
        let sealed = if is_typed {
            codec.seal(&typed)
        } else {
            codec.seal(&std_session)
        };
        let (len, fits) = match sealed {
            Ok(value) => (value.len(), true),
            Err(SessionError::CookieTooLarge) => {
                let body = if is_typed { &postcard_body } else { &std_json };
                let payload = std_payload(body, padding);
                let text = core_codec(compression)
                    .seal_to_string(&payload, STD_COOKIE_NAME.as_bytes(), NOW, &mut nonce())
                    .map_err(err)?;
                (text.len(), false)
            }
            Err(e) => return Err(format!("size {size}, {format}: {e}")),
        };
        lengths.insert(format.into(), len.into());
        lengths.insert(format!("{format}_fits"), fits.into());
    }

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

    let python_json = std_session.to_python_json().map_err(|e| e.to_string())?;
    for (format, len) in [
        ("json", json.len()),
        ("python_json", python_json.len()),
        ("postcard_bytes", postcard_body.len()),
        ("v1", v1),
        ("v1_compressed", v1_compressed),
        ("postcard_core", postcard_core),
        ("postcard_core_compressed", postcard_core_compressed),
        ("cookie", cookie_len),
        ("fernet", fernet_len),
    ] {
        lengths.insert(format.into(), len.into());
    }
    Ok(Value::Object(lengths))
}
