//! The conformance table as data: each row a request (the cookies it
//! carries, the endpoint) and the exact response the contract requires.
//!
//! README.md shows this table; a test keeps the two identical.

/// The session cookie's name, in every stack.
pub(crate) const COOKIE_NAME: &str = "__Host-session";
/// The legacy (EncryptedSession) cookie's name, in every stack.
pub(crate) const LEGACY_COOKIE_NAME: &str = "legacy_session";
/// What follows the value in every `Set-Cookie` that sets the session.
pub(crate) const SET_ATTRIBUTES: &str = "; HttpOnly; Secure; SameSite=Lax; Path=/";
/// The exact `Set-Cookie` that deletes the session cookie.
pub(crate) const DELETE: &str = "__Host-session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
/// The exact `Set-Cookie` that deletes the legacy cookie.
pub(crate) const DELETE_LEGACY: &str =
    "legacy_session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/// The idle timeout, seconds.
pub(crate) const IDLE_TIMEOUT: u64 = 3600;
/// The absolute timeout, seconds.
pub(crate) const ABSOLUTE_TIMEOUT: u64 = 86_400;
/// The refresh interval, seconds.
pub(crate) const REFRESH_AFTER: u64 = 60;
/// The end of the legacy migration: 2036-01-01T00:00:00Z.
pub(crate) const LEGACY_UNTIL: u64 = 2_082_758_400;

/// One request and the response it must get.
#[derive(Debug)]
pub(crate) struct Row {
    /// A short, stable name (what a failing row is called).
    pub(crate) name: &'static str,
    /// The cookies the request carries, in this order, in one `Cookie`
    /// header.
    pub(crate) cookies: &'static [Craft],
    /// The endpoint (a GET).
    pub(crate) path: &'static str,
    /// The response required.
    pub(crate) expect: Expect,
}

/// A cookie the runner crafts with the std crate.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Craft {
    /// An envelope v1 cookie under `__Host-session`.
    Sealed(Sealed),
    /// A [`Craft::Sealed`] cookie with one character of its value changed.
    Tampered(Sealed),
    /// `__Host-session=garbage`.
    Garbage,
    /// A Python EncryptedSession cookie `{"n": n}` under `legacy_session`.
    Legacy {
        /// The session's `n`.
        n: u64,
    },
}

/// An envelope v1 session cookie `{"n": n}`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sealed {
    /// Cookies of one row with the same letter share one session id (and
    /// creation time); different letters, different ids.
    pub(crate) id: char,
    /// The session's `n`.
    pub(crate) n: u64,
    /// Sealed under key 2 (the primary) or key 1 (the older one).
    pub(crate) key: u8,
    /// How long ago the cookie was sealed, seconds.
    pub(crate) issued_ago: u64,
    /// How long ago the session was created, seconds (at least `issued_ago`).
    pub(crate) created_ago: u64,
}

/// How long ago a crafted session was created unless a row says otherwise:
/// ten minutes, so that a response which restarts the absolute timeout
/// where it must not shows in the creation time.
pub(crate) const CREATED_AGO: u64 = 600;

/// A valid cookie: session `a`, `{"n": n}`, key 2, sealed now, created
/// [`CREATED_AGO`].
const fn valid(n: u64) -> Sealed {
    Sealed {
        id: 'a',
        n,
        key: 2,
        issued_ago: 0,
        created_ago: CREATED_AGO,
    }
}

/// Sealed `ago` seconds ago (and created then, or [`CREATED_AGO`]).
const fn aged(n: u64, ago: u64) -> Sealed {
    Sealed {
        issued_ago: ago,
        created_ago: if ago > CREATED_AGO { ago } else { CREATED_AGO },
        ..valid(n)
    }
}

/// The response a row requires.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect {
    /// The status code.
    pub(crate) status: u16,
    /// The body, where the contract fixes it.
    pub(crate) body: Option<&'static str>,
    /// Every `Set-Cookie`, in any order (at most one per cookie name).
    pub(crate) set_cookies: &'static [SetCookie],
    /// Whether `Vary` names `Cookie`.
    pub(crate) vary: bool,
}

/// One `Set-Cookie` a row requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetCookie {
    /// `__Host-session=<value>; HttpOnly; Secure; SameSite=Lax; Path=/`,
    /// the value sealed now under key 2, opening to `{"n": n}`.
    Set {
        /// The session's `n`.
        n: u64,
        /// Which session it is.
        id: Id,
    },
    /// The exact deletion of `__Host-session` ([`DELETE`]).
    Delete,
    /// The exact deletion of `legacy_session` ([`DELETE_LEGACY`]).
    DeleteLegacy,
}

/// The identity of a session cookie that is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Id {
    /// The id and creation time of the request's session `a`.
    Same,
    /// A new id, none of the request's, created now: the absolute timeout
    /// starts again.
    New,
    /// A new id for a session migrated from a legacy cookie: created when
    /// the migration started (the app's start).
    Migrated,
}

const fn set(n: u64, id: Id) -> SetCookie {
    SetCookie::Set { n, id }
}

const fn expect(
    status: u16,
    body: Option<&'static str>,
    set_cookies: &'static [SetCookie],
    vary: bool,
) -> Expect {
    Expect {
        status,
        body,
        set_cookies,
        vary,
    }
}

const VALID: &[Craft] = &[Craft::Sealed(valid(5))];
const TAMPERED: &[Craft] = &[Craft::Tampered(valid(5))];
const NOTHING: &[Craft] = &[];
const B: Sealed = Sealed {
    id: 'b',
    ..valid(9)
};
const OLDER: Sealed = aged(3, 30);
const NEWER: Sealed = aged(4, 10);
/// Two days: past the absolute timeout.
const TWO_DAYS: u64 = 2 * 86_400;

/// The table. Every stack's test app must answer every row exactly so.
pub(crate) const ROWS: &[Row] = &[
    Row {
        name: "no-cookie-none",
        cookies: NOTHING,
        path: "/none",
        expect: expect(200, Some("none"), &[], false),
    },
    Row {
        name: "no-cookie-read",
        cookies: NOTHING,
        path: "/read",
        expect: expect(200, Some("0"), &[], true),
    },
    Row {
        name: "no-cookie-write",
        cookies: NOTHING,
        path: "/write",
        expect: expect(200, Some("1"), &[set(1, Id::New)], true),
    },
    Row {
        name: "valid-read",
        cookies: VALID,
        path: "/read",
        expect: expect(200, Some("5"), &[], true),
    },
    Row {
        name: "valid-none",
        cookies: VALID,
        path: "/none",
        expect: expect(200, Some("none"), &[], false),
    },
    Row {
        name: "valid-write",
        cookies: VALID,
        path: "/write",
        expect: expect(200, Some("6"), &[set(6, Id::Same)], true),
    },
    Row {
        name: "refresh-due-read",
        cookies: &[Craft::Sealed(aged(5, 120))],
        path: "/read",
        expect: expect(200, Some("5"), &[set(5, Id::Same)], true),
    },
    Row {
        name: "refresh-due-none",
        cookies: &[Craft::Sealed(aged(5, 120))],
        path: "/none",
        expect: expect(200, Some("none"), &[set(5, Id::Same)], true),
    },
    Row {
        name: "older-key-read",
        cookies: &[Craft::Sealed(Sealed { key: 1, ..valid(5) })],
        path: "/read",
        expect: expect(200, Some("5"), &[set(5, Id::Same)], true),
    },
    Row {
        name: "older-key-none",
        cookies: &[Craft::Sealed(Sealed { key: 1, ..valid(5) })],
        path: "/none",
        expect: expect(200, Some("none"), &[set(5, Id::Same)], true),
    },
    Row {
        name: "expired-read",
        cookies: &[Craft::Sealed(aged(5, 7200))],
        path: "/read",
        expect: expect(200, Some("0"), &[SetCookie::Delete], true),
    },
    Row {
        name: "lifetime-exceeded-read",
        cookies: &[Craft::Sealed(Sealed {
            created_ago: TWO_DAYS,
            ..valid(5)
        })],
        path: "/read",
        expect: expect(200, Some("0"), &[SetCookie::Delete], true),
    },
    Row {
        name: "tampered-read",
        cookies: TAMPERED,
        path: "/read",
        expect: expect(200, Some("0"), &[SetCookie::Delete], true),
    },
    Row {
        name: "tampered-none",
        cookies: TAMPERED,
        path: "/none",
        expect: expect(200, Some("none"), &[SetCookie::Delete], true),
    },
    Row {
        name: "tampered-write",
        cookies: TAMPERED,
        path: "/write",
        expect: expect(200, Some("1"), &[set(1, Id::New)], true),
    },
    Row {
        name: "big-no-cookie",
        cookies: NOTHING,
        path: "/big",
        expect: expect(500, Some(""), &[], true),
    },
    Row {
        name: "big-valid",
        cookies: VALID,
        path: "/big",
        expect: expect(500, Some(""), &[], true),
    },
    Row {
        name: "purge-valid",
        cookies: VALID,
        path: "/purge",
        expect: expect(200, None, &[SetCookie::Delete], true),
    },
    Row {
        name: "purge-no-cookie",
        cookies: NOTHING,
        path: "/purge",
        expect: expect(200, None, &[], true),
    },
    Row {
        name: "regenerate-valid",
        cookies: VALID,
        path: "/regenerate",
        expect: expect(200, None, &[set(6, Id::New)], true),
    },
    Row {
        name: "garbage-then-valid",
        cookies: &[Craft::Garbage, Craft::Sealed(valid(5))],
        path: "/read",
        expect: expect(200, Some("5"), &[], true),
    },
    Row {
        name: "valid-then-garbage",
        cookies: &[Craft::Sealed(valid(5)), Craft::Garbage],
        path: "/read",
        expect: expect(200, Some("5"), &[], true),
    },
    Row {
        name: "same-id-older-then-newer",
        cookies: &[Craft::Sealed(OLDER), Craft::Sealed(NEWER)],
        path: "/read",
        expect: expect(200, Some("4"), &[], true),
    },
    Row {
        name: "same-id-newer-then-older",
        cookies: &[Craft::Sealed(NEWER), Craft::Sealed(OLDER)],
        path: "/read",
        expect: expect(200, Some("4"), &[], true),
    },
    Row {
        name: "two-ids-a-then-b",
        cookies: &[Craft::Sealed(valid(5)), Craft::Sealed(B)],
        path: "/read",
        expect: expect(200, Some("0"), &[], true),
    },
    Row {
        name: "two-ids-b-then-a",
        cookies: &[Craft::Sealed(B), Craft::Sealed(valid(5))],
        path: "/read",
        expect: expect(200, Some("0"), &[], true),
    },
    Row {
        name: "five-values-read",
        cookies: &[
            Craft::Garbage,
            Craft::Garbage,
            Craft::Garbage,
            Craft::Garbage,
            Craft::Sealed(valid(5)),
        ],
        path: "/read",
        expect: expect(200, Some("0"), &[], true),
    },
    Row {
        name: "legacy-read",
        cookies: &[Craft::Legacy { n: 7 }],
        path: "/read",
        expect: expect(
            200,
            Some("7"),
            &[set(7, Id::Migrated), SetCookie::DeleteLegacy],
            true,
        ),
    },
    Row {
        name: "status-200",
        cookies: VALID,
        path: "/status/200",
        expect: expect(200, None, &[set(6, Id::Same)], true),
    },
    Row {
        name: "status-302",
        cookies: VALID,
        path: "/status/302",
        expect: expect(302, None, &[set(6, Id::Same)], true),
    },
    Row {
        name: "status-404",
        cookies: VALID,
        path: "/status/404",
        expect: expect(404, None, &[set(6, Id::Same)], true),
    },
    Row {
        name: "status-500",
        cookies: VALID,
        path: "/status/500",
        expect: expect(500, None, &[], true),
    },
    Row {
        name: "status-500-tampered",
        cookies: TAMPERED,
        path: "/status/500",
        expect: expect(500, None, &[], true),
    },
    Row {
        name: "fail",
        cookies: VALID,
        path: "/fail",
        expect: expect(500, None, &[], true),
    },
];

impl Craft {
    /// How the README and the report name this cookie.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Sealed(sealed) => sealed.describe(),
            Self::Tampered(sealed) => format!("{}, one character changed", sealed.describe()),
            Self::Garbage => "`garbage`".to_owned(),
            Self::Legacy { n } => format!("`{LEGACY_COOKIE_NAME}` (EncryptedSession): n={n}"),
        }
    }
}

impl Sealed {
    fn describe(&self) -> String {
        let mut text = format!("{}: n={}", self.id, self.n);
        if self.key != 2 {
            text.push_str(&format!(", key {}", self.key));
        }
        if self.issued_ago != 0 {
            text.push_str(&format!(", sealed {}", ago(self.issued_ago)));
        }
        if self.created_ago != CREATED_AGO {
            text.push_str(&format!(", created {}", ago(self.created_ago)));
        }
        text
    }
}

/// `120 s ago`, `2 h ago`, `2 days ago`.
fn ago(seconds: u64) -> String {
    match seconds {
        0 => "now".to_owned(),
        s if s % 86_400 == 0 => format!("{} days ago", s / 86_400),
        s if s % 3600 == 0 => format!("{} h ago", s / 3600),
        s if s % 60 == 0 => format!("{} min ago", s / 60),
        s => format!("{s} s ago"),
    }
}

impl Row {
    /// The request: the cookies and the endpoint.
    pub(crate) fn describe_request(&self) -> String {
        if self.cookies.is_empty() {
            return format!("no cookie, `{}`", self.path);
        }
        let cookies: Vec<String> = self.cookies.iter().map(Craft::describe).collect();
        format!("{}, `{}`", cookies.join(" + "), self.path)
    }
}

impl Expect {
    /// The expected response, as the README and the report write it.
    pub(crate) fn describe(&self) -> String {
        let mut parts = vec![match self.body {
            Some(body) => format!("{} `{body:?}`", self.status),
            None => self.status.to_string(),
        }];
        if self.set_cookies.is_empty() {
            parts.push("no Set-Cookie".to_owned());
        } else {
            let cookies: Vec<String> = self.set_cookies.iter().map(SetCookie::describe).collect();
            parts.push(cookies.join(" + "));
        }
        parts.push(if self.vary { "Vary" } else { "no Vary" }.to_owned());
        parts.join("; ")
    }
}

impl SetCookie {
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Set { n, id } => {
                let id = match id {
                    Id::Same => "same id",
                    Id::New => "new id",
                    Id::Migrated => "new id, migrated",
                };
                format!("set n={n} ({id})")
            }
            Self::Delete => "delete".to_owned(),
            Self::DeleteLegacy => "delete-legacy".to_owned(),
        }
    }
}

/// The table in markdown, as README.md shows it.
#[cfg(test)]
pub(crate) fn markdown() -> String {
    let mut out = String::from("| row | request | expected response |\n|---|---|---|\n");
    for row in ROWS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            row.name,
            row.describe_request(),
            row.expect.describe()
        ));
    }
    out
}
