//! `cargo xtask ci`: every CI check, in order, with per-step timings.
//!
//! To add a step, add a [`Step`] to [`STEPS`]: a banner name and a function
//! (or non-capturing closure) taking the [`Workspace`]. One-command steps fit
//! in a closure; anything longer gets its own function below the table.

use core::time::Duration;
use std::time::Instant;

use crate::python::ensure_python_venv;
use crate::workspace::Workspace;

/// One CI step: the name on its banner and the work it does.
pub(crate) struct Step {
    /// Shown as `==> name` before the step and in the summary.
    pub(crate) name: &'static str,
    /// Runs the step from the workspace root; `Err` stops CI.
    pub(crate) run: fn(&Workspace) -> Result<(), String>,
}

/// The CI steps, run in this order; the first failure stops the run.
pub(crate) const STEPS: &[Step] = &[
    Step {
        name: "rustfmt",
        run: |ws| ws.run_cargo(&["fmt", "--all", "--check"]),
    },
    Step {
        name: "clippy",
        run: |ws| {
            ws.run_cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ])
        },
    },
    Step {
        name: "test core: no default features",
        run: |ws| ws.run_cargo(&["test", "-p", "sealed-session-core", "--no-default-features"]),
    },
    Step {
        name: "test core: alloc",
        run: |ws| {
            ws.run_cargo(&[
                "test",
                "-p",
                "sealed-session-core",
                "--no-default-features",
                "--features",
                "alloc",
            ])
        },
    },
    Step {
        name: "test core: all features",
        run: |ws| ws.run_cargo(&["test", "-p", "sealed-session-core", "--all-features"]),
    },
    Step {
        name: "std crate without default features, and with only `flask` or `starlette`",
        run: |ws| {
            ws.run_cargo(&[
                "clippy",
                "-p",
                "sealed-session",
                "--no-default-features",
                "--",
                "-D",
                "warnings",
            ])?;
            for feature in ["flask", "starlette"] {
                ws.run_cargo(&[
                    "clippy",
                    "-p",
                    "sealed-session",
                    "--no-default-features",
                    "--features",
                    feature,
                    "--",
                    "-D",
                    "warnings",
                ])?;
            }
            Ok(())
        },
    },
    Step {
        name: "test workspace (with Python interop, doc tests)",
        run: test_workspace,
    },
    Step {
        name: "browser: the tower example in headless Chromium",
        run: crate::browser::browser_tests,
    },
    Step {
        name: "downstream crate: the user's own JSON unchanged by depending on us",
        run: |ws| {
            ws.run_cargo(&[
                "test",
                "--manifest-path",
                "tests/downstream/Cargo.toml",
                "--target-dir",
                "target/downstream",
            ])
        },
    },
    Step {
        name: "Python package: wheel, pytest over it (Flask, Starlette, conformance), and the cross-service tests",
        run: crate::python::python_package,
    },
    // After the Python package: its wheel is then in the venv, and the
    // fleet test runs the Flask instance too.
    Step {
        name: "redis: revocation across instances, and the fleet of real processes, against a real redis-server",
        run: crate::fleet::redis_tests,
    },
    Step {
        name: "rustdoc",
        run: |ws| {
            let mut command = ws.cargo(["doc", "--workspace", "--no-deps", "--all-features"]);
            ws.run(command.env("RUSTDOCFLAGS", "-D warnings"))
        },
    },
    Step {
        name: "no_std build: thumbv7em-none-eabihf",
        run: |ws| no_std_build(ws, "thumbv7em-none-eabihf", &[]),
    },
    Step {
        name: "no_std build: wasm32-unknown-unknown with alloc",
        run: |ws| no_std_build(ws, "wasm32-unknown-unknown", &["--features", "alloc"]),
    },
    Step {
        name: "wasm: harness module under Node (interop, golden vectors)",
        run: crate::portability::wasm_node_tests,
    },
    Step {
        name: "js: the npm package in workerd, Node, Deno, Bun and Express",
        run: crate::js::js_package,
    },
    Step {
        name: "bare metal: thumbv7em example under QEMU",
        run: crate::portability::embedded_example,
    },
    Step {
        name: "cargo-deny: bans licenses sources",
        run: |ws| {
            // Never `advisories`: the advisory database cannot be fetched here.
            ws.ensure_cargo_tool("deny", "cargo-deny")?;
            ws.run_cargo(&["deny", "check", "bans", "licenses", "sources"])
        },
    },
    Step {
        name: "fuzz smoke: every target, 20 s each",
        run: |ws| crate::fuzz::fuzz_smoke(ws, 20),
    },
];

/// Runs every step of [`STEPS`] in order (or only those whose names contain
/// `only`), then prints a timing summary.
///
/// # Errors
///
/// Names the first step that failed; the steps after it do not run.
pub(crate) fn ci(ws: &Workspace, only: Option<&str>) -> Result<(), String> {
    let started = Instant::now();
    let mut timings: Vec<(&str, Duration)> = Vec::new();
    let mut failure = None;
    let chosen: Vec<&Step> = STEPS
        .iter()
        .filter(|step| only.is_none_or(|pattern| step.name.contains(pattern)))
        .collect();
    if chosen.is_empty() {
        return Err(format!("no CI step matches {:?}", only.unwrap_or_default()));
    }
    for step in chosen {
        println!("\n==> {}", step.name);
        let step_started = Instant::now();
        let result = (step.run)(ws);
        let elapsed = step_started.elapsed();
        timings.push((step.name, elapsed));
        match result {
            Ok(()) => println!("==> {} ok in {:.1}s", step.name, elapsed.as_secs_f64()),
            Err(message) => {
                println!("==> {} FAILED in {:.1}s", step.name, elapsed.as_secs_f64());
                failure = Some((step.name, message));
                break;
            }
        }
    }
    print_summary(&timings, failure.is_some(), started.elapsed());
    match failure {
        None => Ok(()),
        Some((name, message)) => Err(format!("ci failed at step `{name}`: {message}")),
    }
}

/// Tests the whole workspace, doc tests included, handing the interop tests
/// the venv's Python in `SEALED_SESSION_PYTHON` (they would find or make
/// the same venv themselves; making it here shows its output once).
fn test_workspace(ws: &Workspace) -> Result<(), String> {
    let python = ensure_python_venv(ws)?;
    let mut command = ws.cargo(["test", "--workspace", "--all-features"]);
    ws.run(command.env("SEALED_SESSION_PYTHON", python))?;
    // The key-residue check reads its own memory: run it once more in
    // release, where the compiler keeps different copies.
    let mut release = ws.cargo([
        "test",
        "-p",
        "sealed-session-tests",
        "--release",
        "--test",
        "residue",
    ]);
    ws.run(&mut release)
}

/// Builds the core with no default features (plus `features`) for `target`,
/// adding the rustup target first when it is missing.
fn no_std_build(ws: &Workspace, target: &str, features: &[&str]) -> Result<(), String> {
    ws.ensure_rustup_target(target)?;
    let mut args = vec![
        "build",
        "-p",
        "sealed-session-core",
        "--no-default-features",
    ];
    args.extend_from_slice(features);
    args.extend(["--target", target]);
    ws.run_cargo(&args)
}

/// Prints each step's time; when `failed`, the last step listed is the one
/// that failed and the steps never run are listed as skipped.
fn print_summary(timings: &[(&str, Duration)], failed: bool, total: Duration) {
    println!("\n==> summary");
    for (index, (name, elapsed)) in timings.iter().enumerate() {
        let status = if failed && index + 1 == timings.len() {
            "FAILED"
        } else {
            "ok"
        };
        println!("  {status:<7} {:>7.1}s  {name}", elapsed.as_secs_f64());
    }
    for step in STEPS
        .iter()
        .filter(|step| !timings.iter().any(|(name, _)| name == &step.name))
    {
        println!("  {:<7} {:>8}  {}", "skipped", "", step.name);
    }
    println!("  total   {:>7.1}s", total.as_secs_f64());
}
