//! Arguments from Python: durations, dates, bytes and cookie values, with
//! messages that say what was expected.

use core::time::Duration;
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDateTime, PyDelta, PyFloat, PyInt, PyString};
use sealed_session::Key;

use crate::errors;

/// The Python type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |name| name.to_string())
}

/// A duration: an `int` of seconds or a `datetime.timedelta`, not negative.
/// Fractions of a second are dropped.
pub(crate) fn duration(obj: &Bound<'_, PyAny>, setting: &str) -> PyResult<Duration> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{setting}: expected an int of seconds or a datetime.timedelta, not bool"
        )));
    }
    if obj.is_instance_of::<PyInt>() {
        let seconds: i128 = obj.extract().map_err(|_| out_of_range(setting))?;
        return u64::try_from(seconds)
            .map(Duration::from_secs)
            .map_err(|_| negative_or_huge(setting, seconds < 0));
    }
    if obj.is_instance_of::<PyDelta>() {
        let seconds: f64 = obj
            .call_method0(intern!(obj.py(), "total_seconds"))?
            .extract()?;
        if seconds < 0.0 {
            return Err(negative_or_huge(setting, true));
        }
        // `timedelta` tops out near 8.6e13 s: no precision or range issue.
        return Duration::try_from_secs_f64(seconds.floor()).map_err(|_| out_of_range(setting));
    }
    Err(PyTypeError::new_err(format!(
        "{setting}: expected an int of seconds or a datetime.timedelta, not {}",
        type_name(obj)
    )))
}

fn negative_or_huge(setting: &str, negative: bool) -> PyErr {
    if negative {
        PyValueError::new_err(format!("{setting}: must not be negative"))
    } else {
        out_of_range(setting)
    }
}

fn out_of_range(setting: &str) -> PyErr {
    PyValueError::new_err(format!("{setting}: out of range"))
}

/// A point in time: a timezone-aware `datetime.datetime`, or Unix seconds
/// as an `int` or `float`. A naive datetime is refused: its meaning
/// depends on the machine's time zone.
pub(crate) fn instant(obj: &Bound<'_, PyAny>, setting: &str) -> PyResult<SystemTime> {
    let py = obj.py();
    let seconds: f64 = if obj.is_instance_of::<PyDateTime>() {
        if obj.getattr(intern!(py, "tzinfo"))?.is_none() {
            return Err(PyTypeError::new_err(format!(
                "{setting}: a naive datetime is ambiguous; give a timezone-aware one, \
                 such as datetime(2026, 1, 1, tzinfo=timezone.utc)"
            )));
        }
        obj.call_method0(intern!(py, "timestamp"))?.extract()?
    } else if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{setting}: expected a timezone-aware datetime or Unix seconds, not bool"
        )));
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{setting}: expected a timezone-aware datetime or Unix seconds, not {}",
            type_name(obj)
        )));
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{setting}: must be a finite time after 1970"
        )));
    }
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|since_epoch| UNIX_EPOCH.checked_add(since_epoch))
        .ok_or_else(|| out_of_range(setting))
}

/// A byte string argument: `bytes` or `bytearray` (copied), never `str`.
pub(crate) fn bytes<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(array.to_vec()));
    }
    let hint = if obj.is_instance_of::<PyString>() {
        " (encode text first, for example with .encode())"
    } else {
        ""
    };
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, not {}{hint}",
        type_name(obj)
    )))
}

/// A cookie value or header: `str` or `bytes`. `None` when it is not
/// UTF-8 (a `str` with lone surrogates, non-UTF-8 bytes): no cookie of
/// this package can be, so callers report it as malformed.
pub(crate) fn text<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Option<Cow<'a, str>>> {
    if let Ok(string) = obj.cast::<PyString>() {
        return Ok(string.to_cow().ok());
    }
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(core::str::from_utf8(bytes.as_bytes())
            .ok()
            .map(Cow::Borrowed));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        type_name(obj)
    )))
}

/// A secret key: 32 `bytes`, or key text (64 hex digits or 43 characters
/// of base64url) as `str`.
pub(crate) fn key(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Key> {
    if let Ok(text) = obj.cast::<PyString>() {
        let text = text
            .to_cow()
            .map_err(|_| errors::keyring(format!("{what}: not key text")))?;
        return Key::parse(&text).map_err(|_| {
            errors::keyring(format!(
                "{what}: expected 64 hex digits or 43 characters of base64url"
            ))
        });
    }
    let bytes = bytes(obj, what).map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be 32 bytes or key text (str), not {}",
            type_name(obj)
        ))
    })?;
    Key::try_from(bytes.as_ref())
        .map_err(|_| errors::keyring(format!("{what}: expected 32 bytes, got {}", bytes.len())))
}
