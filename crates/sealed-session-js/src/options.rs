//! The codec's options as JavaScript passes them (one JSON object, written
//! by the package's TypeScript from the options object), turned into the
//! std builder's setters: the same settings under their camelCase names,
//! checked by the same `build()`.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use sealed_session::{
    Clock, Compression, Key, Keyring, Legacy, Refresh, SameSite, SealFormat, SecureRandom,
    SessionCodec, SessionCodecBuilder,
};
use serde_json::{Map, Value};

/// A refused configuration: the option at fault (its JavaScript name) and
/// why. Becomes the package's `ConfigError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The option's camelCase name, `keyring` for the keyring text, or
    /// `options` for the object as a whole.
    pub(crate) setting: String,
    /// Why, as the std builder says it (setting names inside the reason are
    /// the Rust builder's).
    pub(crate) reason: String,
}

impl Refused {
    fn new(setting: &str, reason: impl Into<String>) -> Self {
        Self {
            setting: setting.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The builder's snake_case setting name in camelCase: `idle_timeout` →
/// `idleTimeout`.
pub(crate) fn camel_case(setting: &str) -> String {
    let mut out = String::with_capacity(setting.len());
    let mut upper = false;
    for c in setting.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds a codec from keyring text (the format of `keyring_from_file`)
/// and the options' JSON, with this randomness and clock.
pub(crate) fn build(
    keyring_text: &str,
    options_json: &str,
    random: impl SecureRandom,
    clock: impl Clock,
) -> Result<SessionCodec, Refused> {
    let keyring =
        Keyring::from_text(keyring_text).map_err(|e| Refused::new("keyring", e.to_string()))?;
    let options: Map<String, Value> = serde_json::from_str(options_json)
        .map_err(|_| Refused::new("options", "not a JSON object"))?;
    let mut builder = SessionCodec::builder(keyring).random(random).clock(clock);
    for (name, value) in &options {
        builder = apply(builder, name, value)?;
    }
    builder.build().map_err(|e| Refused {
        setting: camel_case(e.setting()),
        reason: e.reason().to_owned(),
    })
}

/// One option, given to its setter.
fn apply(
    builder: SessionCodecBuilder,
    name: &str,
    value: &Value,
) -> Result<SessionCodecBuilder, Refused> {
    Ok(match name {
        "cookieName" => builder.cookie_name(string(name, value)?),
        "context" => builder.context(string(name, value)?.as_bytes()),
        "path" => builder.path(string(name, value)?),
        "domain" => builder.domain(string(name, value)?),
        "secure" => builder.secure(boolean(name, value)?),
        "httpOnly" => builder.http_only(boolean(name, value)?),
        "partitioned" => builder.partitioned(boolean(name, value)?),
        "sameSite" => builder.same_site(match value.as_str() {
            Some("Strict") => SameSite::Strict,
            Some("Lax") => SameSite::Lax,
            Some("None") => SameSite::None,
            _ => {
                return Err(Refused::new(
                    name,
                    "expected \"Strict\", \"Lax\" or \"None\"",
                ));
            }
        }),
        "idleTimeout" => builder.idle_timeout(seconds(name, value)?),
        "absoluteTimeout" => builder.absolute_timeout(seconds(name, value)?),
        "clockSkew" => builder.clock_skew(seconds(name, value)?),
        "refresh" => builder.refresh(match value {
            Value::String(s) if s == "eachRequest" => Refresh::EachRequest,
            Value::String(s) if s == "never" => Refresh::Never,
            Value::Number(_) => Refresh::After(seconds(name, value)?),
            _ => {
                return Err(Refused::new(
                    name,
                    "expected \"eachRequest\", \"never\" or a number of seconds",
                ));
            }
        }),
        "compression" => builder.compression(match value {
            Value::String(s) if s == "never" => Compression::Never,
            Value::Object(above) if above.len() == 1 && above.contains_key("above") => {
                Compression::Above(count(name, &above["above"])?)
            }
            _ => return Err(Refused::new(name, "expected \"never\" or { above: bytes }")),
        }),
        "padToMultipleOf" => builder.pad_to_multiple_of(count(name, value)?),
        "maxPlaintextLen" => builder.max_plaintext_len(count(name, value)?),
        "sealFormat" => builder.seal_format(match value.as_str() {
            Some("v1") => SealFormat::V1,
            Some("legacy") => SealFormat::Legacy,
            _ => return Err(Refused::new(name, "expected \"v1\" or \"legacy\"")),
        }),
        "acceptLegacy" => {
            let Value::Array(sources) = value else {
                return Err(Refused::new(name, "expected an array of legacy sources"));
            };
            let mut builder = builder;
            for source in sources {
                builder = builder.accept_legacy(legacy(source)?);
            }
            builder
        }
        other => return Err(Refused::new("options", format!("unknown option `{other}`"))),
    })
}

/// One `acceptLegacy` source: `{ format: "encryptedSession", key,
/// cookieName, since, until, path?, domain? }` (times in Unix seconds).
fn legacy(source: &Value) -> Result<Legacy, Refused> {
    const SETTING: &str = "acceptLegacy";
    let Value::Object(fields) = source else {
        return Err(Refused::new(
            SETTING,
            "expected an object per legacy source",
        ));
    };
    let field = |key: &str| fields.get(key);
    match field("format").and_then(Value::as_str) {
        Some("encryptedSession") => {}
        _ => {
            return Err(Refused::new(
                SETTING,
                "format: expected \"encryptedSession\"",
            ));
        }
    }
    let key_text = field("key").and_then(Value::as_str).ok_or_else(|| {
        Refused::new(
            SETTING,
            "key: expected 64 hex digits or 43 base64url characters",
        )
    })?;
    let key = Key::parse(key_text).map_err(|e| Refused::new(SETTING, format!("key: {e}")))?;
    let mut legacy = Legacy::encrypted_session(&key);
    for (name, value) in fields {
        legacy = match name.as_str() {
            "format" | "key" => legacy,
            "cookieName" => legacy.cookie_name(string(SETTING, value)?),
            "path" => legacy.path(string(SETTING, value)?),
            "domain" => legacy.domain(string(SETTING, value)?),
            "since" => legacy.since(instant(value)?),
            "until" => legacy.until(instant(value)?),
            other => {
                return Err(Refused::new(SETTING, format!("unknown field `{other}`")));
            }
        };
    }
    Ok(legacy)
}

fn string<'v>(name: &str, value: &'v Value) -> Result<&'v str, Refused> {
    value
        .as_str()
        .ok_or_else(|| Refused::new(name, "expected a string"))
}

fn boolean(name: &str, value: &Value) -> Result<bool, Refused> {
    value
        .as_bool()
        .ok_or_else(|| Refused::new(name, "expected true or false"))
}

fn count(name: &str, value: &Value) -> Result<usize, Refused> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| Refused::new(name, "expected a whole number of bytes"))
}

fn seconds(name: &str, value: &Value) -> Result<Duration, Refused> {
    value
        .as_u64()
        .map(Duration::from_secs)
        .ok_or_else(|| Refused::new(name, "expected a whole number of seconds (0 or more)"))
}

/// A `since` or `until`: Unix seconds (the package converts a `Date`).
fn instant(value: &Value) -> Result<SystemTime, Refused> {
    value
        .as_u64()
        .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        .ok_or_else(|| Refused::new("acceptLegacy", "since/until: expected a date"))
}

#[cfg(test)]
mod tests {
    use sealed_session::{FixedRandom, ManualClock};

    use super::*;

    const KEYS: &str = "2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

    fn refused(options: &str) -> Refused {
        build(KEYS, options, FixedRandom::new([1]), ManualClock::new(0)).unwrap_err()
    }

    #[test]
    fn camel_case_names() {
        assert_eq!(camel_case("idle_timeout"), "idleTimeout");
        assert_eq!(camel_case("pad_to_multiple_of"), "padToMultipleOf");
        assert_eq!(camel_case("domain"), "domain");
    }

    #[test]
    fn builds_with_every_option() {
        let codec = build(
            KEYS,
            r#"{"cookieName":"sid","secure":false,"httpOnly":true,"sameSite":"Strict",
                "path":"/app","idleTimeout":600,"absoluteTimeout":3600,"refresh":"never",
                "clockSkew":5,"padToMultipleOf":32,"maxPlaintextLen":2048,"context":"ctx",
                "partitioned":false,"compression":"never","sealFormat":"v1"}"#,
            FixedRandom::new([1]),
            ManualClock::new(0),
        )
        .unwrap();
        assert_eq!(codec.cookie_name(), "sid");
        assert_eq!(codec.idle_timeout(), Duration::from_secs(600));
    }

    #[test]
    fn the_builder_checks_and_names_the_option() {
        let error = refused(r#"{"domain":"example.com"}"#);
        assert_eq!(error.setting, "domain");
        assert!(
            error.reason.contains("must not have a Domain"),
            "{}",
            error.reason
        );
        let error = refused(r#"{"idleTimeout":7200,"absoluteTimeout":3600}"#);
        assert_eq!(error.setting, "idleTimeout");
        assert_eq!(refused(r#"{"secure":false}"#).setting, "secure");
    }

    #[test]
    fn wrong_types_and_unknown_options_are_refused() {
        assert_eq!(
            refused(r#"{"idleTimeout":1.5}"#),
            Refused::new(
                "idleTimeout",
                "expected a whole number of seconds (0 or more)"
            )
        );
        assert_eq!(
            refused(r#"{"cookiename":"x"}"#),
            Refused::new("options", "unknown option `cookiename`")
        );
        assert_eq!(refused("[]"), Refused::new("options", "not a JSON object"));
        assert_eq!(refused(r#"{"sameSite":"lax"}"#).setting, "sameSite");
    }

    #[test]
    fn bad_keyring_text_names_the_line_never_the_key() {
        let error =
            build("1 00zz\n", "{}", FixedRandom::new([1]), ManualClock::new(0)).unwrap_err();
        assert_eq!(error.setting, "keyring");
        assert!(error.reason.contains("line 1"), "{}", error.reason);
        assert!(!error.reason.contains("00zz"));
    }
}
