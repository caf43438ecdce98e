//! The CI step for the fleet features (`crates/sealed-session-redis`): the
//! tests against a real redis-server, which plain `cargo test` ignores so
//! that it needs nothing installed: the in-process ones
//! (`crates/sealed-session-redis/tests/redis.rs`) and the fleet of real
//! processes (`crates/sealed-session-tower/examples/tests/fleet.rs`: three
//! `axum_app` instances, the Flask fleet app when the venv has the
//! package, one redis-server). Debian's `redis-server` is installed when
//! missing, and the Python venv is made; each test starts its own server
//! on a free loopback port with a temporary directory, so nothing here
//! starts one.

use std::path::Path;
use std::time::Instant;

use crate::portability::apt_install;
use crate::workspace::Workspace;

/// Where Debian's package puts the server.
const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// Installs redis-server when missing and makes the venv, then runs the
/// Redis and fleet tests with `--ignored`; prints how long each part took.
///
/// # Errors
///
/// When the install or a test fails.
pub(crate) fn redis_tests(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    let redis_server = redis_server()?;
    let python = crate::python::ensure_python_venv(ws)?;
    let installed = started.elapsed();
    // The same features as the workspace test step, so its build is reused
    // (the fleet test's `axum_app` binary included).
    let mut run = ws.cargo([
        "test",
        "--workspace",
        "--all-features",
        "--test",
        "redis",
        "--test",
        "fleet",
    ]);
    run.args(["--", "--ignored", "--nocapture"])
        .env("REDIS_SERVER", redis_server)
        .env("SEALED_SESSION_PYTHON", &python);
    let result = ws.run(&mut run);
    println!(
        "redis step: install and venv {:.1}s, build and run {:.1}s",
        installed.as_secs_f64(),
        (started.elapsed() - installed).as_secs_f64()
    );
    result
}

/// The path of Debian's redis-server, installed first when missing (also
/// for `cargo xtask load`'s Redis-backed mode).
///
/// # Errors
///
/// When the install fails.
pub(crate) fn redis_server() -> Result<&'static str, String> {
    if !Path::new(REDIS_SERVER).exists() {
        println!("{REDIS_SERVER} missing: installing Debian's redis-server");
        apt_install(&["--no-install-recommends", "redis-server"])?;
    }
    Ok(REDIS_SERVER)
}
