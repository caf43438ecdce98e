//! The few W3C WebDriver commands these tests use, over the reqwest the
//! crate's HTTP tests already build.
//!
//! Not thirtyfour or fantoccini: as a dev-dependency, thirtyfour 0.38
//! switches on serde_json's `preserve_order` for every test of the
//! workspace (`cargo test --workspace` unifies features across members),
//! so the other tests would no longer see the serde_json our users get;
//! and it adds some 25 crates to a test that plain `cargo test` ignores.
//! The protocol these tests need is eleven JSON requests.

use core::time::Duration;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

/// Page loads, scripts and every wait end after this long.
pub(crate) const BOUND: Duration = Duration::from_secs(10);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// The flags Debian's Chromium needs headless in a container, plus no
/// network traffic of its own (updates, sync, QUIC probes).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    // `app.test` is this machine: a name that is not localhost, as a LAN
    // address or a Docker service name would be, with no DNS involved.
    "--host-resolver-rules=MAP app.test 127.0.0.1",
];

/// W3C WebDriver's key for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session: one headless Chromium with its own profile.
pub(crate) struct Browser {
    http: reqwest::Client,
    /// `<driver>/session/<id>`.
    session: String,
}

/// An element of the current page, as WebDriver names it.
pub(crate) struct Element(String);

impl Browser {
    /// Starts Chromium (`binary`) through the chromedriver at `driver`,
    /// with a fresh profile in `user_data_dir`, the browser's console log
    /// kept, and page loads and scripts bounded by [`BOUND`].
    pub(crate) async fn start(
        driver: &str,
        binary: &str,
        user_data_dir: &Path,
    ) -> Result<Self, String> {
        // Creating a session starts Chromium: allow more than a page load.
        let http = reqwest::Client::builder()
            .timeout(3 * BOUND)
            .build()
            .map_err(|e| format!("cannot build the WebDriver client: {e}"))?;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&f| f.to_owned()).collect();
        args.push(format!("--user-data-dir={}", user_data_dir.display()));
        let bound_ms = u64::try_from(BOUND.as_millis()).unwrap_or(u64::MAX);
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": binary, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "pageLoad": bound_ms, "script": bound_ms, "implicit": 0 },
        }}});
        let driver = driver.trim_end_matches('/');
        let value = send(
            &http,
            reqwest::Method::POST,
            &format!("{driver}/session"),
            Some(capabilities),
        )
        .await
        .map_err(|e| {
            format!("chromedriver at {driver} could not start Chromium ({binary}): {e}")
        })?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("chromedriver answered no session id: {value}"))?;
        Ok(Self {
            http,
            session: format!("{driver}/session/{id}"),
        })
    }

    /// Loads `url` and waits for its `load` event (at most [`BOUND`]).
    pub(crate) async fn goto(&self, url: &str) -> Result<(), String> {
        self.post("/url", json!({ "url": url }))
            .await
            .map(drop)
            .map_err(|e| format!("loading {url}: {e}"))
    }

    /// Reloads the page, as the reload button does.
    pub(crate) async fn refresh(&self) -> Result<(), String> {
        self.post("/refresh", json!({})).await.map(drop)
    }

    /// The address of the current page.
    pub(crate) async fn url(&self) -> Result<String, String> {
        let value = self.get("/url").await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Runs `script` (a function body; `return` gives the result) in the page.
    pub(crate) async fn execute(&self, script: &str) -> Result<Value, String> {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
            .await
            .map_err(|e| format!("running `{script}`: {e}"))
    }

    /// The element `css` selects, once it exists (at most [`BOUND`]).
    pub(crate) async fn wait_for(&self, css: &str) -> Result<Element, String> {
        let what = format!("an element `{css}`");
        self.wait_until(&what, async || {
            let found = self
                .post("/element", json!({ "using": "css selector", "value": css }))
                .await?;
            Ok(found[ELEMENT].as_str().map(|id| Element(id.to_owned())))
        })
        .await
    }

    /// Waits until `script` returns `expected` (at most [`BOUND`]).
    pub(crate) async fn wait_for_script(
        &self,
        script: &str,
        expected: &Value,
    ) -> Result<(), String> {
        let what = format!("`{script}` to return {expected}");
        let mut last = Value::Null;
        let waited = self
            .wait_until(&what, async || {
                let value = self.execute(script).await?;
                if value == *expected {
                    return Ok(Some(()));
                }
                last = value;
                Ok(None)
            })
            .await;
        waited.map_err(|e| format!("{e}; it last returned {last}"))
    }

    /// Clicks `element`.
    pub(crate) async fn click(&self, element: &Element) -> Result<(), String> {
        let path = format!("/element/{}/click", element.0);
        self.post(&path, json!({})).await.map(drop)
    }

    /// Types `text` into `element`.
    pub(crate) async fn type_text(&self, element: &Element, text: &str) -> Result<(), String> {
        let path = format!("/element/{}/value", element.0);
        self.post(&path, json!({ "text": text })).await.map(drop)
    }

    /// Every cookie the browser holds for the current page, HttpOnly ones
    /// included: `name`, `value`, `httpOnly`, `secure`, ...
    pub(crate) async fn cookies(&self) -> Result<Vec<Value>, String> {
        match self.get("/cookie").await? {
            Value::Array(cookies) => Ok(cookies),
            other => Err(format!("the cookie list is not an array: {other}")),
        }
    }

    /// The browser's console since the last call (chromedriver's log
    /// endpoint; needs `goog:loggingPrefs`).
    pub(crate) async fn console_log(&self) -> Result<Vec<String>, String> {
        let entries = self.post("/se/log", json!({ "type": "browser" })).await?;
        Ok(entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| format!("{} {}", entry["level"], entry["message"]))
            .collect())
    }

    /// Ends the session: chromedriver closes Chromium.
    pub(crate) async fn quit(self) -> Result<(), String> {
        send(&self.http, reqwest::Method::DELETE, &self.session, None)
            .await
            .map(drop)
    }

    /// Runs `probe` every [`POLL`] until it gives a value, for at most
    /// [`BOUND`]. A probe's error (a page being replaced, say) counts as
    /// "not yet" and is quoted if time runs out.
    pub(crate) async fn wait_until<T>(
        &self,
        what: &str,
        mut probe: impl AsyncFnMut() -> Result<Option<T>, String>,
    ) -> Result<T, String> {
        let started = Instant::now();
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(error) => last_error = Some(error),
            }
            if started.elapsed() > BOUND {
                let last = last_error.map_or_else(String::new, |e| format!(" (last error: {e})"));
                return Err(format!("waited {BOUND:?} for {what}{last}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}{path}", self.session);
        send(&self.http, reqwest::Method::GET, &url, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.session);
        send(&self.http, reqwest::Method::POST, &url, Some(body)).await
    }
}

/// Sends one WebDriver command; its `value`, or the driver's error.
async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let mut answer: Value = response
        .json()
        .await
        .map_err(|e| format!("{method} {url}: HTTP {status}, not JSON: {e}"))?;
    let value = answer["value"].take();
    if status.is_success() {
        return Ok(value);
    }
    // Errors: `{"error": "no such element", "message": "...", "stacktrace": "..."}`.
    // A missing element is an answer, not a failure.
    if value["error"] == "no such element" {
        return Ok(Value::Null);
    }
    let message = value["message"].as_str().unwrap_or_default();
    let first_line = message.lines().next().unwrap_or_default();
    Err(format!("{method} {url}: {} ({first_line})", value["error"]))
}
