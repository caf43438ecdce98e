//! The CI step for the fleet features (`crates/sealed-session-redis`): the
//! tests against a real redis-server, which plain `cargo test` ignores so
//! that it needs nothing installed. Debian's `redis-server` is installed
//! when missing; each test starts its own server on a free loopback port
//! with a temporary directory, so nothing here starts one.

use std::path::Path;
use std::time::Instant;

use crate::portability::apt_install;
use crate::workspace::Workspace;

/// Where Debian's package puts the server.
pub(crate) const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// Installs redis-server when missing, then runs the Redis tests with
/// `--ignored`; prints how long each part took.
///
/// # Errors
///
/// When the install or a test fails.
pub(crate) fn redis_tests(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    if !Path::new(REDIS_SERVER).exists() {
        println!("{REDIS_SERVER} missing: installing Debian's redis-server");
        apt_install(&["--no-install-recommends", "redis-server"])?;
    }
    let installed = started.elapsed();
    // The same features as the workspace test step, so its build is reused.
    let mut run = ws.cargo(["test", "--workspace", "--all-features", "--test", "redis"]);
    run.args(["--", "--ignored", "--nocapture"])
        .env("REDIS_SERVER", REDIS_SERVER);
    let result = ws.run(&mut run);
    println!(
        "redis step: install {:.1}s, build and run {:.1}s",
        installed.as_secs_f64(),
        (started.elapsed() - installed).as_secs_f64()
    );
    result
}
