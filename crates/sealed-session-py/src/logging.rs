//! The Rust crates' log lines (the `log` facade) in Python's `logging`.
//!
//! The std crate and the Redis backend say why a reload kept the old
//! keyring, why a session was refused (revoked, or the list unavailable)
//! and when Redis went down or came back, through `log`. This module's
//! logger hands each record from a `sealed_session` target to the Python
//! logger of the same dotted name (`sealed_session::revocation` becomes
//! `sealed_session.revocation`), so an app configures them as any other
//! Python logger. Records of other targets are dropped.
//!
//! It is installed once, when the extension module is imported; it is this
//! module's own copy of `log` (every extension links its own), so it takes
//! nothing from another extension. Records come from request threads and
//! from the backends' own threads: it attaches to the interpreter with
//! `Python::try_attach`, which gives up instead of blocking while the
//! interpreter shuts down.

use pyo3::prelude::*;

/// The targets handed to Python: the crates' own.
const PREFIX: &str = "sealed_session";

struct PythonLogger;

impl log::Log for PythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with(PREFIX)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug => 10,
            log::Level::Trace => 5,
        };
        let name = record.target().replace("::", ".");
        let message = record.args().to_string();
        let _ = Python::try_attach(|py| {
            // An exception raised before this call, or by logging itself,
            // must not leak into the caller's Python code.
            let pending = PyErr::take(py);
            let logged = (|| -> PyResult<()> {
                let logger = py
                    .import("logging")?
                    .call_method1("getLogger", (name.as_str(),))?;
                if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
                    // `%s` so that a `%` in the message is never a format.
                    logger.call_method1("log", (level, "%s", message.as_str()))?;
                }
                Ok(())
            })();
            if let Err(error) = logged {
                error.print(py);
            }
            if let Some(pending) = pending {
                pending.restore(py);
            }
        });
    }

    fn flush(&self) {}
}

/// Installs the logger (once per process; a second call does nothing).
/// Records below `Info` are not produced (the crates log nothing finer on
/// a request's path).
pub(crate) fn install() {
    if log::set_boxed_logger(Box::new(PythonLogger)).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}
