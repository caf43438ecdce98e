//! Comparing a response with a row's expectation.

use sealed_session::{Session, SessionCodec};

use crate::craft::Request;
use crate::table::{COOKIE_NAME, DELETE, DELETE_LEGACY, Expect, Id, SET_ATTRIBUTES, SetCookie};

/// How far the server's clock may be from the runner's, seconds: the
/// codec's own clock-skew tolerance.
const SKEW: u64 = 60;

/// What came back, as the runner reads it.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) vary: Vec<String>,
}

/// A `Set-Cookie` header, classified.
enum Got {
    /// Sets the session cookie; `None` when the header is not exactly the
    /// expected shape or the value does not open (`why`).
    Set(Result<Opened, String>),
    /// Deletes the session cookie (exactly).
    Delete,
    /// Deletes the legacy cookie (exactly).
    DeleteLegacy,
    /// Anything else.
    Other(String),
}

/// A session cookie that was set and opened.
struct Opened {
    session: Session,
}

/// The comparison of one response: how to show it, and every difference.
pub(crate) struct Outcome {
    pub(crate) got: String,
    pub(crate) diffs: Vec<String>,
}

/// Compares `response` with `expect`; `sent_at` is when the request left
/// (runner's clock).
pub(crate) fn compare(
    opener: &SessionCodec,
    request: &Request,
    expect: &Expect,
    response: &Response,
    sent_at: u64,
) -> Outcome {
    let mut diffs = Vec::new();
    if response.status != expect.status {
        diffs.push(format!(
            "status: expected {}, got {}",
            expect.status, response.status
        ));
    }
    if let Some(body) = expect.body
        && response.body != body
    {
        diffs.push(format!(
            "body: expected {body:?}, got {:?}",
            shorten(&response.body)
        ));
    }
    let vary = names_cookie(&response.vary);
    if vary != expect.vary {
        diffs.push(if expect.vary {
            format!("Vary: expected to name Cookie, got {:?}", response.vary)
        } else {
            format!("Vary: expected not to name Cookie, got {:?}", response.vary)
        });
    }

    let got: Vec<Got> = response
        .set_cookies
        .iter()
        .map(|header| classify(opener, header))
        .collect();
    let described: Vec<String> = got.iter().map(|got| describe(got, request)).collect();
    // Each expected cookie is compared with the first header of its kind.
    let mut used = vec![false; got.len()];
    for wanted in expect.set_cookies {
        let found = got
            .iter()
            .enumerate()
            .position(|(index, got)| !used[index] && same_kind(wanted, got));
        match found {
            Some(index) => {
                used[index] = true;
                if let (SetCookie::Set { n, id }, Got::Set(opened)) = (wanted, &got[index]) {
                    check_set(*n, *id, opened, request, sent_at, &mut diffs);
                }
            }
            None => diffs.push(format!("Set-Cookie: missing {}", wanted.describe())),
        }
    }
    for (index, got) in got.iter().enumerate() {
        if !used[index] {
            diffs.push(format!("Set-Cookie: unexpected {}", describe(got, request)));
        }
    }

    let mut summary = vec![if expect.body.is_some() {
        format!("{} `{:?}`", response.status, shorten(&response.body))
    } else {
        response.status.to_string()
    }];
    summary.push(if described.is_empty() {
        "no Set-Cookie".to_owned()
    } else {
        described.join(" + ")
    });
    summary.push(if vary { "Vary" } else { "no Vary" }.to_owned());
    Outcome {
        got: summary.join("; "),
        diffs,
    }
}

/// Whether one of the `Vary` values names `Cookie` (any case).
fn names_cookie(values: &[String]) -> bool {
    values.iter().any(|value| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("cookie"))
    })
}

fn classify(opener: &SessionCodec, header: &str) -> Got {
    if header == DELETE {
        return Got::Delete;
    }
    if header == DELETE_LEGACY {
        return Got::DeleteLegacy;
    }
    let Some(rest) = header
        .strip_prefix(COOKIE_NAME)
        .and_then(|rest| rest.strip_prefix('='))
    else {
        return Got::Other(header.to_owned());
    };
    let (value, attributes) = rest.split_at(rest.find(';').unwrap_or(rest.len()));
    if value.is_empty() {
        // A deletion, but not the exact one.
        return Got::Other(header.to_owned());
    }
    if attributes != SET_ATTRIBUTES {
        return Got::Set(Err(format!(
            "attributes {attributes:?}, expected {SET_ATTRIBUTES:?}"
        )));
    }
    Got::Set(
        opener
            .open(value)
            .map(|session| Opened { session })
            .map_err(|error| format!("does not open: {error}")),
    )
}

fn same_kind(wanted: &SetCookie, got: &Got) -> bool {
    matches!(
        (wanted, got),
        (SetCookie::Set { .. }, Got::Set(_))
            | (SetCookie::Delete, Got::Delete)
            | (SetCookie::DeleteLegacy, Got::DeleteLegacy)
    )
}

/// How a `Set-Cookie` that came back reads in the report.
fn describe(got: &Got, request: &Request) -> String {
    match got {
        Got::Set(Ok(opened)) => {
            let n = match opened.session.get::<u64>("n") {
                Ok(Some(n)) => n.to_string(),
                Ok(None) => "(none)".to_owned(),
                Err(_) => "(not a number)".to_owned(),
            };
            let id = opened.session.id();
            let id = if id.is_some() && request.sessions.get(&'a').map(|sent| sent.id) == id {
                "same id"
            } else if request.sessions.values().any(|sent| Some(sent.id) == id) {
                "another id of the request"
            } else {
                "new id"
            };
            format!("set n={n} ({id})")
        }
        Got::Set(Err(why)) => format!("set ({why})"),
        Got::Delete => "delete".to_owned(),
        Got::DeleteLegacy => "delete-legacy".to_owned(),
        Got::Other(header) => format!("`{}`", shorten(header)),
    }
}

/// The checks of a `set` that came where one was expected.
fn check_set(
    n: u64,
    id: Id,
    opened: &Result<Opened, String>,
    request: &Request,
    sent_at: u64,
    diffs: &mut Vec<String>,
) {
    let opened = match opened {
        Ok(opened) => opened,
        Err(why) => {
            diffs.push(format!("Set-Cookie {COOKIE_NAME}: {why}"));
            return;
        }
    };
    let session = &opened.session;
    let mut diff = |what: String| diffs.push(format!("Set-Cookie {COOKIE_NAME}: {what}"));
    if session.reseal_advised() {
        diff("sealed under an older key, expected key 2".to_owned());
    }
    match session.get::<u64>("n") {
        Ok(Some(got)) if got == n => {}
        Ok(got) => diff(format!("n: expected {n}, got {got:?}")),
        Err(error) => diff(format!("n: expected {n}, got an error ({error})")),
    }
    let issued = session.issued_at().unwrap_or(0);
    if issued.saturating_add(SKEW) < sent_at {
        diff(format!(
            "sealed at {issued}, {} s before the request: not sealed now",
            sent_at - issued
        ));
    }
    let got_id = session.id();
    let created = session.created_at().unwrap_or(0);
    let incoming = request.sessions.get(&'a');
    match id {
        Id::Same => match incoming {
            Some(sent) => {
                if got_id != Some(sent.id) {
                    diff("id: expected the request's session id, got another".to_owned());
                }
                if created != sent.created_at {
                    diff(format!(
                        "created at: expected the session's {}, got {created}",
                        sent.created_at
                    ));
                }
            }
            None => diff("the row has no session `a` (a defect of the table)".to_owned()),
        },
        Id::New | Id::Migrated => {
            if request
                .sessions
                .values()
                .any(|sent| Some(sent.id) == got_id)
            {
                diff("id: expected a new id, got the request's".to_owned());
            }
            if id == Id::New && created.saturating_add(SKEW) < sent_at {
                diff(format!(
                    "created at: expected now ({sent_at}), got {created}: the absolute timeout did not restart"
                ));
            }
        }
    }
}

/// At most 80 characters of `text`, for the report.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX).collect();
    short.push('…');
    short
}
