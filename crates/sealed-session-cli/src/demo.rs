//! `demo`: a walk-through with a throwaway key, needing no files.

use std::ffi::OsString;

use rand_core::Rng;
use sealed_session::Session;
use sealed_session_core::{Compression, Key, OVERHEAD};
use serde_json::Value;

use crate::args;
use crate::commands;
use crate::failure::Failure;
use crate::flask;
use crate::help;
use crate::inspect;
use crate::keyfile::KeyList;

/// The cookie's name, which the sealed cookie is bound to.
const COOKIE_NAME: &str = "session";

/// `demo`.
///
/// # Errors
/// A usage [`Failure`] for any option but `--help`; an input failure if the
/// OS generator fails (or, impossibly, a step does not behave as shown).
pub(crate) fn demo(args: &[OsString]) -> Result<String, Failure> {
    let parsed = args::parse("demo", args, &[])?;
    if parsed.help {
        return Ok(help::DEMO.to_owned());
    }
    let mut rng = commands::rng()?;
    let mut out =
        String::from("sealed-session demo: a session cookie should be sealed, not only signed.\n");

    // 1. A throwaway key.
    let keys = KeyList::single(1, Key::generate(&mut rng));
    out.push_str(
        "\n1. A throwaway key\n   \
         Key id 1: 32 random bytes from the operating system's CSPRNG (not shown).\n   \
         Real keys come from `sealed-session keygen` and live in a key file.\n",
    );

    // 2. The session.
    let answer = rng.next_u32() % 100 + 1;
    let mut session = Session::new();
    let failed = |error: sealed_session::SessionError| Failure::input(error.as_str());
    session.insert("game", "guess the number").map_err(failed)?;
    session.insert("answer", answer).map_err(failed)?;
    session.insert("guesses", [50]).map_err(failed)?;
    let json = commands::session_json(&session)?;
    let json = json.trim_end();
    out.push_str(&format!(
        "\n2. A \"guess the number\" session, holding the answer\n   {json}\n"
    ));

    // 3. Signed only, as Flask does by default.
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let now = sealed_session::now();
    let signed = flask::sign(&secret, json.as_bytes(), now)
        .ok_or_else(|| Failure::input("HMAC-SHA1 refused the demo secret"))?;
    let seen = inspect::inspect(&signed);
    let leaked = seen
        .get("payload")
        .and_then(|payload| payload.get("answer"))
        .map_or_else(|| "nothing?".to_owned(), Value::to_string);
    out.push_str(&format!(
        "\n3. Signed only: Flask's default session cookie (itsdangerous, HMAC-SHA1)\n   \
         {COOKIE_NAME}={signed}\n   \
         Anyone who holds it can read it, with no key (`sealed-session inspect`):\n   \
         {seen}\n   \
         The answer leaks: {leaked}. A signature stops changes, not reading.\n"
    ));

    // 4. Sealed.
    let sealed = commands::seal_v1(
        &keys,
        &session,
        COOKIE_NAME.as_bytes(),
        Compression::Above(1024),
        Some(now),
    )?;
    let peeked = inspect::inspect(&sealed);
    out.push_str(&format!(
        "\n4. Sealed: AES-256-EAX in envelope v1, bound to the cookie name \"{COOKIE_NAME}\"\n   \
         {COOKIE_NAME}={sealed}\n   \
         What `sealed-session inspect` tells without the key:\n   \
         {peeked}\n   \
         The key id, the issue time and the length: nothing about the answer.\n"
    ));

    // 5. Opened with the key.
    let opened = commands::open_v1(&keys, &sealed, COOKIE_NAME.as_bytes(), None, Some(now))?;
    let opened_json = commands::session_json(&opened)?;
    out.push_str(&format!(
        "\n5. Opened with the key\n   {}\n",
        opened_json.trim_end()
    ));

    // 6. One character changed.
    let (position, tampered) = tamper(&sealed);
    let reason = match commands::open_v1(&keys, &tampered, COOKIE_NAME.as_bytes(), None, Some(now))
    {
        Err(Failure::Rejected(reason)) => reason,
        Err(other) => return Err(other),
        Ok(_) => return Err(Failure::input("a tampered cookie opened")),
    };
    let was = sealed.chars().nth(position).unwrap_or('?');
    let now_is = tampered.chars().nth(position).unwrap_or('?');
    out.push_str(&format!(
        "\n6. One character changed (character {}: '{was}' -> '{now_is}')\n   \
         {COOKIE_NAME}={tampered}\n   \
         Rejected: {reason}. (`sealed-session open` exits with status 1 and says only that.)\n",
        position + 1
    ));

    // 7. Sizes.
    out.push_str(&format!(
        "\n7. Sizes\n   \
         session JSON          {:>4} bytes\n   \
         Flask signed cookie   {:>4} characters  (readable by anyone)\n   \
         sealed cookie         {:>4} characters  (secret and tamper-proof: {OVERHEAD} bytes of \
         header, nonce and tag, then base64url)\n",
        json.len(),
        signed.len(),
        sealed.len(),
    ));
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
