//! AES-256-EAX (Bellare, Rogaway, Wagner 2004) with per-key state expanded once.
//!
//! The `eax` crate re-expands the AES key and re-derives the CMAC subkeys on
//! every call. Here a [`CipherKey`] holds the expanded AES-256 encryption key,
//! the CMAC subkeys `K1`/`K2`, and the encrypted tweak blocks
//! `E(0^15 || t)` for `t = 0, 1, 2`, all computed once.
//!
//! Every operation runs inside a single call to the AES backend and is
//! inlined into it, so the backend's block function inlines too (it carries
//! `#[target_feature]`, which our code cannot), and CTR runs in the same
//! pass as the CMAC of the ciphertext: the MAC is a serial chain, and the
//! independent keystream blocks fill the AES units while each MAC step
//! waits for the previous one. EAX then costs about what serial CBC does.
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
///
/// `Clone` copies it by value (without `alloc`, and for tests);
/// [`ExpandedKey`] clones into a new allocation in place instead.
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
    /// Expands `key`, returned by value, leaving the expansion's temporaries
    /// where they are: for keyrings without `alloc` (whose every move copies
    /// the state anyway), the fuzzing hooks (which expand per call, as the
    /// `eax` crate they are compared with does) and the tests. With `alloc`,
    /// keyrings use [`ExpandedKey::new`].
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        let mut state = Self {
            aes: Aes256Enc::new(key.into()),
            k1: [0; 16],
            k2: [0; 16],
            tweak: [[0; 16]; 3],
            tweak_only: [[0; 16]; 3],
        };
        state.derive_constants();
        state
    }

    /// A state expanded from the all-zero key: nothing secret, only room
    /// for [`CipherKey::set_key`] to build a real one in.
    #[cfg(feature = "alloc")]
    fn blank() -> Self {
        Self::new(&[0; 32])
    }

    /// Expands `key` into `self`, in place. The `aes` crate returns its
    /// expanded key by value, so the round keys are made on the stack: they
    /// are swapped into place and the stack slot, which then holds the
    /// state they replace, is wiped by its drop. The frames below this one
    /// (the key expansion's, and those of the block encryptions that derive
    /// the EAX constants) still hold copies: callers run [`wipe_stack`]
    /// after it, which is why it is never inlined.
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn set_key(&mut self, key: &[u8; 32]) {
        let mut aes = Aes256Enc::new(key.into());
        core::mem::swap(&mut self.aes, &mut aes);
        drop(aes);
        self.derive_constants();
    }

    /// The CMAC subkeys and tweak blocks, from `self.aes`.
    fn derive_constants(&mut self) {
        let mut l = [0u8; 16];
        self.aes.encrypt_block((&mut l).into());
        self.k1 = dbl(&l);
        self.k2 = dbl(&self.k1);
        l.zeroize();
        for t in 0..3 {
            self.tweak[t] = [0; 16];
            self.tweak[t][15] = t as u8;
            self.tweak_only[t] = xor(&self.tweak[t], &self.k1);
            self.aes.encrypt_block((&mut self.tweak[t]).into());
            self.aes.encrypt_block((&mut self.tweak_only[t]).into());
        }
    }

    /// Makes `self` a copy of `other`, in place, as [`CipherKey::set_key`]
    /// does (callers run [`wipe_stack`] after it).
    #[cfg(feature = "alloc")]
    #[inline(never)]
    fn copy_from(&mut self, other: &Self) {
        let mut aes = other.aes.clone();
        core::mem::swap(&mut self.aes, &mut aes);
        drop(aes);
        self.k1 = other.k1;
        self.k2 = other.k2;
        self.tweak = other.tweak;
        self.tweak_only = other.tweak_only;
    }

    /// Encrypts `msg` in place and returns the tag. The associated data is
    /// the concatenation of `aad` (streamed, never copied).
    pub(crate) fn encrypt(&self, nonce: &[u8], aad: &[&[u8]], msg: &mut [u8]) -> [u8; TAG_LEN] {
        let mut tag = [0u8; TAG_LEN];
        self.run(Job {
            key: self,
            nonce,
            aad,
            msg,
            op: Op::Encrypt(&mut tag),
        });
        tag
    }

    /// Decrypts `msg` in place if `tag` verifies over it (the ciphertext).
    /// The keystream is applied in the same pass as the MAC; when the tag
    /// does not verify it is applied again, so on `Err(())` `msg` holds the
    /// ciphertext it held before: no unverified plaintext is returned.
    pub(crate) fn decrypt(
        &self,
        nonce: &[u8],
        aad: &[&[u8]],
        msg: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let mut ok = false;
        self.run(Job {
            key: self,
            nonce,
            aad,
            msg,
            op: Op::Decrypt { tag, ok: &mut ok },
        });
        if ok { Ok(()) } else { Err(()) }
    }

    /// Runs `job` with the AES backend, in one function for both
    /// directions. Inlined into `encrypt` and `decrypt`, the software
    /// backend's operation was two copies of 11 and 12 KB in the WASM
    /// module; now the OMACs of the nonce and the associated data and the
    /// backend's setup are one copy, and only the CTR and MAC pass is
    /// still specialized per direction (one branch per operation chooses
    /// it). Hardware backends are reached through a `#[target_feature]`
    /// function either way, so this adds one call per operation there.
    #[inline(never)]
    fn run(&self, job: Job<'_>) {
        self.aes.encrypt_with_backend(job);
    }
}

/// The expanded state of one key, where it stays until it is dropped and
/// wiped.
///
/// With `alloc`, the state lives in one heap allocation of its own, built
/// in place, and the stack below its expansion is overwritten: moving the
/// handle (and so a `Keyring`, a `Codec` or a `LegacyCodec`) copies a
/// pointer and no key bytes, and a clone is built in a new allocation the
/// same way. Without `alloc` the state is inline (368 bytes on x86-64), and
/// every move of its owner copies it, leaving the old copy: the stack is
/// not wiped then either, which would cost a large stack frame (see
/// [`wipe_stack`]) for little.
pub(crate) struct ExpandedKey(
    #[cfg(feature = "alloc")] alloc::boxed::Box<CipherKey>,
    #[cfg(not(feature = "alloc"))] CipherKey,
);

impl ExpandedKey {
    /// Expands `key` where it will stay (with `alloc`).
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        #[cfg(feature = "alloc")]
        {
            let mut state = alloc::boxed::Box::new(CipherKey::blank());
            state.set_key(key);
            wipe_stack();
            Self(state)
        }
        #[cfg(not(feature = "alloc"))]
        {
            Self(CipherKey::new(key))
        }
    }
}

impl Clone for ExpandedKey {
    fn clone(&self) -> Self {
        #[cfg(feature = "alloc")]
        {
            let mut state = alloc::boxed::Box::new(CipherKey::blank());
            state.copy_from(&self.0);
            wipe_stack();
            Self(state)
        }
        #[cfg(not(feature = "alloc"))]
        {
            Self(self.0.clone())
        }
    }
}

impl core::ops::Deref for ExpandedKey {
    type Target = CipherKey;

    fn deref(&self) -> &CipherKey {
        &self.0
    }
}

/// Bytes of stack [`wipe_stack`] overwrites: more than the deepest call
/// chain of key expansion and block encryption leaves. `tests/residue.rs`
/// measured about 3 KiB in release builds and 12 KiB in debug builds on
/// x86-64 with AVX-512.
#[cfg(feature = "alloc")]
const WIPE_STACK_LEN: usize = (if cfg!(debug_assertions) { 16 } else { 8 }) * 1024;

/// Overwrites the stack just below the caller's frame, where the functions
/// it called last left their locals: the `aes` crate's key expansion
/// returns round keys by value, and its block functions keep the round
/// keys they use in registers that spill to the stack, or (AVX-512 VAES)
/// in a table of broadcast copies on it. Called after a key is expanded or
/// copied; not after each seal or open, which leave the same kind of
/// copies (see the crate docs, "Key material in memory"). Only with
/// `alloc`: its frame is [`WIPE_STACK_LEN`] bytes, too much for the small
/// stacks of targets without an allocator.
#[cfg(feature = "alloc")]
#[inline(never)]
pub(crate) fn wipe_stack() {
    let mut area = [0u64; WIPE_STACK_LEN / 8];
    area.zeroize();
    core::hint::black_box(&mut area);
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
    // `inline(always)` all the way down: the whole operation then inlines
    // into the AES backend's `#[target_feature]` function, where the
    // backend's own block functions can inline too. Without it every block
    // is a call across the feature boundary, with the state in memory.
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, aes: &B) {
        let k = self.key;
        let n = omac(aes, k, 0, &[self.nonce]);
        let h = omac(aes, k, 1, self.aad);
        match self.op {
            Op::Encrypt(tag) => {
                let c = ctr_and_omac(aes, k, &n, self.msg, Direction::Encrypt);
                *tag = xor(&xor(&n, &h), &c);
            }
            Op::Decrypt { tag, ok } => {
                // The CTR pass runs alongside the MAC, so `msg` holds
                // plaintext before the tag is checked. It never leaves this
                // function unverified: on a mismatch the same keystream is
                // applied again, restoring the ciphertext.
                let c = ctr_and_omac(aes, k, &n, self.msg, Direction::Decrypt);
                let expected = xor(&xor(&n, &h), &c);
                if bool::from(expected.ct_eq(tag)) {
                    *ok = true;
                } else {
                    ctr(aes, &n, self.msg);
                }
            }
        }
    }
}

/// Which way [`ctr_and_omac`] runs: the MAC always covers the ciphertext.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Encrypt,
    Decrypt,
}

/// OMAC^t (CMAC of `0^15 || t || data`) over the concatenation of `parts`.
#[inline(always)]
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
                for block in blocks.as_chunks::<16>().0 {
                    state = xor(&state, block);
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
    finish(aes, k, &mut state, &pending[..pending_len]);
    state
}

/// CTR from `iv` over `msg` in place, and OMAC^2 of the ciphertext, in one
/// pass: the MAC is a serial chain of block encryptions, and the keystream
/// blocks, which depend on nothing but the counter, fill the AES units while
/// each MAC step waits for the one before.
#[inline(always)]
fn ctr_and_omac<B: BlockCipherEncBackend<BlockSize = U16>>(
    aes: &B,
    k: &CipherKey,
    iv: &Block,
    msg: &mut [u8],
    direction: Direction,
) -> Block {
    if msg.is_empty() {
        return k.tweak_only[2];
    }
    let mut state = k.tweak[2];
    let mut counter = u128::from_be_bytes(*iv);
    // Every block but the last, which CMAC finishes differently.
    let (body, last) = msg.split_at_mut((msg.len() - 1) / 16 * 16);
    let (blocks, _) = body.as_chunks_mut::<16>();
    let par = <B as ParBlocksSizeUser>::ParBlocksSize::USIZE;
    // Software AES (the `aes` crate's fixslice backend, 2 or 4 blocks a
    // batch): each MAC step rides in a batch with the keystream.
    if par <= RIDING_MAX_PAR {
        return ctr_and_omac_riding(aes, k, counter, state, blocks, last, direction);
    }
    // Backends that gain from batching (AES-NI without VAES) take whole
    // batches first; wide ones (VAES: 30 or 64 blocks) none.
    let batched = if (2..=8).contains(&par) {
        blocks.len() / par * par
    } else {
        0
    };
    let (batches, rest) = blocks.split_at_mut(batched);
    if batched > 0 {
        // One batch of keystream, then the MAC over its blocks.
        let mut keystream = ParBlocks::<B>::default();
        for batch in batches.chunks_exact_mut(par) {
            for ks in keystream.iter_mut() {
                ks.copy_from_slice(&counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            aes.encrypt_par_blocks((&mut keystream).into());
            for (block, ks) in batch.iter_mut().zip(keystream.iter()) {
                step(aes, &mut state, block, &ks.0, direction);
            }
        }
        keystream.iter_mut().for_each(|b| b.zeroize());
    }
    // Block by block: the rest of a batched message, or all of it where
    // batches are wide. (Taking only the remainder of wide batches left the
    // first 64 blocks of longer messages unencrypted and unauthenticated on
    // VAES-512 machines: found by the eax_differential fuzz target.) The
    // keystream stays in registers here: wiping a copy on the stack would
    // force it out of them and byte-wise XORs with it.
    for block in rest {
        let mut ks = counter.to_be_bytes();
        counter = counter.wrapping_add(1);
        encrypt(aes, &mut ks);
        step(aes, &mut state, block, &ks, direction);
    }
    let mut ks = counter.to_be_bytes();
    encrypt(aes, &mut ks);
    if direction == Direction::Encrypt {
        apply(last, &ks);
    }
    finish(aes, k, &mut state, last);
    if direction == Direction::Decrypt {
        apply(last, &ks);
    }
    state
}

/// The widest batch [`ctr_and_omac_riding`] serves: the software
/// backends' (4 blocks with 64-bit words, 2 with 32-bit ones: the npm
/// package's WASM module is built with 32-bit words, where each batch is
/// exactly a MAC step and the next block's keystream). Hardware
/// backends batch 8 or more and encrypt one block fast.
const RIDING_MAX_PAR: usize = 4;

/// [`ctr_and_omac`] for software AES. There one block costs about what a
/// whole batch does (the bitsliced rounds run over every lane, and a single
/// block's narrower words are no cheaper, or dearer where the machine has
/// no such width, as in WebAssembly), so each MAC step takes a batch of
/// its own and carries keystream blocks for the blocks after it in the
/// other lanes: one batch per block of the message, where a batch of
/// keystream per `par` blocks and a single block per MAC step took
/// `1 + 1/par` batches' worth.
///
/// `counter` is the first keystream block's counter and `state` the MAC
/// state before the message, as [`ctr_and_omac`] set them up; `blocks` the
/// message's whole blocks but the last, `last` its final 1 to 16 bytes.
#[inline(always)]
fn ctr_and_omac_riding<B: BlockCipherEncBackend<BlockSize = U16>>(
    aes: &B,
    k: &CipherKey,
    mut counter: u128,
    mut state: Block,
    blocks: &mut [Block],
    last: &mut [u8],
    direction: Direction,
) -> Block {
    /// Keystream made ahead, a ring: room for a batch beyond the one in use.
    const AHEAD: usize = 2 * RIDING_MAX_PAR;
    let mut ahead = [[0u8; 16]; AHEAD];
    let (mut head, mut queued) = (0usize, 0usize);
    let mut lanes = ParBlocks::<B>::default();
    for block in blocks.iter_mut() {
        if queued == 0 {
            // Before the first block only: a batch of keystream alone.
            for lane in lanes.iter_mut() {
                lane.copy_from_slice(&counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            aes.encrypt_par_blocks((&mut lanes).into());
            for lane in lanes.iter() {
                ahead[(head + queued) % AHEAD].copy_from_slice(lane);
                queued += 1;
            }
        }
        let ks = ahead[head];
        head = (head + 1) % AHEAD;
        queued -= 1;
        if direction == Direction::Encrypt {
            *block = xor(block, &ks);
        }
        // Lane 0: this block's MAC step; the others: keystream for later
        // blocks, while the ring has room (a lane left over encrypts what
        // it held, and its output is dropped).
        lanes[0].copy_from_slice(&xor(&state, block));
        let mut made = 0;
        for lane in lanes.iter_mut().skip(1) {
            if queued + made == AHEAD {
                break;
            }
            lane.copy_from_slice(&counter.to_be_bytes());
            counter = counter.wrapping_add(1);
            made += 1;
        }
        aes.encrypt_par_blocks((&mut lanes).into());
        state.copy_from_slice(&lanes[0]);
        for lane in lanes.iter().skip(1).take(made) {
            ahead[(head + queued) % AHEAD].copy_from_slice(lane);
            queued += 1;
        }
        if direction == Direction::Decrypt {
            *block = xor(block, &ks);
        }
    }
    let mut ks = if queued > 0 {
        ahead[head]
    } else {
        let mut ks = counter.to_be_bytes();
        encrypt(aes, &mut ks);
        ks
    };
    if direction == Direction::Encrypt {
        apply(last, &ks);
    }
    finish(aes, k, &mut state, last);
    if direction == Direction::Decrypt {
        apply(last, &ks);
    }
    ks.zeroize();
    ahead.iter_mut().for_each(Zeroize::zeroize);
    lanes.iter_mut().for_each(|lane| lane.zeroize());
    state
}

/// One whole block of [`ctr_and_omac`]: the keystream `ks` applied, and the
/// ciphertext absorbed into the MAC.
#[inline(always)]
fn step<B: BlockCipherEncBackend<BlockSize = U16>>(
    aes: &B,
    state: &mut Block,
    block: &mut Block,
    ks: &Block,
    direction: Direction,
) {
    if direction == Direction::Encrypt {
        *block = xor(block, ks);
    }
    *state = xor(state, block);
    encrypt(aes, state);
    if direction == Direction::Decrypt {
        *block = xor(block, ks);
    }
}

/// `data ^= ks`, over `data`'s length.
#[inline(always)]
fn apply(data: &mut [u8], ks: &[u8]) {
    for (b, k) in data.iter_mut().zip(ks) {
        *b ^= k;
    }
}

/// The CMAC state after one more whole block that is not the last.
#[inline(always)]
fn absorb<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, state: &mut Block, block: &Block) {
    *state = xor(state, block);
    encrypt(aes, state);
}

/// CMAC's last step over the final `last` bytes (1 to 16; none only when
/// the whole input was empty, which callers handle with `tweak_only`).
#[inline(always)]
fn finish<B: BlockCipherEncBackend<BlockSize = U16>>(
    aes: &B,
    k: &CipherKey,
    state: &mut Block,
    last: &[u8],
) {
    if last.len() == 16 {
        apply(state, last);
        apply(state, &k.k1);
    } else {
        apply(state, last);
        state[last.len()] ^= 0x80;
        apply(state, &k.k2);
    }
    encrypt(aes, state);
}

/// CTR mode with a 128-bit big-endian counter starting at `iv`.
#[inline(always)]
fn ctr<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, iv: &Block, msg: &mut [u8]) {
    let mut counter = u128::from_be_bytes(*iv);
    for chunk in msg.chunks_mut(16) {
        let mut ks: Block = counter.to_be_bytes();
        counter = counter.wrapping_add(1);
        encrypt(aes, &mut ks);
        apply(chunk, &ks);
    }
}

/// One block through the backend, in place.
#[inline(always)]
fn encrypt<B: BlockCipherEncBackend<BlockSize = U16>>(aes: &B, block: &mut Block) {
    let block: &mut aes::Block = block.into();
    aes.encrypt_block(block.into());
}

#[inline(always)]
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

    /// A backend that encrypts `P` blocks per batch through the real
    /// cipher, block by block: with `P` = 2 or 4 it drives the riding path
    /// of [`ctr_and_omac`] (software AES), with 8 the batched one (AES-NI
    /// without VAES), on this machine, whatever backend the `aes` crate
    /// picks here.
    struct Batched<'a, P>(&'a Aes256Enc, core::marker::PhantomData<P>);

    impl<P> BlockSizeUser for Batched<'_, P> {
        type BlockSize = U16;
    }

    impl<P: aes::cipher::array::ArraySize> ParBlocksSizeUser for Batched<'_, P> {
        type ParBlocksSize = P;
    }

    impl<P: aes::cipher::array::ArraySize> BlockCipherEncBackend for Batched<'_, P> {
        fn encrypt_block(&self, block: aes::cipher::InOut<'_, '_, aes::Block>) {
            self.0.encrypt_block_inout(block);
        }
    }

    fn batched_encrypt<P: aes::cipher::array::ArraySize>(
        k: &CipherKey,
        nonce: &[u8],
        aad: &[u8],
        msg: &mut [u8],
    ) -> Block {
        let mut tag = [0u8; TAG_LEN];
        let job = Job {
            key: k,
            nonce,
            aad: &[aad],
            msg,
            op: Op::Encrypt(&mut tag),
        };
        job.call(&Batched::<P>(&k.aes, core::marker::PhantomData));
        tag
    }

    fn batched_decrypt<P: aes::cipher::array::ArraySize>(
        k: &CipherKey,
        nonce: &[u8],
        aad: &[u8],
        msg: &mut [u8],
        tag: &Block,
    ) -> bool {
        let mut ok = false;
        let job = Job {
            key: k,
            nonce,
            aad: &[aad],
            msg,
            op: Op::Decrypt { tag, ok: &mut ok },
        };
        job.call(&Batched::<P>(&k.aes, core::marker::PhantomData));
        ok
    }

    /// Both paths (wide-batch backends go block by block), every length
    /// around the batch and block boundaries: the same ciphertext and tag,
    /// both open each other's output, and a failed open leaves the
    /// ciphertext as it was.
    #[test]
    fn batched_and_blockwise_paths_agree_and_failures_restore_the_ciphertext() {
        use aes::cipher::consts::{U2, U4, U8};
        paths_agree::<U2>();
        paths_agree::<U4>();
        paths_agree::<U8>();
    }

    fn paths_agree<P: aes::cipher::array::ArraySize>() {
        let k = CipherKey::new(&[0x42; 32]);
        let nonce = [0x24u8; 16];
        let aad = *b"header and context";
        let mut plain = [0u8; 1200];
        for (i, b) in plain.iter_mut().enumerate() {
            *b = (i * 7 + 1) as u8;
        }
        // Past 64 blocks, the widest batch (VAES-512), and then some.
        for len in (0..200).chain((1000..1100).step_by(3)).chain(1190..1200) {
            let (mut a, mut b) = (plain, plain);
            let (a, b) = (&mut a[..len], &mut b[..len]);
            let tag = k.encrypt(&nonce, &[&aad], a);
            assert_eq!(batched_encrypt::<P>(&k, &nonce, &aad, b), tag, "len {len}");
            assert_eq!(a, b, "len {len}");

            let mut opened = [0u8; 1200];
            let opened = &mut opened[..len];
            opened.copy_from_slice(a);
            assert!(batched_decrypt::<P>(&k, &nonce, &aad, opened, &tag));
            assert_eq!(opened, &plain[..len]);
            opened.copy_from_slice(a);
            assert_eq!(k.decrypt(&nonce, &[&aad], opened, &tag), Ok(()));
            assert_eq!(opened, &plain[..len]);

            let mut bad = tag;
            bad[len % 16] ^= 1;
            let kept = opened;
            kept.copy_from_slice(a);
            assert_eq!(k.decrypt(&nonce, &[&aad], kept, &bad), Err(()));
            assert_eq!(kept, a, "len {len}");
            assert!(!batched_decrypt::<P>(&k, &nonce, &aad, kept, &bad));
            assert_eq!(kept, a, "len {len}");
        }
    }
}
