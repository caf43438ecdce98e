//! Runs one std session operation in a loop, for a profiler that counts
//! instructions (`valgrind --tool=callgrind`), which stays repeatable on a
//! loaded machine where wall-clock timings do not:
//!
//! ```text
//! cargo build --release -p sealed-session-benches --bin bench-profile
//! valgrind --tool=callgrind target/release/bench-profile open 930 2000
//! ```
//!
//! It prints the process CPU time (user and system, so system calls such
//! as `OsRandom`'s `getpid` count) per operation of the loop, in
//! nanoseconds, as `{"cpu_ns": …}`: `cargo xtask bench` cross-checks the
//! P3 and P4 ratios with it, alternating subject and peer, because time
//! spent waiting for a core shared with other builds does not count.
//!
//! Subjects: `seal`, `open` (JSON session, defaults), `seal_z`, `open_z`
//! (compression above 1024 bytes), `from_json` (`Session::from_json`
//! alone), `cookie_seal`, `cookie_open` (the `cookie` crate's PrivateJar +
//! serde_json, as the criterion peer). The setup runs once before the loop.

use core::hint::black_box;
use std::process::ExitCode;

use sealed_session::{Compression, Session};
use sealed_session_benches::{COMPRESS_ABOVE, COOKIE_NAME, KEY, session, std_codec};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(subject), Some(size), Some(iterations)) = (
        args.first(),
        args.get(1).and_then(|s| s.parse::<usize>().ok()),
        args.get(2).and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: bench-profile <subject> <size> <iterations>");
        return ExitCode::from(2);
    };
    let json = session(size).to_json();
    let compression = if subject.ends_with("_z") {
        Compression::Above(COMPRESS_ABOVE)
    } else {
        Compression::Never
    };
    let codec = std_codec(|b| b.compression(compression));
    let Ok(fresh) = Session::from_json(&json) else {
        eprintln!("the payload is not a session");
        return ExitCode::FAILURE;
    };
    let Ok(value) = codec.seal(&fresh) else {
        eprintln!("size {size} does not fit a cookie with {compression:?}");
        return ExitCode::FAILURE;
    };
    let Ok(opened) = codec.open(&value) else {
        eprintln!("the cookie does not open");
        return ExitCode::FAILURE;
    };
    let key = cookie::Key::from(&[KEY, KEY].concat());
    let map = session(size).to_map();
    let mut jar = cookie::CookieJar::new();
    jar.private_mut(&key).add(cookie::Cookie::new(
        COOKIE_NAME,
        String::from_utf8_lossy(&json).into_owned(),
    ));
    let mut request = cookie::CookieJar::new();
    if let Some(sealed) = jar.get(COOKIE_NAME) {
        request.add_original(cookie::Cookie::new(COOKIE_NAME, sealed.value().to_owned()));
    }
    let mut ok = true;
    let start = cpu_ns();
    for _ in 0..iterations {
        ok &= match subject.as_str() {
            "seal" | "seal_z" => codec.seal(black_box(&opened)).is_ok(),
            "open" | "open_z" => codec.open(black_box(&value)).is_ok(),
            "from_json" => Session::from_json(black_box(&json)).is_ok(),
            "cookie_seal" => {
                let text = serde_json::to_string(black_box(&map)).unwrap_or_default();
                let mut jar = cookie::CookieJar::new();
                jar.private_mut(&key)
                    .add(cookie::Cookie::new(COOKIE_NAME, text));
                black_box(jar.get(COOKIE_NAME).map(|c| c.value().to_owned())).is_some()
            }
            "cookie_open" => request
                .private(&key)
                .get(COOKIE_NAME)
                .and_then(|c| {
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(c.value())
                        .ok()
                })
                .is_some(),
            other => {
                eprintln!("unknown subject `{other}`");
                return ExitCode::from(2);
            }
        };
    }
    let elapsed = cpu_ns().saturating_sub(start);
    if ok {
        let per_op = elapsed as f64 / iterations.max(1) as f64;
        println!("{{\"cpu_ns\": {per_op:.1}}}");
        ExitCode::SUCCESS
    } else {
        eprintln!("an operation failed");
        ExitCode::FAILURE
    }
}

/// This process's CPU time (user and system) in nanoseconds.
fn cpu_ns() -> u64 {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID).map_or(0, |t| {
        u64::try_from(t.tv_sec()).unwrap_or(0) * 1_000_000_000
            + u64::try_from(t.tv_nsec()).unwrap_or(0)
    })
}
