//! A small hand-written parser for `--name VALUE`, `--name=VALUE` and
//! `--flag` options. No positional arguments: every input comes on stdin.

use std::ffi::OsString;

use crate::failure::Failure;

/// An option a command accepts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Opt {
    /// Its name, without the leading `--`.
    pub(crate) name: &'static str,
    /// Whether it takes a value (`--name VALUE`) or is a flag.
    pub(crate) takes_value: bool,
}

/// An option that takes a value.
pub(crate) const fn value(name: &'static str) -> Opt {
    Opt {
        name,
        takes_value: true,
    }
}

/// An option that is a flag.
pub(crate) const fn flag(name: &'static str) -> Opt {
    Opt {
        name,
        takes_value: false,
    }
}

/// The options given to a command.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// `--help` or `-h` was given.
    pub(crate) help: bool,
    given: Vec<(&'static str, Option<String>)>,
}

impl Parsed {
    /// The value of a value option, if given.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.given
            .iter()
            .find(|(given, _)| *given == name)
            .and_then(|(_, value)| value.as_deref())
    }

    /// Whether an option (flag or value) was given.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.given.iter().any(|(given, _)| *given == name)
    }
}

/// Parses `args` (after the command name) against `opts`.
///
/// `--help` (or `-h`) anywhere wins: the rest is not checked.
///
/// # Errors
/// A usage [`Failure`] for an unknown option, a missing value, a value given
/// to a flag, an option given twice, a positional argument, or an argument
/// that is not UTF-8.
pub(crate) fn parse(
    command: &'static str,
    args: &[OsString],
    opts: &[Opt],
) -> Result<Parsed, Failure> {
    let mut parsed = Parsed::default();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        parsed.help = true;
        return Ok(parsed);
    }
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let arg = arg
            .to_str()
            .ok_or_else(|| Failure::usage(command, "arguments must be UTF-8 text"))?;
        let Some(body) = arg.strip_prefix("--") else {
            return Err(Failure::usage(
                command,
                format!("unexpected argument `{arg}` (input comes on stdin)"),
            ));
        };
        let (name, inline) = match body.split_once('=') {
            Some((name, inline)) => (name, Some(inline)),
            None => (body, None),
        };
        let opt = opts
            .iter()
            .find(|opt| opt.name == name)
            .ok_or_else(|| Failure::usage(command, format!("unknown option `--{name}`")))?;
        if parsed.has(opt.name) {
            return Err(Failure::usage(
                command,
                format!("`--{name}` is given more than once"),
            ));
        }
        let value = match (opt.takes_value, inline) {
            (false, None) => None,
            (false, Some(_)) => {
                return Err(Failure::usage(
                    command,
                    format!("`--{name}` takes no value"),
                ));
            }
            (true, Some(inline)) => Some(inline.to_owned()),
            (true, None) => {
                let next = rest
                    .next()
                    .ok_or_else(|| Failure::usage(command, format!("`--{name}` needs a value")))?;
                let next = next
                    .to_str()
                    .ok_or_else(|| Failure::usage(command, "arguments must be UTF-8 text"))?;
                Some(next.to_owned())
            }
        };
        parsed.given.push((opt.name, value));
    }
    Ok(parsed)
}

/// Parses a decimal `u64` option value, such as a Unix time or an age.
///
/// # Errors
/// A usage [`Failure`] naming the option when `text` is not a plain decimal.
pub(crate) fn decimal(command: &'static str, name: &str, text: &str) -> Result<u64, Failure> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::usage(
            command,
            format!("`--{name}` must be a non-negative decimal integer"),
        ));
    }
    text.parse().map_err(|_| {
        Failure::usage(
            command,
            format!("`--{name}` is too large (at most {})", u64::MAX),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[value("keys"), value("now"), flag("legacy")];

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn values_flags_and_inline_values() {
        let parsed = parse("seal", &args(&["--keys", "k", "--now=5", "--legacy"]), OPTS).unwrap();
        assert_eq!(parsed.value("keys"), Some("k"));
        assert_eq!(parsed.value("now"), Some("5"));
        assert!(parsed.has("legacy"));
        assert!(!parsed.help);
    }

    #[test]
    fn help_wins_over_bad_arguments() {
        let parsed = parse("seal", &args(&["--bogus", "-h"]), OPTS).unwrap();
        assert!(parsed.help);
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "unknown option `--bogus`"),
            (&["--keys"], "`--keys` needs a value"),
            (&["--legacy=yes"], "`--legacy` takes no value"),
            (
                &["--now", "1", "--now", "2"],
                "`--now` is given more than once",
            ),
            (
                &["file"],
                "unexpected argument `file` (input comes on stdin)",
            ),
        ];
        for (list, message) in cases {
            let failure = parse("seal", &args(list), OPTS).unwrap_err();
            assert_eq!(failure, Failure::usage("seal", *message), "{list:?}");
        }
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal("seal", "now", "1700000000").unwrap(), 1_700_000_000);
        for bad in ["", "-1", "+1", "1.5", "18446744073709551616", " 1"] {
            assert!(decimal("seal", "now", bad).is_err(), "{bad:?}");
        }
    }
}
