//! The core's EAX against the `eax` crate: `eax_differential`.

use eax::aead::{AeadInOut, KeyInit};
use sealed_session_core::__private::{eax_decrypt, eax_encrypt};

use super::{Input, Violation, ensure};

/// The oracle: RustCrypto's EAX over AES-256.
type Oracle = eax::Eax<aes::Aes256>;

/// Our EAX against the `eax` crate.
///
/// Layout: key (32 bytes), nonce (16 bytes), AAD length (byte) and AAD, a
/// tamper position (u16), then the message.
///
/// Invariants: same ciphertext and tag; both open their own output; after one
/// bit of the nonce, AAD, ciphertext or tag is flipped, both refuse, and ours
/// leaves the buffer unchanged.
///
/// # Errors
/// The invariant that failed.
pub fn eax_differential(data: &[u8]) -> Result<(), Violation> {
    let mut input = Input(data);
    let key = input.array::<32>();
    let nonce = input.array::<16>();
    let aad_len = usize::from(input.byte());
    let aad = input.bytes(aad_len).to_vec();
    let tamper = usize::from(input.u16());
    let msg = input.rest();

    let mut ours = msg.to_vec();
    let tag = eax_encrypt(&key, &nonce, &aad, &mut ours);
    let oracle = Oracle::new(&key.into());
    let mut theirs = msg.to_vec();
    let their_tag = oracle
        .encrypt_inout_detached(&nonce.into(), &aad, theirs.as_mut_slice().into())
        .map_err(|_| Violation("eax_differential: the eax crate refuses to encrypt"))?;
    ensure(
        ours == theirs && tag[..] == their_tag[..],
        "eax_differential: ciphertext or tag differs",
    )?;

    let mut opened = ours.clone();
    ensure(
        eax_decrypt(&key, &nonce, &aad, &mut opened, &tag) == Ok(()) && opened == msg,
        "eax_differential: ours does not open its own output",
    )?;
    let mut opened = theirs.clone();
    ensure(
        oracle
            .decrypt_inout_detached(
                &nonce.into(),
                &aad,
                opened.as_mut_slice().into(),
                &their_tag,
            )
            .is_ok()
            && opened == msg,
        "eax_differential: the eax crate does not open its output",
    )?;

    // Flip one bit of nonce || aad || ciphertext || tag.
    let (mut nonce, mut aad, mut ct, mut tag) = (nonce, aad, ours, tag);
    let bits = 8 * (nonce.len() + aad.len() + ct.len() + tag.len());
    let mut bit = tamper % bits;
    for part in [&mut nonce[..], &mut aad[..], &mut ct[..], &mut tag[..]] {
        if bit < 8 * part.len() {
            part[bit / 8] ^= 1 << (bit % 8);
            break;
        }
        bit -= 8 * part.len();
    }
    let mut ours = ct.clone();
    ensure(
        eax_decrypt(&key, &nonce, &aad, &mut ours, &tag) == Err(()) && ours == ct,
        "eax_differential: ours opens a tampered message or changes the buffer",
    )?;
    let mut theirs = ct.clone();
    ensure(
        oracle
            .decrypt_inout_detached(
                &nonce.into(),
                &aad,
                theirs.as_mut_slice().into(),
                &tag.into(),
            )
            .is_err(),
        "eax_differential: the eax crate opens a tampered message",
    )
}
