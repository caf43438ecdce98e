//! Running clap over the arguments: `--help` and `--version` become output,
//! and clap's errors become usage [`Failure`]s in this command's own words
//! (exit status 2), built from what the error says rather than from its
//! rendered text.
//!
//! Messages quote offending arguments; [`crate::withhold::scrub`] later
//! removes any that look like a key.

use std::ffi::OsString;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::cli::{Cli, Command};
use crate::failure::Failure;

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Text to print on stdout with exit status 0: a help or the version.
    Print(String),
    /// A command to run.
    Run(Command),
}

/// Parses `args` (the program name first).
///
/// `--help` or `-h` anywhere after a command's name prints that command's
/// help, whatever else is on the line.
///
/// # Errors
/// A usage [`Failure`] for anything clap refuses.
pub(crate) fn parse(args: &[OsString]) -> Result<Parsed, Failure> {
    let program = args
        .first()
        .cloned()
        .unwrap_or_else(|| OsString::from("sealed-session"));
    let rest = args.get(1..).unwrap_or_default();
    if let Some(name) = command_name(rest) {
        let asks_help = rest
            .iter()
            .skip(1)
            .take_while(|arg| *arg != "--")
            .any(|arg| arg == "--help" || arg == "-h");
        if asks_help {
            return help_of(&program, name);
        }
    }
    match Cli::try_parse_from(args) {
        Ok(Cli {
            command: Command::Help(help),
            ..
        }) => match help.command.as_deref() {
            None => help_of(&program, ""),
            Some(name) if COMMANDS.contains(&name) && name != "help" => help_of(&program, name),
            Some(other) => Err(Failure::Usage {
                command: None,
                message: format!("unknown command `{other}`"),
            }),
        },
        Ok(cli) => Ok(Parsed::Run(cli.command)),
        Err(error) => match error.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                Ok(Parsed::Print(error.to_string()))
            }
            _ => Err(Failure::Usage {
                command: command_name(rest).map(str::to_owned),
                message: describe(&error),
            }),
        },
    }
}

/// The names of the commands.
const COMMANDS: [&str; 7] = [
    "keygen", "seal", "open", "inspect", "migrate", "demo", "help",
];

/// The command named by the first argument, if it names one.
fn command_name(rest: &[OsString]) -> Option<&'static str> {
    let first = rest.first()?.to_str()?;
    COMMANDS.iter().copied().find(|name| *name == first)
}

/// The help of command `name` (the main help for `""`), as clap renders it.
fn help_of(program: &OsString, name: &str) -> Result<Parsed, Failure> {
    let mut args = vec![program.clone()];
    if !name.is_empty() {
        args.push(OsString::from(name));
    }
    args.push(OsString::from("--help"));
    match Cli::try_parse_from(args) {
        Err(error) if error.kind() == ErrorKind::DisplayHelp => {
            Ok(Parsed::Print(error.to_string()))
        }
        _ => Err(Failure::input(format!("no help for `{name}`"))),
    }
}

/// One line saying what is wrong, from the error's kind and context.
fn describe(error: &clap::Error) -> String {
    let arg = || option_name(string_context(error, ContextKind::InvalidArg).unwrap_or_default());
    match error.kind() {
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "missing command".to_owned()
        }
        ErrorKind::InvalidSubcommand => format!(
            "unknown command `{}`",
            string_context(error, ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::UnknownArgument => {
            let given = string_context(error, ContextKind::InvalidArg).unwrap_or_default();
            if given.starts_with('-') {
                format!("unknown option `{given}`")
            } else {
                format!("unexpected argument `{given}` (input comes on stdin)")
            }
        }
        ErrorKind::InvalidValue => {
            let value = string_context(error, ContextKind::InvalidValue).unwrap_or_default();
            if value.is_empty() {
                format!("`{}` needs a value", arg())
            } else {
                format!("`{}` has an invalid value", arg())
            }
        }
        ErrorKind::ValueValidation => match core::error::Error::source(error) {
            Some(reason) => format!("`{}` {reason}", arg()),
            None => format!("`{}` has an invalid value", arg()),
        },
        ErrorKind::TooManyValues | ErrorKind::NoEquals | ErrorKind::WrongNumberOfValues => {
            format!("`{}` takes no value", arg())
        }
        ErrorKind::ArgumentConflict => {
            let prior = string_context(error, ContextKind::PriorArg).map(option_name);
            match prior {
                Some(prior) if prior != arg() => {
                    format!("`{}` cannot be used with `{prior}`", arg())
                }
                _ => format!("`{}` is given more than once", arg()),
            }
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = match error.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(names)) => names.first().cloned(),
                Some(ContextValue::String(name)) => Some(name.clone()),
                _ => None,
            }
            .unwrap_or_default();
            format!("`{}` is required", missing.replace(['<', '>'], ""))
        }
        ErrorKind::InvalidUtf8 => "arguments must be UTF-8 text".to_owned(),
        _ => {
            // Anything else: clap's own first line, without its prefix.
            let rendered = error.to_string();
            let line = rendered.lines().next().unwrap_or_default();
            line.strip_prefix("error: ").unwrap_or(line).to_owned()
        }
    }
}

/// A string-valued piece of an error's context.
fn string_context(error: &clap::Error, kind: ContextKind) -> Option<&str> {
    match error.get(kind)? {
        ContextValue::String(text) => Some(text),
        _ => None,
    }
}

/// `--now` from clap's `--now <UNIX>`.
fn option_name(arg: &str) -> &str {
    arg.split(' ').next().unwrap_or(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(list: &[&str]) -> (Option<String>, String) {
        let mut args = vec![OsString::from("sealed-session")];
        args.extend(list.iter().map(OsString::from));
        match parse(&args) {
            Err(Failure::Usage { command, message }) => (command, message),
            other => panic!("{list:?}: {other:?}"),
        }
    }

    #[test]
    fn clap_errors_in_our_words() {
        let cases: &[(&[&str], &str)] = &[
            (&["seal", "--bogus"], "unknown option `--bogus`"),
            (&["seal", "--keys"], "`--keys` needs a value"),
            (
                &["seal", "--compress", "maybe"],
                "`--compress` must be `auto` or `never`",
            ),
            (
                &["seal", "--now", "-5"],
                "`--now` must be a non-negative decimal integer",
            ),
            (&["seal", "--legacy=1"], "`--legacy` takes no value"),
            (
                &["seal", "x.json"],
                "unexpected argument `x.json` (input comes on stdin)",
            ),
            (
                &["open", "--now", "1", "--now", "2"],
                "`--now` is given more than once",
            ),
            (&["migrate"], "`--legacy-keys FILE` is required"),
            (
                &["keygen", "--kid", "256"],
                "`--kid` must be a decimal from 0 to 255",
            ),
        ];
        for (list, message) in cases {
            let (command, got) = usage(list);
            assert_eq!(got, *message, "{list:?}");
            assert_eq!(command.as_deref(), Some(list[0]));
        }
        assert_eq!(usage(&[]), (None, "missing command".to_owned()));
        assert_eq!(
            usage(&["frob"]),
            (None, "unknown command `frob`".to_owned())
        );
    }

    #[test]
    fn help_wins_and_help_command_works() {
        let program = OsString::from("sealed-session");
        let seal_help = match help_of(&program, "seal") {
            Ok(Parsed::Print(text)) => text,
            other => panic!("{other:?}"),
        };
        let args: Vec<OsString> = ["sealed-session", "seal", "--bogus", "-h"]
            .iter()
            .map(OsString::from)
            .collect();
        match parse(&args) {
            Ok(Parsed::Print(text)) => assert_eq!(text, seal_help),
            other => panic!("{other:?}"),
        }
        let args: Vec<OsString> = ["sealed-session", "help", "seal"]
            .iter()
            .map(OsString::from)
            .collect();
        match parse(&args) {
            Ok(Parsed::Print(text)) => assert_eq!(text, seal_help),
            other => panic!("{other:?}"),
        }
    }
}
