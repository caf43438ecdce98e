//! `cargo xtask fuzz`: smoke-runs the cargo-fuzz targets in `<root>/fuzz`.
//!
//! `fuzz/` is a cargo-fuzz crate outside the workspace; it needs nightly.
//! Without a nightly toolchain the stable one runs with `RUSTC_BOOTSTRAP=1`.
//! Targets build once, into `fuzz/target`, and run with libFuzzer's memory
//! and per-input time limits ([`LIBFUZZER_LIMITS`]), starting from the
//! committed corpora (`fuzz/corpora/<target>`, minimized from long runs:
//! see `fuzz/README.md`) and seeds (`fuzz/seeds/<target>`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::workspace::{Workspace, display, succeeds};

/// Seconds per target when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 20;

/// libFuzzer limits for every run: a process over 1 GiB of RSS, a single
/// allocation over 64 MiB (the targets' plaintext bounds are at most
/// 256 KiB), or one input running over 10 s is a crash.
const LIBFUZZER_LIMITS: [&str; 3] = ["-rss_limit_mb=1024", "-malloc_limit_mb=64", "-timeout=10"];

/// The command line of `cargo xtask fuzz [--seconds N] [TARGET]`.
pub(crate) struct FuzzArgs {
    /// How long libFuzzer runs each target (`-max_total_time`).
    seconds: u64,
    /// The one target to run; every target when `None`.
    target: Option<String>,
}

impl FuzzArgs {
    /// Parses the arguments after `fuzz`.
    ///
    /// # Errors
    ///
    /// On an unknown flag, a bad `--seconds` value or more than one target.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut parsed = Self {
            seconds: DEFAULT_SECONDS,
            target: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg == "--seconds" {
                parsed.seconds = parse_seconds(args.next().map(String::as_str))?;
            } else if let Some(value) = arg.strip_prefix("--seconds=") {
                parsed.seconds = parse_seconds(Some(value))?;
            } else if arg.starts_with('-') {
                return Err(format!("unknown fuzz option: {arg}"));
            } else if parsed.target.replace(arg.clone()).is_some() {
                return Err("fuzz takes at most one target".to_owned());
            }
        }
        Ok(parsed)
    }
}

/// Runs `args.target`, or every target, for `args.seconds` each.
///
/// # Errors
///
/// See [`fuzz_smoke`].
pub(crate) fn fuzz(ws: &Workspace, args: &FuzzArgs) -> Result<(), String> {
    match &args.target {
        Some(target) => {
            let fuzzer = Fuzzer::new(ws)?;
            fuzzer.build(Some(target))?;
            fuzzer.run(target, args.seconds)
        }
        None => fuzz_smoke(ws, args.seconds),
    }
}

/// Builds every target `cargo fuzz list` names once, then runs each for
/// `seconds`, printing libFuzzer's final summary lines for each. Meant as a
/// CI step.
///
/// # Errors
///
/// When `fuzz/` is missing, cargo-fuzz cannot be installed, the targets
/// cannot be listed or built, or any target fails (finds a crash, a leak, a
/// timeout or runs out of memory); every target runs before the failures
/// are reported.
pub(crate) fn fuzz_smoke(ws: &Workspace, seconds: u64) -> Result<(), String> {
    let fuzzer = Fuzzer::new(ws)?;
    let targets = fuzzer.list()?;
    if targets.is_empty() {
        return Err(format!("no fuzz targets in {}", fuzzer.dir.display()));
    }
    fuzzer.build(None)?;
    let mut failed = Vec::new();
    for target in &targets {
        if fuzzer.run(target, seconds).is_err() {
            failed.push(target.as_str());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

/// How to call cargo-fuzz here: in `fuzz/`, on nightly or bootstrapped stable.
struct Fuzzer<'a> {
    /// The workspace, for its cargo when there is no nightly.
    ws: &'a Workspace,
    /// The cargo-fuzz crate, `<root>/fuzz`.
    dir: PathBuf,
    /// Whether `cargo +nightly` works; if not, stable runs with `RUSTC_BOOTSTRAP=1`.
    nightly: bool,
}

impl<'a> Fuzzer<'a> {
    /// Checks that `fuzz/` exists, installs cargo-fuzz if needed, and picks
    /// the toolchain.
    fn new(ws: &'a Workspace) -> Result<Self, String> {
        let dir = ws.root.join("fuzz");
        if !dir.join("Cargo.toml").exists() {
            return Err(format!(
                "no cargo-fuzz crate at {}: create it (`cargo fuzz init`) before fuzzing",
                dir.display()
            ));
        }
        ws.ensure_cargo_tool("fuzz", "cargo-fuzz")?;
        let nightly = succeeds(nightly_cargo().arg("--version"));
        if !nightly {
            println!("no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1");
        }
        Ok(Self { ws, dir, nightly })
    }

    /// A `cargo [+nightly] fuzz <args>` command that runs in `fuzz/`.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = if self.nightly {
            let mut nightly = nightly_cargo();
            nightly.arg("fuzz");
            nightly
        } else {
            let mut stable = self.ws.cargo(["fuzz"]);
            stable.env("RUSTC_BOOTSTRAP", "1");
            stable
        };
        command.args(args).current_dir(&self.dir);
        command
    }

    /// The target names `cargo fuzz list` prints.
    fn list(&self) -> Result<Vec<String>, String> {
        let mut list = self.command(&["list"]);
        let output = list
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&list)))?;
        if !output.status.success() {
            return Err(format!(
                "`{}` failed: {}\n{}",
                display(&list),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// `--target-dir <root>/fuzz/target`: the fuzz build's own directory,
    /// whatever `CARGO_TARGET_DIR` says, so `build` and `run` agree.
    fn target_dir(&self) -> [String; 2] {
        [
            "--target-dir".to_owned(),
            self.dir.join("target").display().to_string(),
        ]
    }

    /// `cargo fuzz build [target]`: every target when `None`, so the runs
    /// that follow do not compile.
    fn build(&self, target: Option<&str>) -> Result<(), String> {
        let mut build = self.command(&["build"]);
        build.args(self.target_dir()).args(target);
        self.ws.run(&mut build)
    }

    /// Fuzzes `target` for `seconds` over `fuzz/corpus/<target>` (created if
    /// missing; libFuzzer adds what it finds there, the first directory)
    /// plus the committed `fuzz/corpora/<target>` and `fuzz/seeds/<target>`
    /// if present, which it only reads, then prints libFuzzer's summary
    /// lines and the corpus size, or its whole output on failure.
    fn run(&self, target: &str, seconds: u64) -> Result<(), String> {
        println!("\n==> fuzz {target} for {seconds}s");
        let corpus = self.dir.join("corpus").join(target);
        fs::create_dir_all(&corpus)
            .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;

        let mut run = self.command(&["run"]);
        run.args(self.target_dir()).arg(target).arg(&corpus);
        run.args(committed_inputs(&self.dir, target));
        run.arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args(LIBFUZZER_LIMITS)
            .arg("-print_final_stats=1");
        println!("$ {}", display(&run));

        let started = Instant::now();
        let output = run
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&run)))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let elapsed = started.elapsed().as_secs_f64();
        if output.status.success() {
            for line in stderr.lines().filter(|line| {
                line.contains("Done") || line.contains("stat::number_of_executed_units")
            }) {
                println!("  {line}");
            }
            let files = fs::read_dir(&corpus).map_or(0, Iterator::count);
            println!("  corpus: {files} files in {}", corpus.display());
            println!("==> fuzz {target} ok in {elapsed:.1}s");
            Ok(())
        } else {
            // Everything but libFuzzer's progress lines (`#1024 NEW cov: ...`):
            // the build error, or the crash, its backtrace and its artifact.
            for line in stderr.lines().filter(|line| !line.starts_with('#')) {
                eprintln!("  {line}");
            }
            println!(
                "==> fuzz {target} FAILED in {elapsed:.1}s ({})",
                output.status
            );
            Err(format!("fuzz target {target} failed: {}", output.status))
        }
    }
}

/// The committed input folders of `target` that exist: its minimized
/// corpus (`fuzz/corpora/<target>`), then its seeds (`fuzz/seeds/<target>`).
fn committed_inputs(fuzz_dir: &Path, target: &str) -> Vec<PathBuf> {
    ["corpora", "seeds"]
        .iter()
        .map(|folder| fuzz_dir.join(folder).join(target))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// `cargo +nightly`, through rustup's `cargo` proxy on `PATH`: the toolchain
/// binary in `$CARGO` does not understand `+toolchain`.
fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    command.arg("+nightly");
    command
}

/// The value of `--seconds`: a whole number.
fn parse_seconds(value: Option<&str>) -> Result<u64, String> {
    value
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| "--seconds needs a whole number of seconds".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The targets `fuzz/Cargo.toml` declares.
    fn targets(fuzz_dir: &Path) -> Vec<String> {
        let manifest = fs::read_to_string(fuzz_dir.join("Cargo.toml")).unwrap();
        manifest
            .split("[[bin]]")
            .skip(1)
            .filter_map(|bin| {
                let line = bin.lines().find(|line| line.starts_with("name = "))?;
                Some(
                    line.trim_start_matches("name = ")
                        .trim_matches('"')
                        .to_owned(),
                )
            })
            .collect()
    }

    /// Every fuzz target starts CI's smoke run from a committed, minimized
    /// corpus of its own (issue 18 item 8), and all of them together stay
    /// small (under 2 MB).
    #[test]
    fn every_target_has_a_small_committed_corpus() {
        let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let targets = targets(&fuzz_dir);
        assert_eq!(targets.len(), 8, "{targets:?}");
        let mut total = 0;
        for target in &targets {
            let inputs = committed_inputs(&fuzz_dir, target);
            let corpus = fuzz_dir.join("corpora").join(target);
            assert_eq!(
                inputs.first(),
                Some(&corpus),
                "{target}: no fuzz/corpora/{target}"
            );
            let files: Vec<_> = fs::read_dir(&corpus).unwrap().flatten().collect();
            assert!(files.len() >= 10, "{target}: {} inputs", files.len());
            total += files
                .iter()
                .map(|file| file.metadata().unwrap().len())
                .sum::<u64>();
        }
        assert!(total < 2_000_000, "{total} bytes of corpora");
    }
}
