//! `Codec`: envelope v1 over raw bytes, with a context.

use core::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sealed_session::{ErrorKind, SecureRandom};
use sealed_session_core::{Codec as CoreCodec, FixedNonce, Options};
use zeroize::Zeroizing;

use crate::clock::{ManualClock, TimeSource};
use crate::keyring::Keyring;
use crate::{args, errors};

/// Seals bytes into cookie text (envelope v1: AES-256-EAX, key id, issue
/// time) and opens them, bound to a context.
///
/// ``max_age`` (an int of seconds or a timedelta; default none) rejects
/// older cookies as :class:`ExpiredError`; ``clock_skew`` (default 60 s)
/// bounds how far in the future an issue time may be. ``max_text_len``
/// bounds the cookie text (default 4096 bytes), ``max_plaintext_len`` the
/// data (default 64 KiB). No compression: a compressed cookie's length
/// leaks secrets next to attacker-chosen data.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Codec {
    codec: CoreCodec,
    clock: TimeSource,
}

#[pymethods]
impl Codec {
    #[new]
    #[pyo3(signature = (keyring, *, max_age = None, clock_skew = None, max_text_len = 4096, max_plaintext_len = 65536, clock = None))]
    fn new(
        keyring: &Bound<'_, Keyring>,
        max_age: Option<&Bound<'_, PyAny>>,
        clock_skew: Option<&Bound<'_, PyAny>>,
        max_text_len: usize,
        max_plaintext_len: usize,
        clock: Option<&Bound<'_, ManualClock>>,
    ) -> PyResult<Self> {
        let max_age = max_age
            .map(|age| args::duration(age, "max_age"))
            .transpose()?
            .map(|age| age.as_secs());
        let clock_skew = clock_skew
            .map(|skew| args::duration(skew, "clock_skew"))
            .transpose()?
            .unwrap_or(Duration::from_secs(Options::new().clock_skew()));
        let options = Options::new()
            .with_max_age(max_age)
            .with_clock_skew(clock_skew.as_secs())
            .with_max_text_len(max_text_len)
            .with_max_plaintext_len(max_plaintext_len);
        Ok(Self {
            codec: CoreCodec::new(keyring.get().inner.clone(), options),
            clock: TimeSource::from_arg(clock),
        })
    }

    /// Seals ``data`` (bytes) bound to ``context`` (bytes): the cookie text.
    ///
    /// Raises :class:`TooLargeError` when ``data`` or the text would exceed
    /// their bounds.
    #[pyo3(signature = (data, context = None))]
    fn seal(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let data = args::bytes(data, "data")?;
        let context = context_of(context)?;
        let mut nonce = [0u8; 16];
        sealed_session::OsRandom
            .fill(&mut nonce)
            .map_err(|error| errors::session_error(py, error))?;
        self.codec
            .seal_to_string(&data, &context, self.clock.now(), &mut FixedNonce(nonce))
            .map_err(|error| errors::core_error(py, error.kind()))
    }

    /// Opens cookie text sealed with ``context``: the data, as bytes.
    ///
    /// Raises a :class:`SealedSessionError` subclass saying why not:
    /// :class:`MalformedError` (also for text that is not UTF-8),
    /// :class:`UnknownVersionError`, :class:`UnknownKeyIdError`,
    /// :class:`NotAuthenticError`, :class:`ExpiredError`,
    /// :class:`IssuedInFutureError` or :class:`TooLargeError`.
    #[pyo3(signature = (value, context = None))]
    fn open<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let text = args::text(value, "value")?;
        let context = context_of(context)?;
        let Some(text) = text else {
            return Err(errors::core_error(py, ErrorKind::Malformed));
        };
        let opened = self
            .codec
            .open_to_vec(&text, &context, self.clock.now())
            .map_err(|error| errors::core_error(py, error.kind()))?;
        let plaintext = Zeroizing::new(opened.plaintext);
        Ok(PyBytes::new(py, &plaintext))
    }

    fn __repr__(&self) -> String {
        let options = self.codec.options();
        format!(
            "Codec(key_ids={:?}, max_age={:?}, max_text_len={})",
            self.codec.keyring().ids().collect::<Vec<_>>(),
            options.max_age(),
            options.max_text_len()
        )
    }
}

/// The context argument: bytes, default empty.
fn context_of<'a>(context: Option<&'a Bound<'_, PyAny>>) -> PyResult<std::borrow::Cow<'a, [u8]>> {
    context.map_or(Ok(std::borrow::Cow::Borrowed(&[][..])), |context| {
        args::bytes(context, "context")
    })
}
