//! Crafting the requests' cookies with the std crate, and the codec that
//! opens what the server sets.

use alloc::sync::Arc;
use core::time::Duration;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sealed_session::{
    Clock, Key, Keyring, Legacy, ManualClock, Refresh, SealFormat, Session, SessionCodec,
    SessionError, SessionId, SystemClock,
};

use crate::table::{
    ABSOLUTE_TIMEOUT, COOKIE_NAME, Craft, IDLE_TIMEOUT, LEGACY_COOKIE_NAME, LEGACY_UNTIL,
    REFRESH_AFTER, Sealed,
};

/// The keys of `keys.txt` and `legacy-key.txt`, read once per run.
pub(crate) struct Keys {
    /// Key 2 (primary) and key 1.
    keyring: Keyring,
    /// Key 1 alone, to seal cookies under the older key.
    older: Keyring,
    legacy: Key,
}

/// Why the key files could not be used.
pub(crate) fn load_keys() -> Result<Keys, String> {
    let text = std::fs::read_to_string(crate::KEYS_FILE)
        .map_err(|error| format!("{}: {error}", crate::KEYS_FILE))?;
    let keyring =
        Keyring::from_text(&text).map_err(|error| format!("{}: {error}", crate::KEYS_FILE))?;
    let older_line = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("1 ") || line.starts_with("1\t"))
        .ok_or_else(|| format!("{}: no line for key 1", crate::KEYS_FILE))?;
    let older =
        Keyring::from_text(older_line).map_err(|error| format!("{}: {error}", crate::KEYS_FILE))?;
    let legacy_text = std::fs::read_to_string(crate::LEGACY_KEY_FILE)
        .map_err(|error| format!("{}: {error}", crate::LEGACY_KEY_FILE))?;
    let legacy = Key::parse(legacy_text.trim())
        .map_err(|error| format!("{}: {error}", crate::LEGACY_KEY_FILE))?;
    if keyring.primary_id() != 2 {
        return Err(format!("{}: key 2 must come first", crate::KEYS_FILE));
    }
    Ok(Keys {
        keyring,
        older,
        legacy,
    })
}

/// The contract's configuration on a builder, with `clock`.
fn configured(keyring: Keyring, clock: impl Clock) -> sealed_session::SessionCodecBuilder {
    SessionCodec::builder(keyring)
        .idle_timeout(Duration::from_secs(IDLE_TIMEOUT))
        .absolute_timeout(Duration::from_secs(ABSOLUTE_TIMEOUT))
        .refresh(Refresh::After(Duration::from_secs(REFRESH_AFTER)))
        .clock(clock)
}

/// The codec that opens what a server sets: the contract's configuration
/// on the system clock.
pub(crate) fn opener(keys: &Keys) -> Result<SessionCodec, String> {
    configured(keys.keyring.clone(), SystemClock)
        .build()
        .map_err(|error| error.to_string())
}

/// What the runner knows of a session cookie it sent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sent {
    pub(crate) id: SessionId,
    pub(crate) created_at: u64,
}

/// One row's crafted request.
pub(crate) struct Request {
    /// The `Cookie` header, if any.
    pub(crate) cookie_header: Option<String>,
    /// The sessions of the sealed cookies, by their letter.
    pub(crate) sessions: HashMap<char, Sent>,
}

/// Seals cookies at chosen times.
pub(crate) struct Crafter {
    clock: Arc<ManualClock>,
    primary: SessionCodec,
    older: SessionCodec,
    legacy: SessionCodec,
}

impl Crafter {
    pub(crate) fn new(keys: &Keys) -> Result<Self, String> {
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let build = |builder: sealed_session::SessionCodecBuilder| {
            builder.build().map_err(|error| error.to_string())
        };
        let primary = build(configured(keys.keyring.clone(), Arc::clone(&clock)))?;
        let older = build(configured(keys.older.clone(), Arc::clone(&clock)))?;
        // Only its seal is used: the since date does not matter.
        let legacy = build(
            configured(keys.keyring.clone(), Arc::clone(&clock))
                .accept_legacy(
                    Legacy::encrypted_session(&keys.legacy)
                        .cookie_name(LEGACY_COOKIE_NAME)
                        .since(std::time::UNIX_EPOCH)
                        .until(std::time::UNIX_EPOCH + Duration::from_secs(LEGACY_UNTIL)),
                )
                .seal_format(SealFormat::Legacy),
        )?;
        Ok(Self {
            clock,
            primary,
            older,
            legacy,
        })
    }

    /// The `Cookie` header for `cookies`, sealed relative to `now`.
    pub(crate) fn request(&self, cookies: &[Craft], now: u64) -> Result<Request, String> {
        let mut bases: HashMap<char, Session> = HashMap::new();
        let mut pairs = Vec::new();
        for craft in cookies {
            let pair = match craft {
                Craft::Sealed(sealed) => {
                    let value = self.sealed(sealed, now, &mut bases)?;
                    format!("{COOKIE_NAME}={value}")
                }
                Craft::Tampered(sealed) => {
                    let value = self.sealed(sealed, now, &mut bases)?;
                    format!("{COOKIE_NAME}={}", tamper(&value))
                }
                Craft::Garbage => format!("{COOKIE_NAME}=garbage"),
                Craft::Legacy { n } => {
                    let mut session = Session::new();
                    session.insert("n", n).map_err(describe)?;
                    self.clock.set(now);
                    let value = self.legacy.seal(&session).map_err(describe)?;
                    format!("{LEGACY_COOKIE_NAME}={value}")
                }
            };
            pairs.push(pair);
        }
        let sessions = bases
            .iter()
            .filter_map(|(&letter, session)| {
                Some((
                    letter,
                    Sent {
                        id: session.id()?,
                        created_at: session.created_at()?,
                    },
                ))
            })
            .collect();
        Ok(Request {
            cookie_header: (!pairs.is_empty()).then(|| pairs.join("; ")),
            sessions,
        })
    }

    /// Seals `sealed`: the first cookie of a letter creates its session
    /// (id, creation time), later ones reuse it.
    fn sealed(
        &self,
        sealed: &Sealed,
        now: u64,
        bases: &mut HashMap<char, Session>,
    ) -> Result<String, String> {
        let base = match bases.entry(sealed.id) {
            Entry::Occupied(base) => base.into_mut(),
            Entry::Vacant(slot) => {
                self.clock.set(now.saturating_sub(sealed.created_ago));
                let value = self.primary.seal(&Session::new()).map_err(describe)?;
                slot.insert(self.primary.open(&value).map_err(describe)?)
            }
        };
        let mut session = base.clone();
        session.insert("n", sealed.n).map_err(describe)?;
        self.clock.set(now.saturating_sub(sealed.issued_ago));
        let codec = if sealed.key == 1 {
            &self.older
        } else {
            &self.primary
        };
        codec.seal(&session).map_err(describe)
    }
}

/// `value` with its middle character changed (to another base64url
/// character): the tag no longer matches.
fn tamper(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    if let Some(byte) = bytes.get_mut(middle) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn describe(error: SessionError) -> String {
    format!("crafting a cookie: {error}")
}
