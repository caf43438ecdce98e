//! TEMPORARY stand-in for the std crate's `SessionCodec::finish`,
//! `Outcome` and `Finished` (being written on main), with the same names
//! and rule, so the Python side can be built and tested before they land.
//! Removed once main has them.

use sealed_session::{SessionCodec, SessionError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Status(u16),
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finished {
    pub(crate) set_cookies: Vec<String>,
    pub(crate) vary_cookie: bool,
    pub(crate) save_error: Option<SessionError>,
}

impl Finished {
    pub(crate) const VARY_TOKEN: &'static str = "Cookie";

    pub(crate) fn needs_vary<'a>(&self, existing: impl IntoIterator<Item = &'a [u8]>) -> bool {
        self.vary_cookie
            && !existing.into_iter().any(|value| {
                value.split(|&b| b == b',').any(|token| {
                    let token = token.trim_ascii();
                    token == b"*" || token.eq_ignore_ascii_case(b"cookie")
                })
            })
    }
}

pub(crate) trait FinishExt {
    fn finish(&self, session: &sealed_session::Session, outcome: Outcome) -> Finished;
}

impl FinishExt for SessionCodec {
    fn finish(&self, session: &sealed_session::Session, outcome: Outcome) -> Finished {
        let accessed = session.accessed();
        if matches!(outcome, Outcome::Failed) || matches!(outcome, Outcome::Status(500..)) {
            return Finished {
                set_cookies: Vec::new(),
                vary_cookie: accessed,
                save_error: None,
            };
        }
        match self.save(session) {
            Ok(saved) => {
                let set_cookies: Vec<String> = saved.headers().map(str::to_owned).collect();
                let vary_cookie = accessed || !set_cookies.is_empty();
                Finished {
                    set_cookies,
                    vary_cookie,
                    save_error: None,
                }
            }
            Err(error) => Finished {
                set_cookies: Vec::new(),
                vary_cookie: true,
                save_error: Some(error),
            },
        }
    }
}

/// Stand-in for `Refresh::EachRequestIfPermanent` (asked of the lead).
pub(crate) const EACH_REQUEST_IF_PERMANENT: sealed_session::Refresh =
    sealed_session::Refresh::EachRequest;
