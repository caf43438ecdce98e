//! Project automation for sealed-session, run as `cargo xtask <command>`.
//!
//! One dependency, serde_json (already in the workspace's lockfile): this
//! is the CI entry point (`.ci/run` calls `cargo xtask ci`), so it stays
//! small.
//!
//! - `ci`: every check CI runs, in order (see [`ci::STEPS`]).
//! - `browser`: only the CI step with headless Chromium (see [`mod@browser`]).
//! - `fuzz [--seconds N] [TARGET]`: smoke-runs cargo-fuzz targets in `fuzz/`.
//! - `load`: the tower layer against its peers under HTTP load, recorded in
//!   `benches/LOAD.md` (see [`mod@load`]).
//! - `bench [--no-run]`: the benchmarks against the peers and the AES-NI
//!   floor, as one table recorded in `benches/RESULTS.md` (see [`mod@bench`]).

mod bench;
mod browser;
mod ci;
#[cfg(test)]
mod docs;
mod fleet;
mod fuzz;
mod js;
mod load;
mod portability;
mod python;
mod workspace;

use std::process::ExitCode;

use workspace::Workspace;

/// How to call xtask, printed by `help` and on a usage error.
const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci [--only PATTERN]         run every CI step in order (fmt, clippy, tests, a real
                              browser, docs, no_std builds, cargo-deny) and print
                              per-step timings; --only: just the steps whose names
                              contain PATTERN
  browser                     only the CI step with the browser: install Chromium and
                              chromedriver if missing, run the tower crate's browser test
  fuzz [--seconds N] [TARGET] run one cargo-fuzz target, or all of them, for N
                              seconds each (default 20)
  bench [--no-run]            benchmark against the peers and the AES-NI floor, print
                              one table and record it in benches/RESULTS.md
                              (--no-run: tabulate the last run again)
  load                        the axum app with our layer (alone and with Redis-backed
                              revocation), PrivateCookieJar, MemoryStore,
                              tower-sessions-cookie-store and no sessions under load
                              (redis-server installed if missing); record benches/LOAD.md
  help                        print this message
";

/// Parses the command line and runs the chosen command.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ws = Workspace::from_env();
    let command = args.first().map(String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    let result = match command {
        None | Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some("ci") => match rest {
            [] => ci::ci(&ws, None),
            [flag, pattern] if flag == "--only" => ci::ci(&ws, Some(pattern)),
            _ => return usage_error("`ci` takes no arguments but `--only PATTERN`"),
        },
        Some(name @ "browser") if !rest.is_empty() => {
            return usage_error(&format!("`{name}` takes no arguments"));
        }
        Some("browser") => browser::browser_tests(&ws),
        Some("fuzz") => match fuzz::FuzzArgs::parse(rest) {
            Ok(fuzz_args) => fuzz::fuzz(&ws, &fuzz_args),
            Err(message) => return usage_error(&message),
        },
        Some("bench") => match bench::BenchArgs::parse(rest) {
            Ok(bench_args) => bench::bench(&ws, &bench_args),
            Err(message) => return usage_error(&message),
        },
        Some(name @ "load") if !rest.is_empty() => {
            return usage_error(&format!("`{name}` takes no arguments"));
        }
        Some("load") => load::load(&ws),
        Some(other) => return usage_error(&format!("unknown command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Reports a bad command line with the usage text; exits with status 2.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
