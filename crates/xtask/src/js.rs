//! The CI step of the npm package (`js/`, over `crates/sealed-session-js`):
//! builds the WASM module, generates its JavaScript glue with the pinned
//! wasm-bindgen CLI, installs the package's npm dependencies from its
//! lockfile, compiles the TypeScript (`tsc` checks the types, the glue's
//! generated `.d.ts` included) and runs the package's tests with Node's
//! test runner: the API, the FORMAT.md vectors, the scenarios and the
//! project's conformance table (`tests/conformance`) over HTTP in workerd,
//! Node, Deno, Bun and Express (the runtimes come from npm packages, see
//! `js/package.json`), the iron-session migration, and
//! one session shared with the Rust command line and with the axum example
//! `axum_flask_shared`.
//!
//! Installs what is missing: Debian's `nodejs` and `npm`, the rustup target
//! `wasm32-unknown-unknown`, and `wasm-bindgen-cli` at exactly the version
//! `crates/sealed-session-js/Cargo.toml` pins (`cargo install --locked`,
//! about four CPU minutes, once per machine).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::portability::{apt_install, target_dir};
use crate::workspace::{Workspace, succeeds};

const TARGET: &str = "wasm32-unknown-unknown";

/// Runs the whole step; prints how long each part took.
///
/// # Errors
///
/// When an install, the build or a test fails.
pub(crate) fn js_package(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    ensure_node()?;
    ws.ensure_rustup_target(TARGET)?;
    let version = pinned_wasm_bindgen(ws)?;
    ensure_wasm_bindgen(ws, &version)?;
    let installed = started.elapsed();

    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-js",
        "--target",
        TARGET,
        // Not the `size` profile: opt-level 3 seals and opens about three
        // times faster in WASM, for about 40 KB more gzipped (README.md).
        "--release",
    ])?;
    let module = target_dir(ws)?
        .join(TARGET)
        .join("release/sealed_session_js.wasm");
    let package = ws.root.join("js");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args([
            "--target",
            "web",
            "--weak-refs",
            "--omit-default-module-path",
        ])
        .arg("--out-dir")
        .arg(package.join("wasm"))
        .arg(&module);
    ws.run(&mut bindgen)?;
    let built = started.elapsed();

    if npm_install_needed(&package) {
        ws.run(npm(&package).arg("ci"))?;
    }
    ws.run(npm(&package).args(["run", "build"]))?;
    let compiled = started.elapsed();

    // The Rust sides of the shared-session tests (test/node/rust.test.js,
    // test/node/axum.test.js).
    ws.run_cargo(&["build", "-p", "sealed-session-cli"])?;
    // The conformance runner, run against every runtime's app.
    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-conformance",
        "--bin",
        "conformance",
    ])?;
    ws.run_cargo(&[
        "build",
        "-p",
        "sealed-session-tower",
        "--example",
        "axum_flask_shared",
    ])?;
    let target = target_dir(ws)?;
    let mut test = Command::new("node");
    test.args(["--test", "--test-concurrency=1", "test/node/"])
        .current_dir(&package)
        .env("SEALED_SESSION_CLI", target.join("debug/sealed-session"))
        .env(
            "SEALED_SESSION_CONFORMANCE",
            target.join("debug/conformance"),
        )
        .env(
            "SEALED_SESSION_AXUM",
            target.join("debug/examples/axum_flask_shared"),
        );
    let result = ws.run(&mut test);
    let mut size = Command::new("node");
    size.arg("bench/size.mjs").current_dir(&package);
    let sized = ws.run(&mut size);
    println!(
        "js step: installs {:.1}s, wasm build and bindgen {:.1}s, npm and tsc {:.1}s, tests {:.1}s",
        installed.as_secs_f64(),
        (built - installed).as_secs_f64(),
        (compiled - built).as_secs_f64(),
        (started.elapsed() - compiled).as_secs_f64()
    );
    result.and(sized)
}

/// `npm` in the package's directory.
fn npm(package: &Path) -> Command {
    let mut command = Command::new("npm");
    command.current_dir(package);
    command
}

/// Whether `npm ci` must run: no `node_modules`, or a lockfile newer than
/// the one npm wrote into it at the last install.
fn npm_install_needed(package: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (
        modified(&package.join("package-lock.json")),
        modified(&package.join("node_modules/.package-lock.json")),
    ) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    }
}

/// Installs Debian's Node.js and npm unless both run.
fn ensure_node() -> Result<(), String> {
    if succeeds(Command::new("node").arg("--version"))
        && succeeds(Command::new("npm").arg("--version"))
    {
        return Ok(());
    }
    println!("`node` or `npm` not found; installing Debian's nodejs and npm");
    apt_install(&["--no-install-recommends", "nodejs", "npm"])
}

/// The exact wasm-bindgen version the JS crate pins (`"=X.Y.Z"`).
fn pinned_wasm_bindgen(ws: &Workspace) -> Result<String, String> {
    let manifest = ws.root.join("crates/sealed-session-js/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let key = "wasm-bindgen = { version = \"=";
    let start = text
        .find(key)
        .map(|at| at + key.len())
        .ok_or("crates/sealed-session-js/Cargo.toml pins no `wasm-bindgen = { version = \"=...`")?;
    let len = text[start..]
        .find('"')
        .ok_or("unterminated wasm-bindgen version")?;
    Ok(text[start..start + len].to_owned())
}

/// Installs wasm-bindgen-cli `version` unless `wasm-bindgen --version` says it.
fn ensure_wasm_bindgen(ws: &Workspace, version: &str) -> Result<(), String> {
    let wanted = format!("wasm-bindgen {version}");
    let current = Command::new("wasm-bindgen").arg("--version").output();
    if let Ok(output) = current
        && String::from_utf8_lossy(&output.stdout).trim() == wanted
    {
        return Ok(());
    }
    println!("`{wanted}` not found; installing wasm-bindgen-cli {version}");
    ws.run_cargo(&[
        "install",
        "--locked",
        "wasm-bindgen-cli",
        "--version",
        &format!("={version}"),
    ])
}
