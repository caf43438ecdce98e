//! The CI step of the npm package (`js/`, over `crates/sealed-session-js`):
//! installs the package's npm dependencies from its lockfile, builds the
//! WASM module (the `wasm` profile), generates its JavaScript glue with the
//! pinned wasm-bindgen CLI, shrinks the module with binaryen's `wasm-opt
//! -Oz` (the npm package `binaryen`), compiles the TypeScript (`tsc`
//! checks the types, the glue's generated `.d.ts` included) and runs the
//! package's tests with Node's test runner: the API, the FORMAT.md vectors, the scenarios and the
//! project's conformance table (`tests/conformance`) over HTTP in workerd,
//! Node, Deno, Bun and Express (the runtimes come from npm packages, see
//! `js/package.json`), the iron-session migration, one session shared
//! with the Rust command line and with the axum example
//! `axum_flask_shared`; then the Python package's cross-service test with
//! Flask against the Hono app.
//!
//! Installs what is missing: Debian's `nodejs` and `npm`, the rustup target
//! `wasm32-unknown-unknown` and component `rust-src` (the module builds its
//! standard library, see [`BUILD_STD`]), and `wasm-bindgen-cli` at exactly the version
//! `crates/sealed-session-js/Cargo.toml` pins (`cargo install --locked`,
//! about four CPU minutes, once per machine).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::portability::{apt_install, target_dir};
use crate::python::ensure_python_venv;
use crate::workspace::{Workspace, succeeds};

const TARGET: &str = "wasm32-unknown-unknown";

/// The cargo profile of the WASM module (root `Cargo.toml`).
const PROFILE: &str = "wasm";

/// The standard library built from source for the module (`-Zbuild-std`),
/// with its `optimize_for_size` feature (smaller algorithms where std has
/// a choice): with the flags below, 17 KB less gzipped than the prebuilt
/// std, at the same speed (`js/bench/bench.mjs`).
const BUILD_STD: [&str; 2] = [
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];

/// Size-only flags for every crate of the module, std included: a panic is
/// a trap at once, with no message formatted (as before, where
/// `panic = "abort"` printed nowhere on `wasm32-unknown-unknown`: the
/// caller sees the same `RuntimeError: unreachable`); no source locations;
/// and `Debug` prints nothing (the module formats no `Debug` output: its
/// error names come from `name()`, see `crates/sealed-session-js`).
///
/// These and [`BUILD_STD`] are unstable, so the build runs with
/// `RUSTC_BOOTSTRAP=1` on the workspace's own toolchain rather than on a
/// nightly: the module then comes from the same compiler as every other
/// build, and its size does not move with whichever nightly is installed.
/// Only this one cargo command sees it, and the package's tests run over
/// its output. One difference remains, as it would on a nightly: build
/// scripts that probe for nightly features find them (`thiserror` turns on
/// `error_generic_member_access`, `proc-macro2` its span API on the host),
/// so those crates compile a little differently here than in the native
/// builds.
const SIZE_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none";

/// The `aes` crate's software backend with 32-bit words: two blocks a
/// pass instead of four with the 64-bit words it picks for WebAssembly. A
/// pass costs about the same either way (the bitsliced rounds are the same
/// number of word operations), and EAX uses two lanes a block (the MAC
/// step and one keystream block, see `sealed-session-core`'s `eax.rs`),
/// so the narrower pass wastes none: the envelope at 1 KiB seals and opens
/// about 10% faster in `js/bench/bench.mjs` (29.5 µs against 32.7 µs
/// each, 2026-12-07), and the module is 1.7 KB smaller gzipped. The
/// `cpubits` crate documents this override ("Overriding the selection
/// result via `cfg`"); in the module's dependencies only `aes` reads it.
const AES_WORDS: &str = "--cfg cpubits=\"32\"";

/// Runs the whole step; prints how long each part took.
///
/// # Errors
///
/// When an install, the build or a test fails.
pub(crate) fn js_package(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    let package = build_package(ws)?;
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
        "sealed-session-tower-examples",
        "--bin",
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
            target.join("debug/axum_flask_shared"),
        );
    let result = ws
        .run(&mut test)
        .and_then(|()| flask_cross_service(ws, &package));
    let mut size = Command::new("node");
    size.arg("bench/size.mjs").current_dir(&package);
    let sized = ws.run(&mut size);
    println!(
        "js step: installs and build {:.1}s, tests {:.1}s",
        compiled.as_secs_f64(),
        (started.elapsed() - compiled).as_secs_f64()
    );
    result.and(sized)
}

/// Builds the package in `js/` (returned): the WASM module (the `wasm`
/// profile: small, with the AES and EAX code at opt-level 3; std built
/// for size, see [`BUILD_STD`]), its glue from
/// the pinned wasm-bindgen CLI, the module shrunk by binaryen's `wasm-opt
/// -Oz` (from npm, pinned in the lockfile), and the TypeScript compiled.
/// Installs what is missing first (see the module docs).
///
/// # Errors
///
/// When an install or a build step fails.
pub(crate) fn build_package(ws: &Workspace) -> Result<PathBuf, String> {
    let started = Instant::now();
    ensure_node()?;
    ws.ensure_rustup_target(TARGET)?;
    let version = pinned_wasm_bindgen(ws)?;
    ensure_wasm_bindgen(ws, &version)?;
    let package = ws.root.join("js");
    if npm_install_needed(&package) {
        ws.run(npm(&package).arg("ci"))?;
    }
    ensure_rust_src(ws)?;
    let installed = started.elapsed();

    let mut build = ws.cargo([
        "build",
        "-p",
        "sealed-session-js",
        "--target",
        TARGET,
        "--profile",
        PROFILE,
    ]);
    build.args(BUILD_STD).env("RUSTC_BOOTSTRAP", "1");
    add_rustflags(&mut build, &format!("{SIZE_RUSTFLAGS} {AES_WORDS}"))?;
    ws.run(&mut build)?;
    let module = target_dir(ws)?
        .join(TARGET)
        .join(PROFILE)
        .join("sealed_session_js.wasm");
    let out = package.join("wasm");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args([
            "--target",
            "web",
            "--weak-refs",
            "--omit-default-module-path",
        ])
        .arg("--out-dir")
        .arg(&out)
        .arg(&module);
    ws.run(&mut bindgen)?;
    // In place; without `-g` it also drops the function names.
    let bg = out.join("sealed_session_js_bg.wasm");
    let mut opt = Command::new("node");
    opt.arg(package.join("node_modules/binaryen/bin/wasm-opt"))
        .args(["-Oz", "--strip-producers"])
        .arg(&bg)
        .arg("-o")
        .arg(&bg);
    ws.run(&mut opt)?;
    let built = started.elapsed();

    ws.run(npm(&package).args(["run", "build"]))?;
    println!(
        "js build: installs {:.1}s, wasm build, bindgen and wasm-opt {:.1}s, tsc {:.1}s",
        installed.as_secs_f64(),
        (built - installed).as_secs_f64(),
        (started.elapsed() - built).as_secs_f64()
    );
    Ok(package)
}

/// Gives `build` the rustflags `ours` after the user's own (see
/// [`rustflags`]).
///
/// # Errors
///
/// When the variable that is set is not UTF-8.
fn add_rustflags(build: &mut Command, ours: &str) -> Result<(), String> {
    let (name, value) = rustflags(
        std::env::var("CARGO_ENCODED_RUSTFLAGS"),
        std::env::var("RUSTFLAGS"),
        ours,
    )?;
    build.env(name, value);
    Ok(())
}

/// The variable and value that give cargo `ours` after the user's flags:
/// appended to `CARGO_ENCODED_RUSTFLAGS` (`encoded`) or `RUSTFLAGS`
/// (`plain`), whichever is set, as cargo reads the first of those it finds
/// and ignores the rest; with neither, ours alone in `RUSTFLAGS`, which
/// takes the place of any `rustflags` of the user's cargo configuration for
/// this build (the workspace sets none).
///
/// # Errors
///
/// When the variable that is set is not UTF-8.
fn rustflags(
    encoded: Result<String, std::env::VarError>,
    plain: Result<String, std::env::VarError>,
    ours: &str,
) -> Result<(&'static str, String), String> {
    use std::env::VarError;
    let not_utf8 = |name: &str| format!("{name} is not UTF-8");
    match encoded {
        Ok(theirs) => {
            let joined = theirs
                .split('\x1f')
                .chain(ours.split_whitespace())
                .filter(|flag| !flag.is_empty())
                .collect::<Vec<_>>()
                .join("\x1f");
            return Ok(("CARGO_ENCODED_RUSTFLAGS", joined));
        }
        Err(VarError::NotUnicode(_)) => return Err(not_utf8("CARGO_ENCODED_RUSTFLAGS")),
        Err(VarError::NotPresent) => {}
    }
    let theirs = match plain {
        Ok(theirs) => theirs,
        Err(VarError::NotPresent) => String::new(),
        Err(VarError::NotUnicode(_)) => return Err(not_utf8("RUSTFLAGS")),
    };
    Ok(("RUSTFLAGS", format!("{theirs} {ours}").trim().to_owned()))
}

/// Adds the `rust-src` component (the standard library's source, for
/// [`BUILD_STD`]) to the workspace's toolchain unless it is there.
///
/// # Errors
///
/// When rustc or rustup cannot be run.
fn ensure_rust_src(ws: &Workspace) -> Result<(), String> {
    // The compiler cargo runs: `RUSTC` when set (rustup's proxy otherwise,
    // which resolves to the same toolchain as `cargo xtask`'s cargo).
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .current_dir(&ws.root)
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let library = Path::new(&sysroot).join("lib/rustlib/src/rust/library/std/Cargo.toml");
    if output.status.success() && library.exists() {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["component", "add", "rust-src"])
        .current_dir(&ws.root);
    ws.run(&mut add)
}

/// The package's benchmark for `cargo xtask bench`: builds it, then runs
/// `js/bench/bench.mjs` (seal and open against iron-session and
/// iron-webcrypto, in one Node process) and `js/bench/size.mjs` (the
/// module's size, gzipped); returns their tables as Markdown.
///
/// # Errors
///
/// When the build or a script fails.
pub(crate) fn bench_package(ws: &Workspace) -> Result<String, String> {
    let package = build_package(ws)?;
    let mut bench = Command::new("node");
    bench.arg("bench/bench.mjs").current_dir(&package);
    let speed = crate::bench::capture(&mut bench)?;
    let mut size = Command::new("node");
    size.args(["bench/size.mjs", "--markdown"])
        .current_dir(&package);
    let size = crate::bench::capture(&mut size)?;
    Ok(format!("{speed}\n{size}"))
}

/// The Python package's cross-service test (Flask's side: its
/// `test_cross_service.py`, written for the axum example) against the Hono
/// app of the same contract (`js/test/servers/shared.js`), sharing one
/// keyring file: Flask logs in and Hono reads and changes the session, and
/// the reverse. Builds and installs the Python package's wheel when the
/// Python step has not (`crates/sealed-session-py/ci.sh`).
fn flask_cross_service(ws: &Workspace, package: &Path) -> Result<(), String> {
    let python = ensure_python_venv(ws)?;
    let keys = target_dir(ws)?.join("js-cross-service-keys.txt");
    let text = std::fs::read_to_string(package.join("test/data/keys.txt"))
        .map_err(|e| format!("cannot read the test keys: {e}"))?;
    let _ = std::fs::remove_file(&keys);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&keys)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", keys.display()))?;
    let mut server = Command::new("node")
        .arg("test/servers/shared.js")
        .arg(&keys)
        .current_dir(package)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the Hono app: {e}"))?;
    let result = (|| {
        let stdout = server.stdout.take().ok_or("the Hono app has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the Hono app's address: {e}"))?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("the Hono app printed {line:?}, not its address"))?
            .to_owned();
        let mut tests = Command::new("bash");
        tests
            .arg(ws.root.join("crates/sealed-session-py/ci.sh"))
            .args(["--", "-m", "cross_service"])
            .env("SEALED_SESSION_PYTHON", &python)
            .env("SEALED_SESSION_RUST_URL", &url)
            .env("SEALED_SESSION_KEYS_FILE", &keys)
            .current_dir(&ws.root);
        ws.run(&mut tests)
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
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

#[cfg(test)]
mod tests {
    use std::env::VarError;
    use std::ffi::OsString;

    use super::*;

    const OURS: &str = "-Zfmt-debug=none --cfg cpubits=\"32\"";

    #[test]
    fn rustflags_follow_the_users() {
        assert_eq!(
            rustflags(Err(VarError::NotPresent), Err(VarError::NotPresent), OURS),
            Ok(("RUSTFLAGS", OURS.to_owned()))
        );
        assert_eq!(
            rustflags(Err(VarError::NotPresent), Ok("-D warnings".into()), OURS),
            Ok(("RUSTFLAGS", format!("-D warnings {OURS}")))
        );
        // The encoded variable wins, as in cargo, and keeps its own
        // separator (a flag of theirs may hold a space).
        assert_eq!(
            rustflags(
                Ok("-C\x1flink-arg=a b".into()),
                Ok("-D warnings".into()),
                OURS
            ),
            Ok((
                "CARGO_ENCODED_RUSTFLAGS",
                "-C\x1flink-arg=a b\x1f-Zfmt-debug=none\x1f--cfg\x1fcpubits=\"32\"".to_owned()
            ))
        );
        assert_eq!(
            rustflags(Ok(String::new()), Err(VarError::NotPresent), OURS),
            Ok((
                "CARGO_ENCODED_RUSTFLAGS",
                "-Zfmt-debug=none\x1f--cfg\x1fcpubits=\"32\"".to_owned()
            ))
        );
        assert_eq!(
            rustflags(
                Err(VarError::NotUnicode(OsString::new())),
                Ok(String::new()),
                OURS
            ),
            Err("CARGO_ENCODED_RUSTFLAGS is not UTF-8".to_owned())
        );
        assert_eq!(
            rustflags(
                Err(VarError::NotPresent),
                Err(VarError::NotUnicode(OsString::new())),
                OURS
            ),
            Err("RUSTFLAGS is not UTF-8".to_owned())
        );
    }
}
