//! Shared pieces of the sealed-session benchmarks: the payloads every
//! subject seals (realistic session JSON, generated deterministically at
//! fixed sizes), the same sessions as a typed struct for postcard, the keys
//! and codecs under test, the nonce sources compared, and the envelope
//! taken apart for the open-time split.
//!
//! The criterion suite is `benches/sealed_session.rs`; the `bench-facts`
//! binary writes the payloads for the Python timing script and the lengths
//! and compression table that `cargo xtask bench` prints.

use core::cell::RefCell;

use chacha20::ChaCha20Rng;
use miniz_oxide::deflate::core::{
    CompressionStrategy, CompressorOxide, TDEFLFlush, TDEFLStatus, compress,
    create_comp_flags_from_zip_params,
};
use rand_core::{Rng, SeedableRng};
use sealed_session::{SessionCodec, SessionCodecBuilder};
use sealed_session_core::{Codec, Compression, Key, Keyring, NonceSource, OVERHEAD, Options};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Payload sizes: the compact JSON length in bytes. 930 stays under the
/// 1024-byte compression threshold even in Python's spaced JSON; 1060 is
/// just above it.
pub const SIZES: [usize; 5] = [64, 930, 1060, 4096, 16384];

/// The key every subject uses (the Python package and Fernet take it in
/// their own encodings).
pub const KEY: [u8; 32] = [
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
];

/// The cookie name of the peers and of the core rows, bound as context
/// where the format allows it (Flask's and the Python package's name).
pub const COOKIE_NAME: &str = "session";

/// The std codec's default cookie name, and so its context.
pub const STD_COOKIE_NAME: &str = "__Host-session";

/// What the std crate puts before a JSON or postcard session: marker,
/// flags, creation time and the 16-byte session id (FORMAT.md, the session
/// payload).
pub const META_LEN: usize = 26;

/// The compression threshold of the opt-in compressed configurations (the
/// Python package's, and the core's before compression was made opt-in).
pub const COMPRESS_ABOVE: usize = 1024;

/// The issue time every seal uses.
pub const NOW: u64 = 1_760_000_000;

/// The largest cookie text the core benchmarks allow, so that every size
/// seals uncompressed too (browsers keep 4096).
pub const MAX_TEXT_LEN: usize = 64 * 1024;

/// A core codec over [`KEY`] with `compression`, texts up to
/// [`MAX_TEXT_LEN`].
#[must_use]
pub fn core_codec(compression: Compression) -> Codec {
    let options = Options::new()
        .with_compression(compression)
        .with_max_text_len(MAX_TEXT_LEN);
    Codec::new(Keyring::new(1, &Key::from_bytes(KEY)), options)
}

/// A std `SessionCodec` over [`KEY`] with every default (cookie name
/// `__Host-session`, [`sealed_session::OsRandom`], the system clock, no
/// compression, no padding) except what `configure` changes.
///
/// # Panics
/// When `configure` leaves an invalid configuration (a broken benchmark).
#[must_use]
pub fn std_codec(
    configure: impl FnOnce(SessionCodecBuilder) -> SessionCodecBuilder,
) -> SessionCodec {
    configure(SessionCodec::builder(Keyring::new(
        1,
        &Key::from_bytes(KEY),
    )))
    .build()
    .expect("the benchmark's codec configuration is valid")
}

/// The thread-local ChaCha20 generator of the old `OsNonce` (before the
/// std crate's `OsRandom`), kept as a reference: the same structure as
/// `OsRandom` (a `RefCell` per thread, seeded from `getrandom`, reseeded
/// after 4096 bytes) **without its process-id check**, so that the
/// difference between the two is the cost of fork safety. Not fork-safe:
/// for benchmarks only.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadChaCha;

/// A thread's reference generator and the bytes it may still produce.
struct Generator {
    rng: ChaCha20Rng,
    budget: usize,
}

/// Bytes a [`ThreadChaCha`] generator produces before it reseeds, as
/// `OsRandom::RESEED_BYTES`.
const RESEED_BYTES: usize = 4096;

thread_local! {
    static GENERATOR: RefCell<Option<Generator>> = const { RefCell::new(None) };
}

impl ThreadChaCha {
    /// Fills `dest` (at most 4096 bytes) from this thread's generator.
    ///
    /// # Panics
    /// When the operating system's generator fails while seeding.
    pub fn fill(self, dest: &mut [u8]) {
        GENERATOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|g| g.budget < dest.len()) {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).expect("the OS generator works");
                *slot = Some(Generator {
                    rng: ChaCha20Rng::from_seed(seed),
                    budget: RESEED_BYTES,
                });
            }
            if let Some(generator) = slot.as_mut() {
                generator.budget -= dest.len();
                generator.rng.fill_bytes(dest);
            }
        });
    }
}

impl NonceSource for ThreadChaCha {
    fn fill_nonce(&mut self, nonce: &mut [u8; 16]) {
        self.fill(nonce);
    }
}

/// A v1 cookie taken apart, as the core's `open` sees it after decoding:
/// the binary envelope, the associated data EAX authenticates (header,
/// context length, context) and where the nonce, body and tag sit.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// The decoded envelope: header, nonce, ciphertext, tag.
    pub bin: Vec<u8>,
    /// `header || u32be(len(context)) || context`.
    pub aad: Vec<u8>,
}

impl Envelope {
    /// Decodes `text` (unpadded base64url) and builds the associated data
    /// for `context`.
    ///
    /// # Panics
    /// When `text` is not a v1 envelope's text.
    #[must_use]
    pub fn parse(text: &str, context: &[u8]) -> Self {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let bin = Base64UrlUnpadded::decode_vec(text).expect("a v1 cookie is base64url");
        assert!(bin.len() >= OVERHEAD && bin[0] == 1, "a v1 envelope");
        let context_len = u32::try_from(context.len()).expect("a short context");
        let aad = [&bin[..11], &context_len.to_be_bytes()[..], context].concat();
        Self { bin, aad }
    }

    /// The 16-byte nonce.
    #[must_use]
    pub fn nonce(&self) -> &[u8] {
        &self.bin[11..27]
    }

    /// The ciphertext (the possibly compressed plaintext, encrypted).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.bin[27..self.bin.len() - 16]
    }

    /// The tag.
    #[must_use]
    pub fn tag(&self) -> [u8; 16] {
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&self.bin[self.bin.len() - 16..]);
        tag
    }

    /// Whether the header's compressed flag is set.
    #[must_use]
    pub fn compressed(&self) -> bool {
        self.bin[1] & 1 != 0
    }
}

/// The std crate's session payload for a session with an id, as FORMAT.md
/// describes it: `0x00`, flags (id present), the creation time, the id,
/// then `body`, then spaces up to a multiple of `padding` (when over 1).
/// For cookie lengths the std codec refuses to seal (over 4096 bytes).
#[must_use]
pub fn std_payload(body: &[u8], padding: usize) -> Vec<u8> {
    let mut payload = vec![0x00, 0b10];
    payload.extend_from_slice(&NOW.to_be_bytes());
    payload.extend_from_slice(&[0x5a; 16]);
    payload.extend_from_slice(body);
    if padding > 1 && payload.len() % padding != 0 {
        payload.resize(payload.len().next_multiple_of(padding), b' ');
    }
    payload
}

/// One line of a shopping cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartItem {
    /// Stock-keeping unit number (`SKU-nnnnn` in JSON).
    pub sku: u32,
    /// Product name.
    pub name: String,
    /// Quantity.
    pub qty: u32,
    /// Unit price in cents.
    pub price_cents: u32,
}

/// A web shop's session, as a typed struct. [`SessionData::to_map`] gives
/// the same values as a JSON object (empty fields left out, as an app
/// would); postcard serializes every field in order, without names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    /// Flask-Login's `_user_id`.
    pub user_id: u64,
    /// Flask-Login's `_fresh`.
    pub fresh: bool,
    /// Flask's `_permanent`.
    pub permanent: Option<bool>,
    /// Flask-WTF's `csrf_token`: 20 random bytes (40 hex digits in JSON).
    pub csrf_token: Option<[u8; 20]>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// Cart lines.
    pub cart: Vec<CartItem>,
    /// Recently viewed product ids.
    pub viewed: Vec<u32>,
    /// Flask's `_flashes`: (category, message).
    pub flashes: Vec<(String, String)>,
    /// Where to go after login: a path whose length makes the JSON exactly
    /// the requested size.
    pub next: String,
}

impl SessionData {
    /// The session as a JSON object, in field order.
    #[must_use]
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("_user_id".into(), self.user_id.into());
        map.insert("_fresh".into(), self.fresh.into());
        if let Some(permanent) = self.permanent {
            map.insert("_permanent".into(), permanent.into());
        }
        if let Some(token) = &self.csrf_token {
            let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
            map.insert("csrf_token".into(), hex.into());
        }
        if let Some(locale) = &self.locale {
            map.insert("locale".into(), locale.clone().into());
        }
        if !self.cart.is_empty() {
            let cart = self.cart.iter().map(|item| {
                let mut line = Map::new();
                line.insert("sku".into(), format!("SKU-{:05}", item.sku).into());
                line.insert("name".into(), item.name.clone().into());
                line.insert("qty".into(), item.qty.into());
                line.insert("price_cents".into(), item.price_cents.into());
                Value::Object(line)
            });
            map.insert("cart".into(), Value::Array(cart.collect()));
        }
        if !self.viewed.is_empty() {
            map.insert("viewed".into(), to_value(&self.viewed));
        }
        if !self.flashes.is_empty() {
            map.insert("_flashes".into(), to_value(&self.flashes));
        }
        map.insert("next".into(), self.next.clone().into());
        map
    }

    /// The compact JSON text of [`SessionData::to_map`].
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_map()).unwrap_or_default()
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A deterministic realistic session whose compact JSON is exactly `size`
/// bytes (for `size` of at least 48).
#[must_use]
pub fn session(size: usize) -> SessionData {
    let mut rng = SplitMix(size as u64 ^ 0x5eed_0f5e_5510_0000);
    let mut data = SessionData {
        user_id: 10_000 + rng.below(90_000),
        fresh: true,
        permanent: None,
        csrf_token: None,
        locale: None,
        cart: Vec::new(),
        viewed: Vec::new(),
        flashes: Vec::new(),
        next: String::new(),
    };
    // `,"next":"/"}` and a few characters of path at least.
    let room = |d: &SessionData| json_len_without_next(d) + 16 <= size;
    let extras: [fn(&mut SessionData, &mut SplitMix); 3] = [
        |d, _| d.permanent = Some(true),
        |d, r| d.csrf_token = Some(core::array::from_fn(|_| r.below(256) as u8)),
        |d, _| d.locale = Some("en_GB".into()),
    ];
    for extra in extras {
        let mut trial = data.clone();
        extra(&mut trial, &mut rng);
        if room(&trial) {
            data = trial;
        }
    }
    let mut step = 0u64;
    loop {
        let mut trial = data.clone();
        match step % 5 {
            0 | 2 => trial.cart.push(cart_item(&mut rng)),
            1 | 3 => trial.viewed.push(100_000 + rng.below(900_000) as u32),
            _ => trial.flashes.push(flash(&mut rng)),
        }
        if !room(&trial) {
            break;
        }
        data = trial;
        step += 1;
    }
    let used = json_len_without_next(&data);
    data.next = path(&mut rng, size.saturating_sub(used));
    data
}

/// Compact JSON length with `next` empty.
fn json_len_without_next(data: &SessionData) -> usize {
    let mut probe = data.clone();
    probe.next.clear();
    probe.to_json().len()
}

const WORDS: [&str; 24] = [
    "walnut",
    "desk",
    "organizer",
    "linen",
    "throw",
    "ceramic",
    "mug",
    "oak",
    "shelf",
    "wool",
    "blanket",
    "brass",
    "lamp",
    "cotton",
    "towel",
    "glass",
    "vase",
    "steel",
    "kettle",
    "bamboo",
    "tray",
    "leather",
    "journal",
    "candle",
];

const MESSAGES: [(&str, &str); 4] = [
    ("message", "Your changes were saved."),
    ("info", "Item added to your cart."),
    ("warning", "Only a few left in stock."),
    ("message", "Welcome back!"),
];

fn cart_item(rng: &mut SplitMix) -> CartItem {
    let words = 2 + rng.below(2) as usize;
    let name = (0..words)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ");
    CartItem {
        sku: rng.below(100_000) as u32,
        name,
        qty: 1 + rng.below(4) as u32,
        price_cents: 199 + 100 * rng.below(120) as u32 + 99,
    }
}

fn flash(rng: &mut SplitMix) -> (String, String) {
    let (category, message) = MESSAGES[rng.below(MESSAGES.len() as u64) as usize];
    (category.into(), message.into())
}

/// A URL path of exactly `len` characters (at least 1).
fn path(rng: &mut SplitMix, len: usize) -> String {
    let mut out = String::from("/shop");
    while out.len() < len {
        out.push('/');
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    out.truncate(len.max(1));
    if out.ends_with('/') {
        out.pop();
        out.push('x');
    }
    out
}

/// One miniz_oxide configuration of the compression table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Level 0-10.
    pub level: u8,
    /// `CompressionStrategy` as miniz_oxide numbers it.
    pub strategy: CompressionStrategy,
}

impl DeflateConfig {
    /// The benchmark id: `l<level>`, with `-<strategy>` unless default.
    #[must_use]
    pub fn id(self) -> String {
        let strategy = match self.strategy {
            CompressionStrategy::Default => "",
            CompressionStrategy::Filtered => "-filtered",
            CompressionStrategy::HuffmanOnly => "-huffman",
            CompressionStrategy::RLE => "-rle",
            CompressionStrategy::Fixed => "-fixed",
            _ => "-other",
        };
        format!("l{}{strategy}", self.level)
    }
}

/// The configurations the compression table compares.
#[must_use]
pub fn deflate_configs() -> Vec<DeflateConfig> {
    use CompressionStrategy::{Default, Filtered, Fixed, HuffmanOnly, RLE};
    let mut configs: Vec<_> = [1, 2, 3, 4, 5, 6, 9]
        .map(|level| DeflateConfig {
            level,
            strategy: Default,
        })
        .to_vec();
    configs.extend(
        [Filtered, RLE, Fixed, HuffmanOnly].map(|strategy| DeflateConfig { level: 1, strategy }),
    );
    configs
}

/// The configurations also timed with a reused (reset) compressor.
#[must_use]
pub fn reused_configs() -> Vec<DeflateConfig> {
    [1, 4, 6]
        .map(|level| DeflateConfig {
            level,
            strategy: CompressionStrategy::Default,
        })
        .to_vec()
}

/// Raw DEFLATE of `input` with `config`, with a fresh compressor (as a seal
/// would do).
#[must_use]
pub fn deflate_with(input: &[u8], config: DeflateConfig) -> Vec<u8> {
    let mut compressor = CompressorOxide::new(flags(config));
    deflate_into(&mut compressor, input)
}

/// The compressor flags of `config`, raw DEFLATE.
#[must_use]
pub fn flags(config: DeflateConfig) -> u32 {
    create_comp_flags_from_zip_params(i32::from(config.level), -15, config.strategy as i32)
}

/// Raw DEFLATE of `input` through `compressor`, which must be fresh or
/// reset.
pub fn deflate_into(compressor: &mut CompressorOxide, input: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; input.len() + input.len() / 8 + 64];
    let (status, _, written) = compress(compressor, input, &mut out, TDEFLFlush::Finish);
    assert_eq!(
        status,
        TDEFLStatus::Done,
        "the output buffer is large enough"
    );
    out.truncate(written);
    out
}

/// SplitMix64: a tiny deterministic generator for the payloads.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn payloads_have_exactly_the_sizes() {
        for size in SIZES {
            let data = session(size);
            assert_eq!(data.to_json().len(), size, "size {size}");
            assert_eq!(session(size), data, "deterministic");
        }
    }

    fn python_json(size: usize) -> String {
        sealed_session::Session::from_json(&session(size).to_json())
            .unwrap()
            .to_python_json()
            .unwrap()
    }

    #[test]
    fn the_930_byte_payload_stays_uncompressed_in_python_json() {
        assert!(python_json(930).len() <= 1024, "{}", python_json(930).len());
        assert!(python_json(1060).len() > 1024);
    }

    #[test]
    fn the_payload_replica_has_the_std_codecs_length() {
        use sealed_session::{FixedRandom, ManualClock, Session};
        for (size, padding) in [(64, 0), (930, 0), (930, 64), (1060, 256)] {
            let codec = std_codec(|b| {
                b.clock(ManualClock::new(NOW))
                    .random(FixedRandom::new([7]))
                    .pad_to_multiple_of(padding)
            });
            let opened = Session::from_json(&session(size).to_json()).unwrap();
            let value = codec.seal(&opened).unwrap();
            // `_permanent` moves from the JSON into the metadata's flags.
            let json = opened.to_json_string().into_bytes();
            let replica = std_payload(&json, padding);
            assert_eq!(
                value.len(),
                Codec::seal_len(replica.len()),
                "{size}/{padding}"
            );
            // And the envelope opens to that payload.
            let envelope = Envelope::parse(&value, STD_COOKIE_NAME.as_bytes());
            let mut body = envelope.body().to_vec();
            sealed_session_core::__private::eax_decrypt(
                &KEY,
                envelope.nonce(),
                &envelope.aad,
                &mut body,
                &envelope.tag(),
            )
            .unwrap();
            assert_eq!(body.len(), replica.len());
            assert_eq!(&body[META_LEN..META_LEN + json.len()], json);
        }
    }

    #[test]
    fn thread_chacha_draws_differ() {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        ThreadChaCha.fill(&mut a);
        ThreadChaCha.fill(&mut b);
        assert_ne!(a, b);
        for _ in 0..600 {
            ThreadChaCha.fill_nonce(&mut a);
        }
    }

    #[test]
    fn postcard_round_trips() {
        let data = session(4096);
        let bytes = postcard::to_allocvec(&data).unwrap();
        assert_eq!(postcard::from_bytes::<SessionData>(&bytes).unwrap(), data);
    }
}
