//! The CI step that runs the tower crate's browser test
//! (`crates/sealed-session-tower/tests/browser/`): Debian's Chromium and
//! chromedriver, installed when missing; chromedriver started on a port
//! of its own choosing, its log in the target directory; the test, which
//! plain `cargo test` ignores, run against it with `--ignored`.

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use crate::portability::{apt_install, target_dir};
use crate::workspace::{Workspace, display};

/// Where Debian's packages put the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The longest chromedriver may take to start or to shut down.
const DRIVER_BOUND: Duration = Duration::from_secs(10);

/// Installs Chromium and chromedriver when either is missing, builds the
/// browser test, starts chromedriver and runs the test; prints how long
/// each part took.
///
/// # Errors
///
/// When the install, the build, chromedriver or the test fails.
pub(crate) fn browser_tests(ws: &Workspace) -> Result<(), String> {
    let started = Instant::now();
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        println!(
            "{CHROMIUM} or {CHROMEDRIVER} missing: installing Debian's chromium and chromium-driver"
        );
        // With Debian's recommended packages (fonts among them), as a
        // Debian user installs the browser.
        apt_install(&["chromium", "chromium-driver"])?;
    }
    let installed = started.elapsed();

    // The same features as the workspace test step, so its build is reused.
    let test = ["test", "--workspace", "--all-features", "--test", "browser"];
    let mut build = ws.cargo(test);
    ws.run(build.arg("--no-run"))?;
    let built = started.elapsed();

    let log = target_dir(ws)?.join("chromedriver.log");
    let driver = Chromedriver::start(&log)?;
    let mut run = ws.cargo(test);
    run.args(["--", "--ignored", "--test-threads=1", "--nocapture"])
        .env("CHROMEDRIVER_URL", driver.url())
        .env("CHROMEDRIVER_LOG", &log)
        .env("CHROMIUM", CHROMIUM);
    let result = ws.run(&mut run);
    drop(driver);
    let ran = started.elapsed();
    println!(
        "browser step: install {:.1}s, build {:.1}s, run {:.1}s",
        installed.as_secs_f64(),
        (built - installed).as_secs_f64(),
        (ran - built).as_secs_f64()
    );
    result.map_err(|e| format!("{e}\nchromedriver's whole log: {}", log.display()))
}

/// A chromedriver process this step started; shut down on drop.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts chromedriver on a free port (`--port=0`: it picks one and
    /// prints it), logging to `log`; waits at most [`DRIVER_BOUND`] for it.
    fn start(log: &Path) -> Result<Self, String> {
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::piped());
        println!("$ {}", display(&command));
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {CHROMEDRIVER}: {e}"))?;
        // Its stdout, line by line, read to the end so it never blocks.
        let (lines, received) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = lines.send(line);
                }
            });
        }
        let deadline = Instant::now() + DRIVER_BOUND;
        let mut printed = Vec::new();
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = received.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "chromedriver did not say its port within {DRIVER_BOUND:?}; it printed:\n{}\n\
                     its log: {}",
                    printed.join("\n"),
                    log.display()
                ));
            };
            // "ChromeDriver was started successfully on port 40487."
            let port = line
                .split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end_matches('.').parse::<u16>().ok());
            printed.push(line);
            if let Some(port) = port {
                break port;
            }
        };
        println!(
            "chromedriver listening on port {port}, log {}",
            log.display()
        );
        Ok(Self { child, port })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    /// Asks chromedriver to shut down (it closes any browser still open),
    /// and kills it if it has not exited within [`DRIVER_BOUND`].
    fn drop(&mut self) {
        let _ = http_get(self.port, "/shutdown");
        let deadline = Instant::now() + DRIVER_BOUND;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("chromedriver did not shut down within {DRIVER_BOUND:?}: killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on 127.0.0.1:`port`, one request on its own connection
/// (HTTP/1.1: chromedriver refuses 1.0); the whole answer.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, DRIVER_BOUND)?;
    stream.set_read_timeout(Some(DRIVER_BOUND))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
