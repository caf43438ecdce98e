//! `Codec`: envelope v1 over raw bytes, with a context.

use core::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sealed_session::{ErrorKind, SecureRandom, SessionCodecBuilder};
use sealed_session_core::{Codec as CoreCodec, FixedNonce, Options};
use zeroize::Zeroizing;

use crate::clock::{ManualClock, TimeSource};
use crate::keyring::Keyring;
use crate::{args, errors};

/// Seals bytes into cookie text (envelope v1: AES-256-EAX, key id, issue
/// time) and opens them, bound to a context, with an idle timeout.
///
/// ``max_age`` (an int of seconds or a timedelta) rejects older cookies as
/// :class:`ExpiredError`; by default it is the session codec's default idle
/// timeout (:data:`DEFAULT_IDLE_TIMEOUT`, 24 hours), so a cookie captured
/// once does not open forever. ``max_age=None`` turns the expiry off.
/// **Risk**: a cookie sealed then stays valid for as long as its key is in
/// the keyring, so anyone who ever saw one can replay it; only for data
/// that carries its own expiry. ``clock_skew`` (default 60 s) bounds how far
/// in the future an issue time may be. ``max_text_len`` bounds the cookie
/// text (default 4096 bytes), ``max_plaintext_len`` the data (default 64
/// KiB). No compression: a compressed cookie's length leaks secrets next to
/// attacker-chosen data.
#[pyclass(module = "sealed_session", frozen, skip_from_py_object)]
pub(crate) struct Codec {
    codec: CoreCodec,
    clock: TimeSource,
}

#[pymethods]
impl Codec {
    #[new]
    #[pyo3(signature = (
        keyring, *, max_age = MaxAge::DEFAULT, clock_skew = None,
        max_text_len = DEFAULTS.max_text_len(), max_plaintext_len = DEFAULTS.max_plaintext_len(),
        clock = None
    ))]
    fn new(
        keyring: &Bound<'_, Keyring>,
        max_age: MaxAge,
        clock_skew: Option<&Bound<'_, PyAny>>,
        max_text_len: usize,
        max_plaintext_len: usize,
        clock: Option<&Bound<'_, ManualClock>>,
    ) -> PyResult<Self> {
        let max_age = match max_age {
            MaxAge::After(age) => Some(age.as_secs()),
            MaxAge::Never => None,
        };
        let clock_skew = clock_skew
            .map(|skew| args::duration(skew, "clock_skew"))
            .transpose()?
            .unwrap_or(Duration::from_secs(DEFAULTS.clock_skew()));
        let options = DEFAULTS
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
        data: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let data = args::bytes(data, "data")?;
        let context = context_of(context)?;
        let mut nonce = [0u8; 16];
        sealed_session::OsRandom
            .fill(&mut nonce)
            .map_err(errors::session_error)?;
        self.codec
            .seal_to_string(&data, &context, self.clock.now(), &mut FixedNonce(nonce))
            .map_err(|error| errors::core_error(error.kind()))
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
            return Err(errors::core_error(ErrorKind::Malformed));
        };
        let opened = self
            .codec
            .open_to_vec(&text, &context, self.clock.now())
            .map_err(|error| errors::core_error(error.kind()))?;
        let plaintext = Zeroizing::new(opened.plaintext);
        Ok(PyBytes::new(py, &plaintext))
    }

    /// The idle timeout in seconds, or ``None`` when cookies never expire.
    #[getter]
    fn max_age(&self) -> Option<u64> {
        self.codec.options().max_age()
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

/// The core codec's defaults (bounds, clock skew; no compression).
const DEFAULTS: Options = Options::new();

/// ``max_age``: a duration, or ``None`` for no expiry (which must be
/// asked for: the default is the session codec's default idle timeout).
pub(crate) enum MaxAge {
    After(Duration),
    Never,
}

impl MaxAge {
    const DEFAULT: Self = Self::After(<SessionCodecBuilder>::DEFAULT_IDLE_TIMEOUT);
}

impl<'a, 'py> FromPyObject<'a, 'py> for MaxAge {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Self::Never);
        }
        args::duration(&obj, "max_age").map(Self::After)
    }
}

/// The context argument: bytes, default empty.
fn context_of<'a>(context: Option<&'a Bound<'_, PyAny>>) -> PyResult<std::borrow::Cow<'a, [u8]>> {
    context.map_or(Ok(std::borrow::Cow::Borrowed(&[][..])), |context| {
        args::bytes(context, "context")
    })
}
