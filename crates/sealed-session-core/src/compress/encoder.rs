//! The compressor: a raw DEFLATE (RFC 1951) encoder for cookie-sized
//! inputs. Greedy LZ77 over hash chains (4-byte hash, 16 candidates), then
//! one block with dynamic or fixed Huffman codes, whichever is shorter. Its
//! state is sized to the input (a few KiB for a cookie), where
//! miniz_oxide's compressor allocates and clears about 300 KiB per call; on
//! the benchmark payloads it compresses a little better than miniz_oxide's
//! level 4. Every stream it writes is checked by inflating it in the tests
//! below and in the crate's property tests and fuzz targets.

use alloc::vec;
use alloc::vec::Vec;

use super::Wrapping;
use crate::error::{Error, ErrorKind, err};

/// Compresses `input` with the encoder below: raw DEFLATE,
/// or zlib-wrapped (RFC 1950: header, stream, Adler-32) for the legacy
/// format.
///
/// Chosen from the table `cargo xtask bench` prints (benches/RESULTS.md):
/// miniz_oxide's levels 1-3 make cookies longer than the Python package's
/// at 4 or 16 KiB, and levels 4-9 spend most of their time on a fresh
/// compressor state of about 300 KiB per call.
///
/// # Errors
/// [`ErrorKind::TooLarge`] for inputs over [`MAX_DEFLATE_INPUT`], which the
/// encoder's 32-bit positions cannot address (no cookie comes near).
pub(crate) fn deflate(input: &[u8], wrapping: Wrapping) -> Result<Vec<u8>, Error> {
    if input.len() > MAX_DEFLATE_INPUT {
        return err(ErrorKind::TooLarge);
    }
    Ok(match wrapping {
        Wrapping::Raw => deflate_raw(input),
        Wrapping::Zlib => {
            // CMF: DEFLATE with a 32 KiB window; FLG: default level, and
            // the check bits that make `CMF * 256 + FLG` a multiple of 31.
            let mut out = vec![0x78, 0x9c];
            out.extend_from_slice(&deflate_raw(input));
            out.extend_from_slice(&adler32(input).to_be_bytes());
            out
        }
    })
}

/// The longest input [`deflate`] takes: the encoder keeps positions as
/// `u32` with room for the window.
pub(crate) const MAX_DEFLATE_INPUT: usize = (u32::MAX / 2) as usize;

/// Adler-32 (RFC 1950), the zlib trailer.
fn adler32(input: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow `b` before the modulo.
    for chunk in input.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

/// Longest and shortest matches DEFLATE can express (we find matches of at
/// least 4 bytes: the hash covers 4).
const MAX_MATCH: usize = 258;
const MIN_MATCH: usize = 4;
/// Farthest back a match may reach.
const WINDOW: usize = 32 * 1024;
/// Candidates tried per position, and the length past which the search
/// stops.
const MAX_CHAIN: usize = 16;
const NICE_MATCH: usize = 64;
/// Positions of a match entered in the hash chains from its start (the
/// last few are entered too).
const INSERT_MAX: usize = 16;

/// Symbols of the literal/length and distance alphabets, and of the code
/// length alphabet.
const LITLEN_SYMBOLS: usize = 286;
const DIST_SYMBOLS: usize = 30;
const CODELEN_SYMBOLS: usize = 19;
const END_OF_BLOCK: usize = 256;
/// The order code length code lengths are written in (RFC 1951, 3.2.7).
const CODELEN_ORDER: [usize; CODELEN_SYMBOLS] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A match token: bit 31 set, `len - 3` in bits 16..24, `dist - 1` below.
const MATCH: u32 = 1 << 31;

/// Compresses `input` as one raw DEFLATE stream.
pub(crate) fn deflate_raw(input: &[u8]) -> Vec<u8> {
    let mut litlen = [0u32; LITLEN_SYMBOLS];
    let mut dist = [0u32; DIST_SYMBOLS];
    let tokens = tokenize(input, &mut litlen, &mut dist);
    litlen[END_OF_BLOCK] += 1;
    // At least two literal/length codes: an empty input has only the end
    // of block, and a one-code tree is a special case to decoders.
    if litlen.iter().filter(|&&f| f > 0).count() < 2 {
        litlen[0] += 1;
    }
    let mut out = BitWriter::with_capacity(input.len() / 2 + 64);
    write_block(&mut out, &tokens, &litlen, &dist);
    out.finish()
}

/// LZ77 parse of `input` into literal and match tokens, counting symbol
/// frequencies as it goes.
fn tokenize(
    input: &[u8],
    litlen: &mut [u32; LITLEN_SYMBOLS],
    dist: &mut [u32; DIST_SYMBOLS],
) -> Vec<u32> {
    let n = input.len();
    let mut tokens = Vec::with_capacity(n / 2 + 16);
    let mut m = Matcher::new(input);
    let mut pos = 0;
    // Greedy: the longest match found is taken. (One step of lazy
    // matching compressed no better on session JSON, and cost time.)
    while pos < n {
        let (len, distance) = m.find(pos, MIN_MATCH - 1);
        m.insert(pos);
        if len < MIN_MATCH {
            literal(&mut tokens, litlen, input[pos]);
            pos += 1;
            continue;
        }
        matched(&mut tokens, litlen, dist, len, distance);
        // Positions inside a long match are mostly repeats of what the
        // chains hold already: enter the first few, and the last few so
        // that the next match can be found at its nearest (a run of one
        // byte then costs a distance of 1, not of the whole run).
        for p in pos + 1..pos + len.min(INSERT_MAX) {
            m.insert(p);
        }
        for p in (pos + INSERT_MAX).max(pos + len - MIN_MATCH.min(len))..pos + len {
            m.insert(p);
        }
        pos += len;
    }
    tokens
}

/// Hash chains over the input: `head[hash]` is the last position with that
/// hash, `prev[pos]` the one before it; positions are stored plus one, 0
/// meaning none.
struct Matcher<'a> {
    input: &'a [u8],
    head: Vec<u32>,
    prev: Vec<u32>,
    shift: u32,
}

impl<'a> Matcher<'a> {
    fn new(input: &'a [u8]) -> Self {
        // About one slot per input byte, from 256 to 8 K.
        let bits = (usize::BITS - input.len().max(256).leading_zeros()).min(13);
        Self {
            input,
            head: vec![0; 1 << bits],
            prev: vec![0; input.len()],
            shift: 32 - bits,
        }
    }

    /// The hash of the 4 bytes at `pos`, if there are 4.
    #[inline(always)]
    fn hash(&self, pos: usize) -> Option<usize> {
        let bytes = self.input.get(pos..pos + 4)?;
        let word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Some((word.wrapping_mul(0x9E37_79B1) >> self.shift) as usize)
    }

    #[inline(always)]
    fn insert(&mut self, pos: usize) {
        if let Some(h) = self.hash(pos) {
            self.prev[pos] = self.head[h];
            self.head[h] = pos as u32 + 1;
        }
    }

    /// The longest match for `pos` longer than `at_least`, as (length,
    /// distance); (0, 0) when there is none.
    #[inline(always)]
    fn find(&self, pos: usize, at_least: usize) -> (usize, usize) {
        let Some(h) = self.hash(pos) else {
            return (0, 0);
        };
        let here = &self.input[pos..];
        let limit = here.len().min(MAX_MATCH);
        let mut best = (at_least, 0usize);
        let mut candidate = self.head[h] as usize;
        let mut chain = MAX_CHAIN;
        while candidate != 0 && chain > 0 {
            let from = candidate - 1;
            if pos - from > WINDOW {
                break;
            }
            let there = &self.input[from..];
            // Cheap reject: the byte that would make this match longer.
            if best.0 < limit && there[best.0] == here[best.0] {
                let len = common_prefix(there, here, limit);
                if len > best.0 {
                    best = (len, pos - from);
                    if len >= NICE_MATCH.min(limit) {
                        break;
                    }
                }
            }
            candidate = self.prev[from] as usize;
            chain -= 1;
        }
        if best.1 == 0 { (0, 0) } else { best }
    }
}

fn literal(tokens: &mut Vec<u32>, litlen: &mut [u32; LITLEN_SYMBOLS], byte: u8) {
    tokens.push(u32::from(byte));
    litlen[usize::from(byte)] += 1;
}

fn matched(
    tokens: &mut Vec<u32>,
    litlen: &mut [u32; LITLEN_SYMBOLS],
    dist: &mut [u32; DIST_SYMBOLS],
    len: usize,
    distance: usize,
) {
    tokens.push(MATCH | ((len - 3) as u32) << 16 | (distance - 1) as u32);
    litlen[length_code(len - 3).0] += 1;
    dist[distance_code(distance - 1).0] += 1;
}

/// Length of the common prefix of `a` and `b`, at most `limit` (both are at
/// least `limit` long).
fn common_prefix(a: &[u8], b: &[u8], limit: usize) -> usize {
    let mut len = 0;
    while len + 8 <= limit {
        let x = u64::from_le_bytes(word(a, len)) ^ u64::from_le_bytes(word(b, len));
        if x != 0 {
            return len + (x.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    while len < limit && a[len] == b[len] {
        len += 1;
    }
    len
}

fn word(bytes: &[u8], at: usize) -> [u8; 8] {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    w
}

/// Length symbol, extra bit count and extra value for a match of
/// `l + 3` bytes.
fn length_code(l: usize) -> (usize, u32, u32) {
    if l < 8 {
        (257 + l, 0, 0)
    } else if l == 255 {
        (285, 0, 0)
    } else {
        let top = (usize::BITS - 1 - l.leading_zeros()) as usize;
        let extra = top - 2;
        (
            257 + 4 * (top - 1) + ((l >> extra) & 3),
            extra as u32,
            (l & ((1 << extra) - 1)) as u32,
        )
    }
}

/// Distance symbol, extra bit count and extra value for a distance of
/// `d + 1`.
fn distance_code(d: usize) -> (usize, u32, u32) {
    if d < 4 {
        (d, 0, 0)
    } else {
        let top = (usize::BITS - 1 - d.leading_zeros()) as usize;
        let extra = top - 1;
        (
            2 * top + ((d >> extra) & 1),
            extra as u32,
            (d & ((1 << extra) - 1)) as u32,
        )
    }
}

/// Writes the one final block: header, code lengths, tokens, end of block.
fn write_block(
    out: &mut BitWriter,
    tokens: &[u32],
    litlen: &[u32; LITLEN_SYMBOLS],
    dist: &[u32; DIST_SYMBOLS],
) {
    let mut dist_freq = *dist;
    // Two used distance codes at least, so that every decoder takes the
    // tree (one code, or none, is a special case some handle poorly).
    for symbol in 0..2 {
        if dist_freq.iter().filter(|&&f| f > 0).count() < 2 && dist_freq[symbol] == 0 {
            dist_freq[symbol] = 1;
        }
    }
    let litlen_len = code_lengths::<LITLEN_SYMBOLS>(litlen, 15);
    let dist_len = code_lengths::<DIST_SYMBOLS>(&dist_freq, 15);
    let litlen_code = canonical_codes(&litlen_len);
    let dist_code = canonical_codes(&dist_len);

    let hlit = (257..=LITLEN_SYMBOLS)
        .rev()
        .find(|&k| litlen_len[k - 1] != 0)
        .unwrap_or(257);
    let hdist = (1..=DIST_SYMBOLS)
        .rev()
        .find(|&k| dist_len[k - 1] != 0)
        .unwrap_or(1);
    let mut lengths = [0u8; LITLEN_SYMBOLS + DIST_SYMBOLS];
    lengths[..hlit].copy_from_slice(&litlen_len[..hlit]);
    lengths[hlit..hlit + hdist].copy_from_slice(&dist_len[..hdist]);
    let (runs, codelen_freq) = run_lengths(&lengths[..hlit + hdist]);
    let codelen_len = code_lengths::<CODELEN_SYMBOLS>(&codelen_freq, 7);
    let codelen_code = canonical_codes(&codelen_len);
    let hclen = (4..=CODELEN_SYMBOLS)
        .rev()
        .find(|&k| codelen_len[CODELEN_ORDER[k - 1]] != 0)
        .unwrap_or(4);

    // Bits each block type spends beyond the extra bits both share: the
    // dynamic tables and codes, or the fixed codes (RFC 1951, 3.2.6),
    // which win on small inputs.
    let fixed = FIXED_LENGTHS;
    let cost = |lengths: &[u8], freq: &[u32]| -> u64 {
        lengths
            .iter()
            .zip(freq)
            .map(|(&l, &f)| u64::from(l) * u64::from(f))
            .sum()
    };
    let tables: u64 = 14
        + 3 * hclen as u64
        + runs
            .iter()
            .map(|&(symbol, _)| {
                let symbol = usize::from(symbol);
                u64::from(codelen_len[symbol]) + [0, 2, 3, 7][symbol.saturating_sub(15)]
            })
            .sum::<u64>();
    let dynamic = tables + cost(&litlen_len, litlen) + cost(&dist_len, dist);
    let fixed_cost = cost(&fixed[..LITLEN_SYMBOLS], litlen)
        + 5 * dist.iter().map(|&f| u64::from(f)).sum::<u64>();
    if fixed_cost <= dynamic {
        // BFINAL = 1, BTYPE = 01 (fixed Huffman).
        out.bits(0b011, 3);
        let fixed_code = canonical_codes(&fixed);
        let dist_len = [5u8; DIST_SYMBOLS];
        write_tokens(
            out,
            tokens,
            (&fixed_code[..LITLEN_SYMBOLS], &fixed[..LITLEN_SYMBOLS]),
            (&canonical_codes(&dist_len), &dist_len),
        );
        return;
    }

    // BFINAL = 1, BTYPE = 10 (dynamic Huffman).
    out.bits(0b101, 3);
    out.bits((hlit - 257) as u32, 5);
    out.bits((hdist - 1) as u32, 5);
    out.bits((hclen - 4) as u32, 4);
    for &symbol in &CODELEN_ORDER[..hclen] {
        out.bits(u32::from(codelen_len[symbol]), 3);
    }
    for &(symbol, extra) in &runs {
        let symbol = usize::from(symbol);
        out.bits(codelen_code[symbol], u32::from(codelen_len[symbol]));
        match symbol {
            16 => out.bits(u32::from(extra), 2),
            17 => out.bits(u32::from(extra), 3),
            18 => out.bits(u32::from(extra), 7),
            _ => {}
        }
    }
    write_tokens(
        out,
        tokens,
        (&litlen_code, &litlen_len),
        (&dist_code, &dist_len),
    );
}

/// The fixed literal/length code lengths (RFC 1951, 3.2.6), all 288
/// symbols.
const FIXED_LENGTHS: [u8; 288] = {
    let mut lengths = [8u8; 288];
    let mut symbol = 144;
    while symbol < 256 {
        lengths[symbol] = 9;
        symbol += 1;
    }
    while symbol < 280 {
        lengths[symbol] = 7;
        symbol += 1;
    }
    lengths
};

/// The tokens and the end of block, with the given (code, length)
/// tables for literals/lengths and distances.
fn write_tokens(
    out: &mut BitWriter,
    tokens: &[u32],
    litlen: (&[u32], &[u8]),
    dist: (&[u32], &[u8]),
) {
    let (litlen_code, litlen_len) = litlen;
    let (dist_code, dist_len) = dist;
    for &token in tokens {
        if token & MATCH == 0 {
            let symbol = token as usize;
            out.bits(litlen_code[symbol], u32::from(litlen_len[symbol]));
        } else {
            let (symbol, extra, value) = length_code(((token >> 16) & 0xff) as usize);
            let bits = u32::from(litlen_len[symbol]);
            out.bits(litlen_code[symbol] | value << bits, bits + extra);
            let (symbol, extra, value) = distance_code((token & 0xffff) as usize);
            let bits = u32::from(dist_len[symbol]);
            out.bits(dist_code[symbol] | value << bits, bits + extra);
        }
    }
    out.bits(
        litlen_code[END_OF_BLOCK],
        u32::from(litlen_len[END_OF_BLOCK]),
    );
}

/// The code length sequence as code length symbols: `(symbol, extra)`,
/// with 16 (repeat the previous 3-6 times), 17 (3-10 zeros) and 18 (11-138
/// zeros); and the symbols' frequencies.
fn run_lengths(lengths: &[u8]) -> (Vec<(u8, u8)>, [u32; CODELEN_SYMBOLS]) {
    let mut runs = Vec::with_capacity(lengths.len());
    let mut freq = [0u32; CODELEN_SYMBOLS];
    let mut emit = |symbol: u8, extra: u8, runs: &mut Vec<(u8, u8)>| {
        runs.push((symbol, extra));
        freq[usize::from(symbol)] += 1;
    };
    let mut i = 0;
    while i < lengths.len() {
        let value = lengths[i];
        let run = lengths[i..].iter().take_while(|&&l| l == value).count();
        let mut left = run;
        if value == 0 {
            while left >= 11 {
                let n = left.min(138);
                emit(18, (n - 11) as u8, &mut runs);
                left -= n;
            }
            if left >= 3 {
                emit(17, (left - 3) as u8, &mut runs);
                left = 0;
            }
        } else {
            emit(value, 0, &mut runs);
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                emit(16, (n - 3) as u8, &mut runs);
                left -= n;
            }
        }
        for _ in 0..left {
            emit(value, 0, &mut runs);
        }
        i += run;
    }
    (runs, freq)
}

/// Huffman code lengths for `freq`, none longer than `limit`: plain
/// Huffman, and while the longest code is too long, frequencies halved
/// (kept nonzero) and the tree built again. Unused symbols get length 0; a
/// single used symbol gets length 1.
fn code_lengths<const N: usize>(freq: &[u32; N], limit: u8) -> [u8; N] {
    let mut weights = *freq;
    loop {
        let lengths = huffman_lengths(&weights);
        if lengths.iter().all(|&l| l <= limit) {
            return lengths;
        }
        for w in weights.iter_mut().filter(|w| **w > 0) {
            *w = (*w >> 1).max(1);
        }
    }
}

/// Unlimited Huffman code lengths: the two-queue construction over the used
/// symbols sorted by weight (the leaves) and the internal nodes, which are
/// made in order of weight.
fn huffman_lengths<const N: usize>(weights: &[u32; N]) -> [u8; N] {
    let mut lengths = [0u8; N];
    // `weight << 16 | symbol` of the used symbols: one integer sort.
    let mut leaves = [0u64; N];
    let mut count = 0;
    for (symbol, &w) in weights.iter().enumerate() {
        if w > 0 {
            leaves[count] = u64::from(w) << 16 | symbol as u64;
            count += 1;
        }
    }
    if count < 2 {
        if count == 1 {
            lengths[(leaves[0] & 0xffff) as usize] = 1;
        }
        return lengths;
    }
    let leaves = &mut leaves[..count];
    leaves.sort_unstable();
    // Node indices: leaves 0..count, internal nodes count.. in the order
    // made; `parent` of every node but the root.
    let mut node_weight = [0u64; N];
    let mut parent = [0u16; 2 * LITLEN_SYMBOLS];
    let (mut leaf, mut node) = (0usize, 0usize);
    for made in 0..count - 1 {
        let mut pick = || {
            if leaf < count && (node >= made || leaves[leaf] >> 16 <= node_weight[node]) {
                leaf += 1;
                (leaf - 1, leaves[leaf - 1] >> 16)
            } else {
                node += 1;
                (count + node - 1, node_weight[node - 1])
            }
        };
        let (a, wa) = pick();
        let (b, wb) = pick();
        node_weight[made] = wa + wb;
        parent[a] = (count + made) as u16;
        parent[b] = (count + made) as u16;
    }
    // Depths from the root (the last node) down: parents come after their
    // children, so one backward pass suffices.
    let root = 2 * count - 2;
    let mut depth = [0u8; 2 * LITLEN_SYMBOLS];
    for index in (0..root).rev() {
        depth[index] = depth[usize::from(parent[index])].saturating_add(1);
    }
    for (index, &packed) in leaves.iter().enumerate() {
        lengths[(packed & 0xffff) as usize] = depth[index];
    }
    lengths
}

/// Canonical codes for `lengths` (RFC 1951, 3.2.2), bit-reversed for
/// LSB-first output.
fn canonical_codes<const N: usize>(lengths: &[u8; N]) -> [u32; N] {
    // Unused symbols (long runs of zeros) are skipped: counting them too
    // makes one long chain of dependent increments in memory.
    let mut count = [0u32; 16];
    for &l in lengths {
        if l != 0 {
            count[usize::from(l)] += 1;
        }
    }
    let mut next = [0u32; 16];
    let mut code = 0u32;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    let mut codes = [0u32; N];
    for (symbol, &l) in lengths.iter().enumerate() {
        if l != 0 {
            let l = usize::from(l);
            codes[symbol] = next[l].reverse_bits() >> (32 - l);
            next[l] += 1;
        }
    }
    codes
}

/// LSB-first bit output.
struct BitWriter {
    out: Vec<u8>,
    buffer: u64,
    count: u32,
}

impl BitWriter {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
            buffer: 0,
            count: 0,
        }
    }

    /// Appends the low `n` bits of `value` (n ≤ 32).
    #[inline(always)]
    fn bits(&mut self, value: u32, n: u32) {
        self.buffer |= u64::from(value) << self.count;
        self.count += n;
        if self.count >= 32 {
            self.out
                .extend_from_slice(&(self.buffer as u32).to_le_bytes());
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let bytes = self.count.div_ceil(8) as usize;
        self.out
            .extend_from_slice(&self.buffer.to_le_bytes()[..bytes]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::inflate_to_vec;

    /// Every stream the encoder writes inflates back to its input, raw and
    /// zlib-wrapped (whose Adler-32 the inflater checks): pseudo-random,
    /// two-letter and one-letter inputs of every length up to 3000 (runs
    /// past the longest match, 258), session-like JSON, and 100 KiB with
    /// repeats beyond the 32 KiB window.
    #[test]
    fn every_stream_inflates_to_its_input() {
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let check = |input: &[u8]| {
            for wrapping in [Wrapping::Raw, Wrapping::Zlib] {
                let packed = deflate(input, wrapping).unwrap();
                let back = inflate_to_vec(&packed, input.len(), wrapping);
                assert_eq!(
                    back.as_deref(),
                    Ok(input),
                    "{wrapping:?}, len {}",
                    input.len()
                );
            }
        };
        for len in 0..3000 {
            check(&(0..len).map(|_| random() as u8).collect::<Vec<_>>());
            check(
                &(0..len)
                    .map(|_| b"ab"[random() as usize % 2])
                    .collect::<Vec<_>>(),
            );
            check(&vec![b'z'; len]);
        }
        let json = br#"{"user_id":48213,"cart":[{"sku":"SKU-00412","qty":2}],"viewed":[4,8,15]}"#;
        for repeat in [1, 10, 100, 1000] {
            check(&json.repeat(repeat));
        }
        let far: Vec<u8> = (0..100_000u32)
            .map(|i| (i % 40_000 % 251) as u8 ^ u8::from(random() % 7 == 0))
            .collect();
        check(&far);
    }

    #[test]
    fn adler32_and_the_zlib_wrapper() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(&[0xff; 6000]), 0xa497_59ea);
        let packed = deflate(b"hello hello hello hello", Wrapping::Zlib).unwrap();
        assert_eq!(packed[..2], [0x78, 0x9c]);
        assert_eq!(
            miniz_oxide::inflate::decompress_to_vec_zlib(&packed)
                .ok()
                .as_deref(),
            Some(&b"hello hello hello hello"[..])
        );
    }

    /// Better than nothing on text, and never far worse than the input on
    /// noise (one block of literals and its code tables).
    #[test]
    fn sizes_are_sane() {
        let json = br#"{"user_id":48213,"cart":[{"sku":"SKU-00412","qty":2}],"viewed":[4,8,15]}"#;
        assert!(deflate(&json.repeat(50), Wrapping::Raw).unwrap().len() < 200);
        let mut seed = 7u64;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (seed >> 56) as u8
            })
            .collect();
        assert!(deflate(&noise, Wrapping::Raw).unwrap().len() < 4000 + 4000 / 16 + 200);
    }
}
