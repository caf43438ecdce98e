//! `cargo xtask bench`: sealed-session against its peers and the AES-NI
//! floor in one run, as one table, recorded in `benches/RESULTS.md`.
//!
//! The run, in order:
//! 1. `cargo tree` records which serde_json features the benches' build
//!    turns on (the `cookie` and Fernet peers must parse JSON as their
//!    users' builds do: no `arbitrary_precision`, no `preserve_order`);
//! 2. `bench-facts` (benches crate) writes the payloads and the cookie
//!    lengths and compressed sizes into `<target>/bench/`;
//! 3. `tests/python/bench_python.py` times the Python package's format in
//!    the venv on the same payloads;
//! 4. the npm package (`js/`, built as `cargo xtask ci` builds it) times
//!    seal and open against iron-session and iron-webcrypto in one Node
//!    process (`js/bench/bench.mjs`) and reports the module's gzipped size
//!    (`js/bench/size.mjs`);
//! 5. the nonce sources (`nonce/*`), then size by size: `openssl speed
//!    -evp aes-256-ctr` and `aes-256-cbc` give the floor of EAX, CTR(n) +
//!    CBC(n), CBC standing in for CMAC; then the criterion suite
//!    `benches/benches/sealed_session.rs` times everything else at that
//!    size. Medians are read from criterion's `<id>/new/estimates.json`,
//!    never from its text output. The load average is sampled before and
//!    after every step, and the report says how loaded the machine was.
//!
//! Every ratio in the tables is between figures of this one run.

//!
//! The module by concern: this file runs the steps; [`results`] reads what
//! they wrote; [`tables`] and [`targets`] write the report's tables and its
//! P1–P7 verdicts; [`machine`] describes the machine and writes
//! `RESULTS.md`. JSON is read with serde_json.

mod machine;
mod results;
mod tables;
mod targets;

use core::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::python::ensure_python_venv;
use crate::workspace::{Workspace, display};

pub(crate) use machine::today;
use machine::{JS_PACKAGE, Machine, PYTHON_PACKAGE, results_md};
use results::Results;
use tables::{report, size_label};

/// Payload sizes, as the benches crate defines them (`SIZES`).
const SIZES: [usize; 5] = [64, 930, 1060, 4096, 16384];

/// Runs of `openssl speed` per mode and size; the median is kept.
const OPENSSL_RUNS: usize = 3;

/// The command line of `cargo xtask bench [--no-run]`.
pub(crate) struct BenchArgs {
    /// Measure (false: tabulate the previous run's results again).
    run: bool,
}

impl BenchArgs {
    /// Parses the arguments after `bench`.
    ///
    /// # Errors
    ///
    /// On anything but `--no-run`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        match args {
            [] => Ok(Self { run: true }),
            [flag] if flag == "--no-run" => Ok(Self { run: false }),
            _ => Err(format!("unknown bench arguments: {}", args.join(" "))),
        }
    }
}

/// Runs the benchmarks, prints the tables and writes `benches/RESULTS.md`.
///
/// # Errors
///
/// When a step fails to run or its output cannot be read.
pub(crate) fn bench(ws: &Workspace, args: &BenchArgs) -> Result<(), String> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ws.root.join("target"), PathBuf::from);
    let out = target.join("bench");
    let criterion_home = target.join("criterion");
    if args.run {
        measure(ws, &out, &criterion_home)?;
    } else if !out.join(SERDE_JSON_TREE).exists() {
        // A run recorded before this check existed: the current build's.
        write(
            &out.join(SERDE_JSON_TREE),
            &capture(&mut serde_json_tree(ws))?,
        )?;
    }
    let results = Results::read(&out, &criterion_home)?;
    let machine = Machine::probe(&results);
    let report = report(&results, &machine);
    print!("{report}");
    let path = ws.root.join("benches").join("RESULTS.md");
    let python_package = fs::read_to_string(out.join(PYTHON_PACKAGE))
        .unwrap_or_else(|_| "(not measured in this run)\n".to_owned());
    print!("{python_package}");
    let js_package = fs::read_to_string(out.join(JS_PACKAGE))
        .unwrap_or_else(|_| "(not measured in this run)\n".to_owned());
    print!("{js_package}");
    fs::write(
        &path,
        results_md(&report, &machine, &python_package, &js_package),
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// The steps of the module docs.
fn measure(ws: &Workspace, out: &Path, criterion_home: &Path) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut load = LoadLog::default();
    load.sample("start");
    write(
        &out.join(SERDE_JSON_TREE),
        &capture(&mut serde_json_tree(ws))?,
    )?;

    let out_arg = out.display().to_string();
    ws.run_cargo(&[
        "run",
        "--release",
        "--quiet",
        "-p",
        "sealed-session-benches",
        "--bin",
        "bench-facts",
        "--",
        &out_arg,
    ])?;

    let python = ensure_python_venv(ws)?;
    let mut command = Command::new(&python);
    command
        .arg(ws.root.join("tests").join("python").join("bench_python.py"))
        .arg(out.join("payloads.json"))
        .current_dir(&ws.root);
    let python_json = capture(&mut command)?;
    write(&out.join("python.json"), &python_json)?;

    load.sample("python");

    // The Python package (a release wheel) against EncryptedSession and
    // Flask's default cookie, from Python, and Flask requests/s: its table
    // goes into RESULTS.md as it prints it.
    let mut wheel = Command::new("bash");
    wheel
        .arg(ws.root.join("crates/sealed-session-py/ci.sh"))
        .arg("--release")
        .current_dir(&ws.root);
    ws.run(&mut wheel)?;
    let mut package = Command::new(&python);
    package
        .arg(
            ws.root
                .join("crates/sealed-session-py/bench/bench_python_package.py"),
        )
        .current_dir(&ws.root);
    write(&out.join(PYTHON_PACKAGE), &capture(&mut package)?)?;
    load.sample("python package");

    // The npm package against iron-session and iron-webcrypto, in one Node
    // process, and the module's gzipped size: its tables go into
    // RESULTS.md as the scripts print them.
    write(&out.join(JS_PACKAGE), &crate::js::bench_package(ws)?)?;
    load.sample("npm package");

    let bench = |filter: &str| {
        let mut command = ws.cargo([
            "bench",
            "-p",
            "sealed-session-benches",
            "--bench",
            "sealed_session",
            "--",
            filter,
        ]);
        command.env("CRITERION_HOME", criterion_home);
        ws.run(&mut command)
    };
    bench("^nonce/")?;
    load.sample("nonce");

    // Size by size, the floor and then every criterion benchmark of that
    // size, so that what a ratio compares is measured within a minute or
    // two, under the same load.
    let mut floor = String::from("{");
    for (index, size) in SIZES.iter().enumerate() {
        let ctr = openssl_us(ws, "aes-256-ctr", *size)?;
        let cbc = openssl_us(ws, "aes-256-cbc", *size)?;
        let comma = if index == 0 { "" } else { "," };
        let _ = write!(floor, "{comma}\"{size}\":{{\"ctr\":{ctr},\"cbc\":{cbc}}}");
        bench(&format!("/{size}$"))?;
        load.sample(&size_label(*size));
    }
    floor.push('}');
    write(&out.join("openssl.json"), &floor)?;

    cpu_cross_check(ws, out)?;
    load.sample("cross-check");
    write(&out.join(LOAD_FILE), &load.to_json())
}

/// The CPU-time cross-check of P3 and P4: `bench-profile` runs each std
/// subject and its `cookie` crate peer alternately, [`CPU_ROUNDS`] times,
/// and reports the process CPU time per operation; the medians go to
/// `cpu.json` as `{"<subject>/<size>": ns}`.
fn cpu_cross_check(ws: &Workspace, out: &Path) -> Result<(), String> {
    ws.run_cargo(&[
        "build",
        "--release",
        "--quiet",
        "-p",
        "sealed-session-benches",
        "--bin",
        "bench-profile",
    ])?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ws.root.join("target"), PathBuf::from);
    let profile = target.join("release").join("bench-profile");
    let mut samples: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..CPU_ROUNDS {
        for (ours, peer, size, iterations) in CPU_CHECKS {
            for subject in [Some(ours), peer].into_iter().flatten() {
                let mut command = Command::new(&profile);
                command.args([subject, &size.to_string(), &iterations.to_string()]);
                let output = capture(&mut command)?;
                let ns = serde_json::from_str::<Value>(output.trim())
                    .ok()
                    .and_then(|json| json.get("cpu_ns")?.as_f64())
                    .ok_or_else(|| format!("bench-profile printed no cpu_ns: {output}"))?;
                let key = format!("{subject}/{size}");
                match samples.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, values)) => values.push(ns),
                    None => samples.push((key, vec![ns])),
                }
            }
        }
    }
    let medians: Vec<String> = samples
        .iter_mut()
        .map(|(key, values)| format!("\"{key}\":{}", median(values)))
        .collect();
    write(&out.join(CPU_FILE), &format!("{{{}}}", medians.join(",")))
}

/// Rounds of the CPU-time cross-check.
const CPU_ROUNDS: usize = 7;

/// The CPU-time cross-check: std subject, its `cookie` crate peer (none:
/// Python only, P3 at 4 KiB), payload size, iterations per run (about a
/// fifth of a second each).
const CPU_CHECKS: [(&str, Option<&str>, usize, usize); 6] = [
    ("seal", Some("cookie_seal"), 64, 200_000),
    ("open", Some("cookie_open"), 64, 200_000),
    ("seal", Some("cookie_seal"), 930, 50_000),
    ("open", Some("cookie_open"), 930, 40_000),
    ("seal_z", None, 4096, 10_000),
    ("open_z", None, 4096, 10_000),
];

/// The medians of the CPU-time cross-check.
const CPU_FILE: &str = "cpu.json";

/// The output of `cargo tree -e features -i serde_json` for the benches.
const SERDE_JSON_TREE: &str = "serde_json-features.txt";

/// `cargo tree -e features -i serde_json -p sealed-session-benches`: who
/// turns on which serde_json feature in the benches' build (dev
/// dependencies included).
fn serde_json_tree(ws: &Workspace) -> Command {
    ws.cargo([
        "tree",
        "-e",
        "features",
        "-i",
        "serde_json",
        "-p",
        "sealed-session-benches",
    ])
}

/// The load averages sampled during the run.
const LOAD_FILE: &str = "load.json";

/// serde_json features that change how JSON parses or compares elsewhere in
/// a build (and `arbitrary_precision`/`preserve_order` roughly double parse
/// time): none may be on in the benches' build, or the peers would not be
/// measured as their users build them.
const BEHAVIOUR_CHANGING: [&str; 4] = [
    "arbitrary_precision",
    "preserve_order",
    "float_roundtrip",
    "unbounded_depth",
];

/// `/proc/loadavg` samples, labelled by the step they follow.
#[derive(Default)]
struct LoadLog(Vec<(String, [f64; 3])>);

impl LoadLog {
    fn sample(&mut self, label: &str) {
        if let Some(load) = load_average() {
            self.0.push((label.to_owned(), load));
        }
    }

    fn to_json(&self) -> String {
        let samples: Vec<String> = self
            .0
            .iter()
            .map(|(label, [one, five, fifteen])| {
                format!("{{\"at\":\"{label}\",\"load\":[{one},{five},{fifteen}]}}")
            })
            .collect();
        format!("{{\"samples\":[{}]}}", samples.join(","))
    }
}

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> Option<[f64; 3]> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// Median microseconds per operation of `openssl speed -evp <cipher>` on
/// `size`-byte buffers, over [`OPENSSL_RUNS`] one-second runs, in
/// wall-clock time (`-elapsed`) like criterion, so that a busy machine
/// slows the floor as it slows everything else.
fn openssl_us(ws: &Workspace, cipher: &str, size: usize) -> Result<f64, String> {
    let mut runs = Vec::new();
    for _ in 0..OPENSSL_RUNS {
        let mut command = Command::new("openssl");
        let bytes = size.to_string();
        command
            .args([
                "speed", "-mr", "-elapsed", "-seconds", "1", "-bytes", &bytes, "-evp", cipher,
            ])
            .current_dir(&ws.root);
        println!("$ {}", display(&command));
        let output = command
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", display(&command)))?;
        // `+R:<count>:<name>:<seconds>`, on standard error.
        let output = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        let parsed = output.lines().find_map(|line| {
            let mut fields = line.strip_prefix("+R:")?.split(':');
            let count: f64 = fields.next()?.parse().ok()?;
            let seconds: f64 = fields.nth(1)?.parse().ok()?;
            (count > 0.0).then(|| seconds / count * 1e6)
        });
        runs.push(parsed.ok_or_else(|| format!("no +R line from openssl speed: {output}"))?);
    }
    Ok(median(&mut runs))
}

/// Runs `command`, returning its standard output; standard error passes
/// through.
pub(crate) fn capture(command: &mut Command) -> Result<String, String> {
    println!("$ {}", display(command));
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", display(command)))?;
    if !output.status.success() {
        return Err(format!("`{}` failed: {}", display(command), output.status));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`{}`: output not UTF-8", display(command)))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.is_empty() {
        f64::NAN
    } else if values.len() % 2 == 1 {
        values[mid]
    } else {
        f64::midpoint(values[mid - 1], values[mid])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Criterion's `estimates.json`, read as the report reads it.
    #[test]
    fn reads_criterion_estimates() {
        let path =
            std::env::temp_dir().join(format!("xtask-estimates-{}.json", std::process::id()));
        let text = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.5,"upper_bound":2.5},"point_estimate":2.0,"standard_error":0.1},"median":{"point_estimate":1234.5e0,"standard_error":null}}"#;
        write(&path, text).unwrap();
        let json = read_json(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert_eq!(json["median"]["point_estimate"].as_f64(), Some(1234.5));
        assert_eq!(json["median"]["standard_error"], Value::Null);
        assert!(serde_json::from_str::<Value>("{\"a\":1} x").is_err());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
