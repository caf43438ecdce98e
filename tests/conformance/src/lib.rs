#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

extern crate alloc;

mod check;
mod craft;
mod report;
mod table;

use core::time::Duration;

use sealed_session::{Clock, SystemClock};

pub use report::Report;

/// The keyring text every stack's test app loads: key 2 (primary) first,
/// key 1 (older) second, each as 64 hex digits. **Test keys, public:
/// never use them anywhere else.**
pub const KEYS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/keys.txt");

/// The 64-hex-digit key of the legacy (Python EncryptedSession) cookies the
/// test apps migrate, under the cookie name `legacy_session`. **A test key,
/// public.**
pub const LEGACY_KEY_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/legacy-key.txt");

/// How long one request may take before its row fails: a bound so that a
/// server that hangs cannot hang the run, not a speed check.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends every row of the table to the test app at `base_url` (for example
/// `http://127.0.0.1:8080`, without a trailing slash) and compares each
/// response with the row's expectation.
///
/// Each row is one GET with redirects off and no cookie jar: the runner
/// crafts the `Cookie` header with the std crate from [`KEYS_FILE`] and
/// [`LEGACY_KEY_FILE`], and opens every session cookie the server sets
/// with the same keyring. Rows run one after another. Never fails as a
/// whole: a server that cannot be reached, or a key file that cannot be
/// read, fails every row with the reason.
pub async fn run(base_url: &str) -> Report {
    let base_url = base_url.trim_end_matches('/');
    let mut report = Report::new(base_url);
    let setup = craft::load_keys().and_then(|keys| {
        let opener = craft::opener(&keys)?;
        let crafter = craft::Crafter::new(&keys)?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| format!("building the HTTP client: {error}"))?;
        Ok((opener, crafter, client))
    });
    for row in table::ROWS {
        let request_text = row.describe_request();
        let expected = row.expect.describe();
        let (opener, crafter, client) = match &setup {
            Ok(setup) => setup,
            Err(why) => {
                report.push(
                    row.name,
                    request_text,
                    expected,
                    String::new(),
                    vec![why.clone()],
                );
                continue;
            }
        };
        let sent_at = SystemClock.now();
        let request = match crafter.request(row.cookies, sent_at) {
            Ok(request) => request,
            Err(why) => {
                report.push(row.name, request_text, expected, String::new(), vec![why]);
                continue;
            }
        };
        match send(client, base_url, row.path, request.cookie_header.as_deref()).await {
            Ok(response) => {
                let outcome = check::compare(opener, &request, &row.expect, &response, sent_at);
                report.push(row.name, request_text, expected, outcome.got, outcome.diffs);
            }
            Err(why) => report.push(row.name, request_text, expected, String::new(), vec![why]),
        }
    }
    report
}

/// One GET, read whole.
async fn send(
    client: &reqwest::Client,
    base_url: &str,
    path: &str,
    cookie: Option<&str>,
) -> Result<check::Response, String> {
    let mut request = client.get(format!("{base_url}{path}"));
    if let Some(cookie) = cookie {
        request = request.header(reqwest::header::COOKIE, cookie);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("request failed: {error}"))?;
    let status = response.status().as_u16();
    let headers = response.headers();
    let strings = |name| -> Result<Vec<String>, String> {
        headers
            .get_all(&name)
            .iter()
            .map(|value| {
                value
                    .to_str()
                    .map(str::to_owned)
                    .map_err(|_| format!("a {name} header that is not visible ASCII"))
            })
            .collect()
    };
    let set_cookies = strings(reqwest::header::SET_COOKIE)?;
    let vary = strings(reqwest::header::VARY)?;
    let body = response
        .text()
        .await
        .map_err(|error| format!("reading the body: {error}"))?;
    Ok(check::Response {
        status,
        body,
        set_cookies,
        vary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_hold_key_2_then_key_1_and_a_legacy_key() {
        let keys = craft::load_keys().unwrap();
        let codec = craft::opener(&keys).unwrap();
        assert_eq!(codec.core().keyring().ids().collect::<Vec<_>>(), [2, 1]);
        assert_eq!(codec.core().keyring().primary_id(), 2);
        let legacy = std::fs::read_to_string(LEGACY_KEY_FILE).unwrap();
        assert_eq!(legacy.trim().len(), 64);
        assert!(legacy.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    /// The deletion headers the table requires are the std crate's own.
    #[test]
    fn deletion_headers_are_the_std_crate_s() {
        let keys = craft::load_keys().unwrap();
        assert_eq!(
            craft::opener(&keys).unwrap().delete_cookie_header(),
            table::DELETE
        );
        let legacy_key =
            sealed_session::Key::parse(std::fs::read_to_string(LEGACY_KEY_FILE).unwrap().trim())
                .unwrap();
        let start = std::time::SystemTime::now();
        let codec = sealed_session::SessionCodec::builder(
            sealed_session::Keyring::from_text(&std::fs::read_to_string(KEYS_FILE).unwrap())
                .unwrap(),
        )
        .accept_legacy(
            sealed_session::Legacy::encrypted_session(&legacy_key)
                .cookie_name(table::LEGACY_COOKIE_NAME)
                .since(start)
                .until(start + Duration::from_secs(60)),
        )
        .build()
        .unwrap();
        let session = codec.load(["legacy_session=u.AAAA.AAAA.AAAA"]).session;
        let saved = codec.save(&session).unwrap();
        assert_eq!(saved.legacy_cookie.as_deref(), Some(table::DELETE_LEGACY));
    }

    /// Callers spawn it on multi-threaded runtimes.
    #[test]
    fn run_is_send() {
        fn send<T: Send>(_: &T) {}
        send(&run("http://127.0.0.1:1"));
    }

    #[test]
    fn readme_shows_the_table() {
        let readme = include_str!("../README.md");
        let table = table::markdown();
        assert!(
            readme.contains(&table),
            "README.md must contain the table exactly as the runner has it:\n{table}"
        );
    }
}
