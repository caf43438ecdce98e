//! `sealed-session`: seal, open, inspect and migrate session cookies from
//! the command line, generate keys, and see in a demo why a session cookie
//! should be sealed rather than only signed.
//!
//! Every command reads its input on stdin and writes its result on stdout;
//! keys come from `--keys FILE` or the `SEALED_SESSION_KEYS` environment
//! variable, never from the command line. Exit codes: 0 success, 1 the
//! cookie was rejected, 2 a usage, input/output, JSON or key-file error. On
//! failure nothing is written to stdout, and no message ever shows an
//! argument that looks like a key. Run `sealed-session --help`.
//!
//! - [`cli`]: the commands, options and `--help` texts (clap);
//! - [`parse`]: clap's results and errors in this command's words;
//! - [`commands`], [`demo`]: what the commands do;
//! - [`keyfile`]: key files and `SEALED_SESSION_KEYS`; [`rotate`]: adding a
//!   key that activates later;
//! - [`withhold`]: keeping key text out of messages;
//! - [`inspect`], [`flask`]: what a cookie shows without a key;
//! - [`failure`]: errors and exit codes.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod demo;
mod failure;
mod flask;
mod inspect;
mod keyfile;
mod parse;
mod rotate;
mod withhold;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use zeroize::Zeroizing;

use failure::Failure;
use parse::Parsed;

/// Runs the command line and exits with its status.
fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match run(&args) {
        Ok(output) => match write_stdout(&output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => report(&failure, &args),
        },
        Err(failure) => report(&failure, &args),
    }
}

/// Runs the command line (`args[0]` the program name) and returns what to
/// print on stdout. Nothing is printed until the command has succeeded.
///
/// # Errors
/// The [`Failure`] that decides the exit code and the message on stderr.
fn run(args: &[OsString]) -> Result<Zeroizing<String>, Failure> {
    match parse::parse(args)? {
        Parsed::Print(text) => Ok(Zeroizing::new(text)),
        Parsed::Run(command) => commands::run(command),
    }
}

/// Writes the output of a command that succeeded.
///
/// # Errors
/// An input/output [`Failure`] when stdout is closed or full.
fn write_stdout(output: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::input(format!("cannot write to stdout: {error}")))
}

/// Prints `failure` on stderr, with anything in it that looks like a key
/// withheld, and returns its exit code.
fn report(failure: &Failure, args: &[OsString]) -> ExitCode {
    let (mut message, withheld) =
        withhold::scrub(&failure.to_string(), args.get(1..).unwrap_or_default());
    if withheld {
        message.push('\n');
        message.push_str(withhold::KEYS_HINT);
    }
    // If stderr is gone too, the exit code still tells.
    let _ = writeln!(std::io::stderr().lock(), "{message}");
    ExitCode::from(failure.exit_code())
}
