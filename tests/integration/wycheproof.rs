//! Project Wycheproof AES-EAX vectors (tests/data/aes_eax_test.json, see
//! aes_eax_test.SOURCE.txt) through the crate's own EAX layer, and through
//! the `eax` crate as a cross-check of the harness itself.

use aes::Aes256;
use eax::aead::{AeadInOut, KeyInit};
use eax::{Eax, Nonce, Tag};
use sealed_session_core::__private::{eax_decrypt, eax_encrypt};

use crate::support::{hex, read_json};

struct Case {
    id: u64,
    key: [u8; 32],
    iv: Vec<u8>,
    aad: Vec<u8>,
    msg: Vec<u8>,
    ct: Vec<u8>,
    tag: [u8; 16],
    valid: bool,
}

/// Every case with a 256-bit key, 128-bit nonce and 128-bit tag.
fn cases() -> Vec<Case> {
    let file = read_json("aes_eax_test.json");
    let mut out = Vec::new();
    for group in file["testGroups"].as_array().unwrap() {
        if group["keySize"] != 256 || group["ivSize"] != 128 || group["tagSize"] != 128 {
            continue;
        }
        for t in group["tests"].as_array().unwrap() {
            let s = |k: &str| hex(t[k].as_str().unwrap());
            let result = t["result"].as_str().unwrap();
            assert!(result == "valid" || result == "invalid", "{result}");
            out.push(Case {
                id: t["tcId"].as_u64().unwrap(),
                key: s("key").try_into().unwrap(),
                iv: s("iv"),
                aad: s("aad"),
                msg: s("msg"),
                ct: s("ct"),
                tag: s("tag").try_into().unwrap(),
                valid: result == "valid",
            });
        }
    }
    out
}

#[test]
fn counts_match_the_source_note() {
    let cases = cases();
    assert_eq!(cases.len(), 56);
    assert_eq!(cases.iter().filter(|c| c.valid).count(), 29);
    assert_eq!(cases.iter().filter(|c| !c.valid).count(), 27);
    assert_eq!(cases.first().map(|c| c.id), Some(158));
    assert_eq!(cases.last().map(|c| c.id), Some(213));
}

#[test]
fn our_eax_passes_every_case() {
    let mut ran = 0;
    for c in cases() {
        let mut buf = c.ct.clone();
        let opened = eax_decrypt(&c.key, &c.iv, &c.aad, &mut buf, &c.tag);
        if c.valid {
            assert_eq!(opened, Ok(()), "tcId {}", c.id);
            assert_eq!(buf, c.msg, "tcId {}", c.id);
            let mut sealed = c.msg.clone();
            let tag = eax_encrypt(&c.key, &c.iv, &c.aad, &mut sealed);
            assert_eq!(sealed, c.ct, "tcId {}", c.id);
            assert_eq!(tag, c.tag, "tcId {}", c.id);
        } else {
            assert_eq!(opened, Err(()), "tcId {}", c.id);
            assert_eq!(
                buf, c.ct,
                "failed open must leave the buffer alone, tcId {}",
                c.id
            );
        }
        ran += 1;
    }
    assert_eq!(ran, 56);
}

#[test]
fn eax_crate_agrees_on_every_case() {
    for c in cases() {
        let cipher = Eax::<Aes256>::new(&c.key.into());
        let nonce = Nonce::try_from(&c.iv[..]).unwrap();
        let tag = Tag::try_from(&c.tag[..]).unwrap();
        let mut buf = c.ct.clone();
        let r = cipher.decrypt_inout_detached(&nonce, &c.aad, buf.as_mut_slice().into(), &tag);
        assert_eq!(r.is_ok(), c.valid, "tcId {}", c.id);
        if c.valid {
            assert_eq!(buf, c.msg, "tcId {}", c.id);
        }
    }
}
