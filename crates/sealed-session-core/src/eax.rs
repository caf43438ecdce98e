//! AES-256-EAX (Bellare, Rogaway, Wagner 2004) with per-key state expanded once.
//!
//! The `eax` crate re-expands the AES key and re-derives the CMAC subkeys on
//! every call. Here a [`CipherKey`] holds the expanded AES-256 encryption key,
//! the CMAC subkeys `K1`/`K2`, and the encrypted tweak blocks
//! `E(0^15 || t)` for `t = 0, 1, 2`, all computed once. Every operation runs
//! inside a single call to the AES backend, so no per-block dispatch remains.
//!
//! The `eax` crate stays the oracle: Wycheproof vectors and a differential
//! property test compare the two on arbitrary inputs (see `tests/`).

use aes::Aes256Enc;
use aes::cipher::{
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit,
    ParBlocks, ParBlocksSizeUser, consts::U16, typenum::Unsigned,
};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// EAX tag length in bytes (full AES block).
pub(crate) const TAG_LEN: usize = 16;

type Block = [u8; 16];

/// Expanded per-key EAX state. Wiped on drop.
#[derive(Clone, ZeroizeOnDrop)]
pub(crate) struct CipherKey {
    /// Wipes itself on drop (`aes/zeroize`).
    #[zeroize(skip)]
    aes: Aes256Enc,
    k1: Block,
    k2: Block,
    /// `E(0^15 || t)`: the first CMAC step of OMAC^t when more data follows.
    tweak: [Block; 3],
    /// `E((0^15 || t) ^ K1)`: OMAC^t of the empty string.
    tweak_only: [Block; 3],
}

impl CipherKey {
    /// Expands `key` once.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        let aes = Aes256Enc::new(key.into());
        let mut l = [0u8; 16];
        aes.encrypt_block((&mut l).into());
        let k1 = dbl(&l);
        let k2 = dbl(&k1);
        l.zeroize();
        let mut tweak = [[0u8; 16]; 3];
        let mut tweak_only = [[0u8; 16]; 3];
        for t in 0..3 {
            tweak[t][15] = t as u8;
            tweak_only[t] = xor(&tweak[t], &k1);
            aes.encrypt_block((&mut tweak[t]).into());
            aes.encrypt_block((&mut tweak_only[t]).into());
        }
        Self {
            aes,
            k1,
            k2,
            tweak,
            tweak_only,
        }
    }

    /// Encrypts `msg` in place and returns the tag. The associated data is
    /// the concatenation of `aad` (streamed, never copied).
    pub(crate) fn encrypt(&self, nonce: &[u8], aad: &[&[u8]], msg: &mut [u8]) -> [u8; TAG_LEN] {
        let mut tag = [0u8; TAG_LEN];
        self.aes.encrypt_with_backend(Job {
            key: self,
            nonce,
            aad,
            msg,
            op: Op::Encrypt(&mut tag),
        });
        tag
    }

    /// Verifies `tag` over `msg` (the ciphertext) and only then decrypts it in
    /// place. On failure `msg` is left as it was and `Err(())` is returned.
    pub(crate) fn decrypt(
        &self,
        nonce: &[u8],
        aad: &[&[u8]],
        msg: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let mut ok = false;
        self.aes.encrypt_with_backend(Job {
            key: self,
            nonce,
            aad,
            msg,
            op: Op::Decrypt { tag, ok: &mut ok },
        });
        if ok { Ok(()) } else { Err(()) }
    }
}

enum Op<'a> {
    Encrypt(&'a mut [u8; TAG_LEN]),
    Decrypt {
        tag: &'a [u8; TAG_LEN],
        ok: &'a mut bool,
    },
}

/// One EAX operation, run with the AES backend in hand.
struct Job<'a> {
    key: &'a CipherKey,
    nonce: &'a [u8],
    aad: &'a [&'a [u8]],
    msg: &'a mut [u8],
    op: Op<'a>,
}

impl BlockSizeUser for Job<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for Job<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, aes: &B) {
        let k = self.key;
        let n = omac(aes, k, 0, &[self.nonce]);
        let h = omac(aes, k, 1, self.aad);
        match self.op {
            Op::Encrypt(tag) => {
                ctr(aes, &n, self.msg);
                let c = omac(aes, k, 2, &[self.msg]);
                *tag = xor(&xor(&n, &h), &c);
            }
            Op::Decrypt { tag, ok } => {
                let c = omac(aes, k, 2, &[self.msg]);
                let expected = xor(&xor(&n, &h), &c);
                if bool::from(expected.ct_eq(tag)) {
                    ctr(aes, &n, self.msg);
                    *ok = true;
                }
            }
        }
    }
}

/// OMAC^t (CMAC of `0^15 || t || data`) over the concatenation of `parts`.
fn omac<B: BlockCipherEncBackend<BlockSize = U16>>(
    aes: &B,
    k: &CipherKey,
    t: usize,
    parts: &[&[u8]],
) -> Block {
    if parts.iter().all(|p| p.is_empty()) {
        return k.tweak_only[t];
    }
    let mut state = k.tweak[t];
    // `pending` holds the last (up to 16) bytes seen, which CMAC must treat
    // specially if nothing follows them.
    let mut pending = [0u8; 16];
    let mut pending_len = 0usize;
    for part in parts {
        let mut rest: &[u8] = part;
        while !rest.is_empty() {
            if pending_len == 16 {
                absorb(aes, &mut state, &pending);
                pending_len = 0;
            }
            if pending_len == 0 && rest.len() > 16 {
                // Whole blocks straight from the input, keeping at least one
                // byte back for the final step.
                let whole = (rest.len() - 1) / 16 * 16;
                let (blocks, tail) = rest.split_at(whole);
                for block in blocks.chunks_exact(16) {
                    for (s, b) in state.iter_mut().zip(block) {
                        *s ^= b;
                    }
                    encrypt(aes, &mut state);
                }
                rest = tail;
                continue;
            }
            let take = rest.len().min(16 - pending_len);
            let (head, tail) = rest.split_at(take);
            pending[pending_len..pending_len + take].copy_from_slice(head);
            pending_len += take;
            rest = tail;
        }
    }
    if pending_len == 16 {
        state = xor(&xor(&state, &pending), &k.k1);
    } else {
        pending[pending_len] = 0x80;
        pending[pending_len + 1..].fill(0);
        state = xor(&xor(&state, &pending), &k.k2);
    }
    encrypt(aes, &mut state);
    state
}

fn absorb<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, state: &mut Block, block: &Block) {
    *state = xor(state, block);
    encrypt(aes, state);
}

/// CTR mode with a 128-bit big-endian counter starting at `iv`.
fn ctr<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, iv: &Block, msg: &mut [u8]) {
    let par = <B as ParBlocksSizeUser>::ParBlocksSize::USIZE;
    let mut counter = u128::from_be_bytes(*iv);
    let mut keystream = ParBlocks::<B>::default();
    let mut chunks = msg.chunks_mut(16 * par);
    for chunk in &mut chunks {
        let blocks = chunk.len().div_ceil(16);
        if blocks == par {
            for ks in keystream.iter_mut() {
                ks.copy_from_slice(&counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            aes.encrypt_par_blocks((&mut keystream).into());
            for (c, ks) in chunk.chunks_mut(16).zip(keystream.iter()) {
                for (b, k) in c.iter_mut().zip(ks.iter()) {
                    *b ^= k;
                }
            }
        } else {
            for c in chunk.chunks_mut(16) {
                let mut ks: Block = counter.to_be_bytes();
                counter = counter.wrapping_add(1);
                encrypt(aes, &mut ks);
                for (b, k) in c.iter_mut().zip(ks.iter()) {
                    *b ^= k;
                }
            }
        }
    }
    keystream.iter_mut().for_each(|b| b.zeroize());
}

/// One block through the backend, in place.
fn encrypt<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, block: &mut Block) {
    let block: &mut aes::Block = block.into();
    aes.encrypt_block(block.into());
}

fn xor(a: &Block, b: &Block) -> Block {
    let mut out = [0u8; 16];
    for i in 0..16 {
        out[i] = a[i] ^ b[i];
    }
    out
}

/// Doubling in GF(2^128) as CMAC defines it, in constant time.
fn dbl(x: &Block) -> Block {
    let v = u128::from_be_bytes(*x);
    let carry = 0u128.wrapping_sub(v >> 127);
    ((v << 1) ^ (carry & 0x87)).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EAX paper, Appendix G, first vector (AES-128 there; here we check the
    /// AES-256 path against Wycheproof in `tests/`, and the mode logic with
    /// the empty-message, empty-AAD corner).
    #[test]
    fn empty_message_and_aad_round_trip() {
        let k = CipherKey::new(&[7u8; 32]);
        let mut msg = [0u8; 0];
        let tag = k.encrypt(&[1u8; 16], &[], &mut msg);
        assert!(k.decrypt(&[1u8; 16], &[], &mut msg, &tag).is_ok());
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(k.decrypt(&[1u8; 16], &[], &mut msg, &bad).is_err());
    }

    #[test]
    fn split_aad_equals_joined_aad() {
        let k = CipherKey::new(&[9u8; 32]);
        let aad = [5u8; 53];
        for cut in 0..aad.len() {
            let (a, b) = aad.split_at(cut);
            let mut m1 = [3u8; 40];
            let mut m2 = [3u8; 40];
            let t1 = k.encrypt(&[2u8; 16], &[&aad], &mut m1);
            let t2 = k.encrypt(&[2u8; 16], &[a, b], &mut m2);
            assert_eq!(t1, t2);
            assert_eq!(m1, m2);
        }
    }
}
