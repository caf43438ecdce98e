//! Random tokens (for CSRF protection) and their constant-time comparison:
//! the two helpers every session user writes by hand.

use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;

use crate::error::SessionError;
use crate::random::{OsRandom, SecureRandom};

/// A new random token: 32 bytes from [`OsRandom`], as 43 characters of
/// unpadded base64url. Store it in the session and in the page's form, and
/// compare the two with [`tokens_match`] when the form comes back: a
/// cross-site request cannot know it.
///
/// ```
/// use sealed_session::{random_token, tokens_match};
///
/// let token = random_token()?;
/// assert_eq!(token.len(), 43);
/// assert!(tokens_match(&token, &token.clone()));
/// assert!(!tokens_match(&token, &random_token()?));
/// # Ok::<(), sealed_session::SessionError>(())
/// ```
///
/// # Errors
/// [`SessionError::Random`] when the operating system's generator fails.
pub fn random_token() -> Result<String, SessionError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    OsRandom.fill(bytes.as_mut_slice())?;
    Ok(Base64UrlUnpadded::encode_string(bytes.as_slice()))
}

/// Whether two tokens are equal, in time that depends only on their
/// lengths (never on where they first differ). Empty tokens never match:
/// a missing form field is not a valid token.
///
/// ```
/// use sealed_session::tokens_match;
///
/// assert!(tokens_match("abc", "abc"));
/// assert!(!tokens_match("abc", "abd"));
/// assert!(!tokens_match("", ""));
/// ```
#[must_use]
pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}
