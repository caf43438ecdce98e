//! `demo`: a walk-through with a throwaway key, needing no files.
//!
//! The signed cookie is made by this crate's own itsdangerous code
//! ([`crate::flask`]), for demonstration only. The sealed cookie is the
//! library's: a [`SessionCodec`] with its defaults, so what the demo shows
//! is what a service gets.

use core::fmt::Write as _;

use sealed_session::{Keyring, OsRandom, SecureRandom, Session, SessionCodec};
use sealed_session_core::OVERHEAD;
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::flask;
use crate::inspect;

/// The length of the metadata the library seals in front of a new
/// session's JSON: a marker, flags, the creation time and the session id
/// (FORMAT.md, the session payload).
const SESSION_METADATA_LEN: usize = 1 + 1 + 8 + 16;

/// `demo`.
///
/// # Errors
/// An input failure if the OS generator fails (or, impossibly, a step does
/// not behave as shown).
pub(crate) fn demo() -> Result<Zeroizing<String>, Failure> {
    let failed = |error: sealed_session::SessionError| Failure::input(error.as_str());
    let mut out = Zeroizing::new(String::from(
        "sealed-session demo: a session cookie should be sealed, not only signed.\n",
    ));

    // 1. A throwaway key.
    let key = sealed_session::generate_key().map_err(failed)?;
    let codec = SessionCodec::builder(Keyring::new(1, &key))
        .build()
        .map_err(|error| Failure::input(error.to_string()))?;
    let name = codec.cookie_name().to_owned();
    out.push_str(
        "\n1. A throwaway key\n   \
         Key id 1: 32 random bytes from the operating system's CSPRNG (not shown).\n   \
         Real keys come from `sealed-session keygen --out FILE` and live in a key file.\n",
    );

    // 2. The session.
    let mut random = [0u8; 4];
    OsRandom.fill(&mut random).map_err(failed)?;
    let answer = u32::from_le_bytes(random) % 100 + 1;
    let mut session = Session::new();
    session.insert("game", "guess the number").map_err(failed)?;
    session.insert("answer", answer).map_err(failed)?;
    session.insert("guesses", [50]).map_err(failed)?;
    let json = session.to_json_string();
    let _ = write!(
        out,
        "\n2. A \"guess the number\" session, holding the answer\n   {json}\n"
    );

    // 3. Signed only, as Flask does by default.
    let mut secret = Zeroizing::new([0u8; 32]);
    OsRandom.fill(&mut secret[..]).map_err(failed)?;
    let now = sealed_session::Clock::now(&sealed_session::SystemClock);
    let signed = flask::sign(&secret[..], json.as_bytes(), now)
        .ok_or_else(|| Failure::input("HMAC-SHA1 refused the demo secret"))?;
    let seen = inspect::inspect(&signed);
    let leaked = serde_json::from_str::<serde_json::Value>(&seen)
        .ok()
        .and_then(|seen| seen.get("payload")?.get("answer").map(ToString::to_string))
        .unwrap_or_else(|| "nothing?".to_owned());
    let _ = write!(
        out,
        "\n3. Signed only: Flask's default session cookie (itsdangerous, HMAC-SHA1)\n   \
         session={signed}\n   \
         Anyone who holds it can read it, with no key (`sealed-session inspect`):\n   \
         {seen}\n   \
         The answer leaks: {leaked}. A signature stops changes, not reading.\n"
    );

    // 4. Sealed by the library, with its defaults.
    let sealed = codec.seal(&session).map_err(failed)?;
    let peeked = inspect::inspect(&sealed);
    let _ = write!(
        out,
        "\n4. Sealed: AES-256-EAX in envelope v1, by the library's SessionCodec\n   \
         With its defaults: bound to the cookie name \"{name}\", and not compressed\n   \
         (compressed lengths can leak secrets).\n   \
         {name}={sealed}\n   \
         What `sealed-session inspect` tells without the key:\n   \
         {peeked}\n   \
         The key id, the issue time and the length: nothing about the answer.\n"
    );

    // 5. Opened with the key.
    let opened = codec.open(&sealed).map_err(failed)?;
    let _ = write!(
        out,
        "\n5. Opened with the key (`sealed-session open --context {name}` does the same)\n   {}\n",
        opened.to_json_string()
    );

    // 6. One character changed.
    let (position, tampered) = tamper(&sealed);
    let reason = match codec.open(&tampered) {
        Err(error) => match error.cookie_kind() {
            Some(kind) => crate::failure::public_reason(kind),
            None => {
                return Err(Failure::input(
                    "a tampered cookie was not rejected as a cookie",
                ));
            }
        },
        Ok(_) => return Err(Failure::input("a tampered cookie opened")),
    };
    let was = sealed.chars().nth(position).unwrap_or('?');
    let now_is = tampered.chars().nth(position).unwrap_or('?');
    let _ = write!(
        out,
        "\n6. One character changed (character {}: '{was}' -> '{now_is}')\n   \
         {name}={tampered}\n   \
         Rejected: {reason}. (`sealed-session open` exits with status 1 and says only that.)\n",
        position + 1
    );

    // 7. Sizes.
    let _ = write!(
        out,
        "\n7. Sizes\n   \
         session JSON          {:>4} bytes\n   \
         Flask signed cookie   {:>4} characters  (readable by anyone)\n   \
         sealed cookie         {:>4} characters  (secret and tamper-proof)\n   \
         The sealed cookie is base64url of the JSON, {SESSION_METADATA_LEN} bytes of session \
         metadata\n   \
         (id, creation time, flags) and {OVERHEAD} bytes of header, nonce and tag.\n",
        json.len(),
        signed.len(),
        sealed.len(),
    );
    Ok(out)
}

/// Changes the character in the middle of `cookie` (inside the ciphertext,
/// away from the last character, whose spare bits must stay zero) to
/// another base64url character. Returns its index and the new text.
fn tamper(cookie: &str) -> (usize, String) {
    let position = cookie.len() / 2;
    let tampered = cookie
        .char_indices()
        .map(|(index, c)| match (index == position, c) {
            (true, 'A') => 'B',
            (true, _) => 'A',
            (false, c) => c,
        })
        .collect();
    (position, tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tamper_changes_exactly_the_middle_character() {
        assert_eq!(tamper("AAAAAAAA"), (4, "AAAABAAA".to_owned()));
        assert_eq!(tamper("xyzxyzx"), (3, "xyzAyzx".to_owned()));
    }
}
