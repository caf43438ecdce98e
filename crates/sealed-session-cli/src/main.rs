//! `sealed-session`: seal, open, inspect and migrate session cookies from
//! the command line, generate keys, and see in a demo why a session cookie
//! should be sealed rather than only signed.
//!
//! Every command reads its input on stdin and writes its result on stdout;
//! keys come from `--keys FILE` or the `SEALED_SESSION_KEYS` environment
//! variable, never from the command line. Exit codes: 0 success, 1 the
//! cookie was rejected, 2 a usage, input/output, JSON or key-file error. On
//! failure nothing is written to stdout. Run `sealed-session --help`.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod demo;
mod failure;
mod flask;
mod help;
mod inspect;
mod keyfile;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use failure::Failure;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match run(&args) {
        Ok(output) => match write_stdout(&output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => report(&failure),
        },
        Err(failure) => report(&failure),
    }
}

/// Runs the command line and returns what to print on stdout. Nothing is
/// printed until the command has succeeded.
///
/// # Errors
/// The [`Failure`] that decides the exit code and the message on stderr.
fn run(args: &[OsString]) -> Result<String, Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage {
            command: None,
            message: "missing command".to_owned(),
        });
    };
    match command.to_str() {
        Some("--help" | "-h" | "help") => Ok(help::MAIN.to_owned()),
        Some("--version" | "-V") => Ok(format!("sealed-session {}\n", env!("CARGO_PKG_VERSION"))),
        Some("keygen") => commands::keygen(rest),
        Some("seal") => commands::seal(rest),
        Some("open") => commands::open(rest),
        Some("inspect") => commands::inspect(rest),
        Some("migrate") => commands::migrate(rest),
        Some("demo") => demo::demo(rest),
        Some(other) => Err(Failure::Usage {
            command: None,
            message: format!("unknown command `{other}`"),
        }),
        None => Err(Failure::Usage {
            command: None,
            message: "the command must be UTF-8 text".to_owned(),
        }),
    }
}

fn write_stdout(output: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::input(format!("cannot write to stdout: {error}")))
}

fn report(failure: &Failure) -> ExitCode {
    // If stderr is gone too, the exit code still tells.
    let _ = writeln!(std::io::stderr().lock(), "{failure}");
    ExitCode::from(failure.exit_code())
}
