#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;

mod codec;
mod compress;
mod eax;
mod envelope;
mod error;
mod key;
#[cfg(feature = "legacy")]
pub mod legacy;
#[cfg(feature = "serde")]
mod typed;

pub use codec::{Codec, Compression, FixedNonce, MAX_CONTEXT_LEN, NonceSource, Opened, Options};
pub use envelope::{Header, NONCE_LEN, OVERHEAD, Peeked, VERSION};
pub use error::{Error, ErrorKind};
pub use key::{KEY_BASE64_LEN, KEY_HEX_LEN, KEY_LEN, Key, Keyring};
pub use rand_core;

#[doc(hidden)]
pub mod __private {
    //! Entry points shared by the fuzz targets and the test suite. Not a
    //! stable API.

    /// Tag length of the EAX layer.
    pub const TAG_LEN: usize = crate::eax::TAG_LEN;

    /// The crate's own EAX layer, exposed for the Wycheproof and differential
    /// tests: encrypts `msg` in place and returns the tag.
    #[must_use]
    pub fn eax_encrypt(key: &[u8; 32], nonce: &[u8], aad: &[u8], msg: &mut [u8]) -> [u8; 16] {
        crate::eax::CipherKey::new(key).encrypt(nonce, &[aad], msg)
    }

    /// The crate's own EAX layer: verifies and decrypts `msg` in place.
    ///
    /// # Errors
    /// `Err(())` when the tag does not verify; `msg` is then unchanged.
    #[allow(clippy::result_unit_err)]
    pub fn eax_decrypt(
        key: &[u8; 32],
        nonce: &[u8],
        aad: &[u8],
        msg: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), ()> {
        crate::eax::CipherKey::new(key).decrypt(nonce, &[aad], msg, tag)
    }
}
