//! CSRF tokens, with the error type handlers can return.

use crate::error::HandlerError;

/// A new random token for CSRF protection: 32 bytes from the operating
/// system, as 43 characters of unpadded base64url. Store it in the
/// session at login, put it in the page's forms (or a header the page's
/// script sends), and compare the two with [`tokens_match`](sealed_session::tokens_match) on every
/// request that changes something.
///
/// [`sealed_session::random_token`], with an error a handler can return
/// with `?`.
///
/// ```
/// use sealed_session_actix::random_token;
/// use sealed_session_actix::sealed_session::tokens_match;
///
/// let token = random_token()?;
/// assert_eq!(token.len(), 43);
/// assert!(tokens_match(&token, &token.clone()));
/// # Ok::<(), sealed_session_actix::HandlerError>(())
/// ```
///
/// # Errors
/// [`HandlerError`] of kind [`Random`](sealed_session::SessionError::Random)
/// when the operating system's generator fails (a 500).
pub fn random_token() -> Result<String, HandlerError> {
    Ok(sealed_session::random_token()?)
}
