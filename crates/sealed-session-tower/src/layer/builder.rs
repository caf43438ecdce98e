//! [`SessionLayerBuilder`]: tower-sessions' and axum-extra's setting names
//! over the std crate's validating builder.

use core::fmt;
use core::time::Duration;

use sealed_session::{
    Clock, ConfigError, Keyring, Legacy, Refresh, SameSite, SecureRandom, SessionCodec,
    SessionCodecBuilder,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::kind::Typed;
use super::service::SessionLayer;

/// Configures a [`SessionLayer`]; start with [`SessionLayer::builder`].
///
/// The setting names are tower-sessions' (`with_name`, `with_secure`,
/// `with_same_site`…); each maps onto one setting of the std crate's
/// [`SessionCodecBuilder`], which checks the whole configuration once, in
/// [`build`](Self::build). Defaults are the secure ones:
///
/// | setting | default |
/// |---|---|
/// | [`with_name`](Self::with_name) | `__Host-session` (browsers refuse it from a sibling subdomain or over plain HTTP) |
/// | [`with_secure`](Self::with_secure), [`with_http_only`](Self::with_http_only) | on |
/// | [`with_same_site`](Self::with_same_site) | `Lax` (tower-sessions says `Strict`, which drops the session on links from other sites) |
/// | [`with_path`](Self::with_path), [`with_domain`](Self::with_domain) | `/`, none |
/// | [`with_idle_timeout`](Self::with_idle_timeout) | 24 hours, also the `Max-Age` of permanent sessions |
/// | [`with_absolute_timeout`](Self::with_absolute_timeout) | 7 days |
/// | [`with_refresh`](Self::with_refresh) | re-seal an unchanged session once its cookie is a minute old |
///
/// ```
/// use std::time::Duration;
/// use sealed_session_tower::{Key, Keyring, SameSite, SessionLayer};
///
/// let keyring = Keyring::new(2, &Key::from_bytes([2; 32])).with_key(1, &Key::from_bytes([1; 32]))?;
/// let layer = SessionLayer::builder(keyring)
///     .with_name("__Host-app")
///     .with_same_site(SameSite::Strict)
///     .with_idle_timeout(Duration::from_secs(30 * 60))
///     .with_absolute_timeout(Duration::from_secs(12 * 3600))
///     .build()?;
///
/// // Every mistake is found once, at start-up, and names its setting.
/// let error = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
///     .with_secure(false)
///     .build()
///     .unwrap_err();
/// assert_eq!(error.setting(), "secure");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionLayerBuilder {
    codec: SessionCodecBuilder,
}

impl fmt::Debug for SessionLayerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayerBuilder")
            .field("codec", &self.codec)
            .finish()
    }
}

impl SessionLayerBuilder {
    pub(crate) fn new(keyring: Keyring) -> Self {
        Self {
            codec: SessionCodec::builder(keyring),
        }
    }

    /// The cookie's name. Default `__Host-session`; a Flask app sharing the
    /// session uses `session` on both sides. See
    /// [`SessionCodecBuilder::cookie_name`].
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionLayer};
    ///
    /// // What a Flask app sharing the session over local plain HTTP uses.
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .with_name("session")
    ///     .with_secure(false)
    ///     .build()?;
    /// assert_eq!(layer.codec().cookie_name(), "session");
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    #[doc(alias = "cookie_name")]
    pub fn with_name(self, name: impl Into<String>) -> Self {
        self.map_codec(|codec| codec.cookie_name(name))
    }

    /// The `Secure` attribute. Default on; off only for plain-HTTP local
    /// development, with a name without the `__Host-` prefix. See
    /// [`SessionCodecBuilder::secure`].
    #[doc(alias = "cookie_secure")]
    pub fn with_secure(self, secure: bool) -> Self {
        self.map_codec(|codec| codec.secure(secure))
    }

    /// The `HttpOnly` attribute. Default on. See
    /// [`SessionCodecBuilder::http_only`].
    #[doc(alias = "cookie_http_only")]
    pub fn with_http_only(self, http_only: bool) -> Self {
        self.map_codec(|codec| codec.http_only(http_only))
    }

    /// The `SameSite` attribute. Default [`SameSite::Lax`]. See
    /// [`SessionCodecBuilder::same_site`].
    #[doc(alias = "cookie_same_site")]
    pub fn with_same_site(self, same_site: SameSite) -> Self {
        self.map_codec(|codec| codec.same_site(same_site))
    }

    /// The `Path` attribute. Default `/` (the only one a `__Host-` name
    /// allows). See [`SessionCodecBuilder::path`].
    #[doc(alias = "cookie_path")]
    pub fn with_path(self, path: impl Into<String>) -> Self {
        self.map_codec(|codec| codec.path(path))
    }

    /// The `Domain` attribute. Default none (a host-only cookie; a
    /// `__Host-` name allows no other). See [`SessionCodecBuilder::domain`].
    #[doc(alias = "cookie_domain")]
    pub fn with_domain(self, domain: impl Into<String>) -> Self {
        self.map_codec(|codec| codec.domain(domain))
    }

    /// The `Partitioned` attribute (CHIPS). Default off. See
    /// [`SessionCodecBuilder::partitioned`].
    pub fn with_partitioned(self, partitioned: bool) -> Self {
        self.map_codec(|codec| codec.partitioned(partitioned))
    }

    /// How long a session may go unused before it ends, sealed inside the
    /// cookie (a cookie sealed longer ago does not open), and the `Max-Age`
    /// of a permanent session's cookie. Default 24 hours. This is
    /// tower-sessions' `Expiry::OnInactivity` and actix-session's
    /// `session_ttl`, enforced by the server rather than the browser. See
    /// [`SessionCodecBuilder::idle_timeout`].
    #[doc(alias = "with_expiry", alias = "OnInactivity", alias = "session_ttl")]
    #[doc(alias = "state_ttl", alias = "max_age")]
    pub fn with_idle_timeout(self, timeout: Duration) -> Self {
        self.map_codec(|codec| codec.idle_timeout(timeout))
    }

    /// How long a session may live at all, from its creation (or the last
    /// [`regenerate`](sealed_session::SessionHandle::regenerate), at login),
    /// however often it is used: a stolen cookie replayed every few minutes
    /// still dies. Default 7 days. See
    /// [`SessionCodecBuilder::absolute_timeout`].
    #[doc(alias = "with_expiry", alias = "AtDateTime")]
    pub fn with_absolute_timeout(self, timeout: Duration) -> Self {
        self.map_codec(|codec| codec.absolute_timeout(timeout))
    }

    /// When an unchanged session is sealed again (which is what keeps an
    /// active user inside the idle timeout). Default: once its cookie is a
    /// minute old. See [`Refresh`].
    #[doc(alias = "with_always_save", alias = "TtlExtensionPolicy")]
    pub fn with_refresh(self, refresh: Refresh) -> Self {
        self.map_codec(|codec| codec.refresh(refresh))
    }

    /// Also accepts cookies of a legacy format (the Python EncryptedSession
    /// package's, or Flask's signed cookie) until an end date, answering
    /// with a sealed cookie: users stay logged in through a migration. See
    /// [`Legacy`].
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sealed_session_tower::{Key, Keyring, Legacy, SessionLayer};
    ///
    /// let python_key = Key::from_bytes([9; 32]);
    /// let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .with_legacy(
    ///         Legacy::encrypted_session(&python_key)
    ///             .cookie_name("session")
    ///             .since(start)
    ///             .until(start + Duration::from_secs(30 * 86_400)),
    ///     )
    ///     .build()?;
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    pub fn with_legacy(self, legacy: Legacy) -> Self {
        self.map_codec(|codec| codec.accept_legacy(legacy))
    }

    /// The time source, for tests: a shared
    /// [`ManualClock`](sealed_session::ManualClock) in an `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session_tower::{Key, Keyring, ManualClock, SessionLayer};
    ///
    /// let clock = Arc::new(ManualClock::new(1_800_000_000));
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .with_clock(Arc::clone(&clock))
    ///     .build()?;
    /// clock.advance(3600); // the layer's time moves too
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    pub fn with_clock(self, clock: impl Clock) -> Self {
        self.map_codec(|codec| codec.clock(clock))
    }

    /// The source of nonces and session ids. Default fork-safe OS
    /// randomness.
    pub fn with_random(self, random: impl SecureRandom) -> Self {
        self.map_codec(|codec| codec.random(random))
    }

    /// Any other codec setting (compression, padding, a context other than
    /// the cookie name, the seal format…), on the std builder itself.
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionLayer};
    ///
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .map_codec(|codec| codec.pad_to_multiple_of(64))
    ///     .build()?;
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    pub fn map_codec(self, f: impl FnOnce(SessionCodecBuilder) -> SessionCodecBuilder) -> Self {
        Self {
            codec: f(self.codec),
        }
    }

    /// Checks the configuration and builds the codec alone.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sealed_session_tower::{Key, Keyring, SessionLayer};
    ///
    /// let codec = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .with_idle_timeout(Duration::from_secs(600))
    ///     .build_codec()?;
    /// assert_eq!(codec.idle_timeout(), Duration::from_secs(600));
    /// let layer = SessionLayer::new(codec);
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// A [`ConfigError`] naming the setting at fault (by the std builder's
    /// name: `cookie_name` for [`with_name`](Self::with_name), and so on);
    /// see [`SessionCodecBuilder::build`].
    pub fn build_codec(self) -> Result<SessionCodec, ConfigError> {
        self.codec.build()
    }

    /// Checks the configuration and builds a layer keeping a JSON session,
    /// for the [`Session`](crate::Session) extractor.
    ///
    /// # Errors
    /// As [`build_codec`](Self::build_codec).
    pub fn build(self) -> Result<SessionLayer, ConfigError> {
        Ok(SessionLayer::new(self.build_codec()?))
    }

    /// Checks the configuration and builds a layer keeping one value of
    /// type `T` (sealed as postcard), for the
    /// [`TypedSession<T>`](crate::TypedSession) extractor.
    ///
    /// ```
    /// use sealed_session_tower::{Key, Keyring, SessionLayer};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Clone)]
    /// struct Cart { items: Vec<u32> }
    ///
    /// let layer = SessionLayer::builder(Keyring::new(1, &Key::from_bytes([1; 32])))
    ///     .build_typed::<Cart>()?;
    /// # Ok::<(), sealed_session_tower::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// As [`build_codec`](Self::build_codec).
    pub fn build_typed<T>(self) -> Result<SessionLayer<Typed<T>>, ConfigError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        Ok(SessionLayer::typed(self.build_codec()?))
    }

    /// Checks the configuration and builds a layer that hands handlers a
    /// `tower_sessions_core::Session` (0.14) backed by the sealed cookie:
    /// see [`tower_sessions_0_14`](crate::tower_sessions_0_14).
    ///
    /// # Errors
    /// As [`build_codec`](Self::build_codec).
    #[cfg(feature = "tower-sessions-0_14")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tower-sessions-0_14")))]
    pub fn build_tower_sessions(
        self,
    ) -> Result<crate::tower_sessions_0_14::TowerSessionsLayer, ConfigError> {
        Ok(crate::tower_sessions_0_14::TowerSessionsLayer::new(
            self.build_codec()?,
        ))
    }
}
