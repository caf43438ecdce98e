"""SessionCodec: JSON sessions in cookies, request by request, with the
secure defaults, timeouts, rotation and the EncryptedSession migration."""

from __future__ import annotations

import datetime

import pytest

import encrypted_session as es
import sealed_session as ss
from conftest import KEY1, KEYS_1, KEYS_2_THEN_1, T0, at

HOUR = 3600
DAY = 24 * HOUR


def codec(keys: str = KEYS_1, **options) -> ss.SessionCodec:
    options.setdefault("clock", ss.ManualClock(T0))
    return ss.SessionCodec(ss.Keyring.from_text(keys), **options)


def cookie_of(header: str) -> str:
    """`name=value` of a Set-Cookie header."""
    return header.split(";", 1)[0]


def test_a_new_session_set_with_the_secure_defaults():
    c = codec()
    assert (c.cookie_name, c.idle_timeout, c.absolute_timeout) == ("__Host-session", DAY, 7 * DAY)
    session = c.load("theme=dark")
    assert session.rejected is None and len(session) == 0 and session.id is None
    assert c.save(session).headers == []  # nothing to send
    session.replace({"user_id": 42})
    saved = c.save(session)
    assert saved.session_cookie.startswith("__Host-session=AQAB")
    assert saved.session_cookie.endswith("; HttpOnly; Secure; SameSite=Lax; Path=/")
    assert not saved.deleted and saved.legacy_cookie is None
    assert saved.headers == [saved.session_cookie]
    again = c.load(f"theme=dark; {cookie_of(saved.session_cookie)}")
    assert again.to_dict() == {"user_id": 42}
    assert again.created_at == T0 and again.issued_at == T0 and len(again.id) == 22
    assert c.save(again).headers == []  # unchanged, not due a refresh


def test_permanent_sessions_get_max_age_and_flask_sees_permanent():
    c = codec(idle_timeout=HOUR)
    session = c.load(None)
    session.replace({"a": 1, "_permanent": True})
    assert session.permanent and session.to_dict() == {"a": 1, "_permanent": True}
    assert session.to_json() == '{"a":1}'
    assert session.to_flask_json() == '{"a":1,"_permanent":true}'
    header = c.save(session).session_cookie
    assert header.endswith("; Path=/; Max-Age=3600")
    session.permanent = False
    assert session.to_dict() == {"a": 1}


def test_cookie_attributes():
    c = codec(
        cookie_name="sid",
        secure=False,
        http_only=False,
        same_site="strict",
        path="/app",
        domain="example.com",
    )
    session = c.load(None)
    session.replace({"x": 1})
    assert c.save(session).session_cookie.endswith("; SameSite=Strict; Path=/app; Domain=example.com")
    assert c.delete_cookie_header() == (
        "sid=; SameSite=Strict; Path=/app; Domain=example.com; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )


def test_clear_deletes_the_cookie_and_the_identity():
    c = codec()
    first = c.load(None)
    first.replace({"user": "ann"})
    header = cookie_of(c.save(first).session_cookie)
    session = c.load(header)
    old_id = session.id
    session.clear()
    assert session.id is None and len(session) == 0 and session.modified
    saved = c.save(session)
    assert saved.deleted and saved.session_cookie.startswith("__Host-session=; ")
    assert "Max-Age=0" in saved.session_cookie
    session.replace({"user": "bob"})
    fresh = c.load(cookie_of(c.save(session).session_cookie))
    assert fresh.id != old_id


def test_regenerate_gives_a_new_id_and_lifetime():
    clock = ss.ManualClock(T0)
    c = codec(clock=clock)
    s = c.load(None)
    s.replace({"cart": [1]})
    s = c.load(cookie_of(c.save(s).session_cookie))
    before = s.id
    clock.advance(HOUR)
    s.regenerate()
    assert s.id is None
    s = c.load(cookie_of(c.save(s).session_cookie))
    assert s.id != before and s.created_at == T0 + HOUR and s.to_dict() == {"cart": [1]}


def test_a_rejected_cookie_is_reported_and_deleted():
    c = codec()
    session = c.load("__Host-session=garbage")
    assert isinstance(session.rejected, ss.MalformedError)
    saved = c.save(session)
    assert saved.deleted


def test_a_planted_cookie_next_to_the_real_one_changes_nothing():
    c = codec()
    victim = c.load(None)
    victim.replace({"user": "victim"})
    victim_cookie = cookie_of(c.save(victim).session_cookie)
    for header in (f"__Host-session=garbage; {victim_cookie}", f"{victim_cookie}; __Host-session=garbage"):
        session = c.load(header)
        assert session.to_dict() == {"user": "victim"}
        assert isinstance(session.rejected, ss.MalformedError)
        assert c.save(session).headers == []  # no deletion of the good cookie


def test_two_authentic_cookies_of_two_sessions_give_neither_identity():
    """Issue 18, item 2: an attacker plants their own authentic cookie
    beside the victim's (a sibling subdomain, a longer Path): in every order,
    and whichever is newer, neither identity is used and nothing deleted."""
    clock = ss.ManualClock(T0)
    c = codec(clock=clock)
    attacker = c.load(None)
    attacker.replace({"user": "attacker"})
    attacker_cookie = cookie_of(c.finish(attacker, 200).set_cookies[0])
    clock.advance(10)
    victim = c.load(None)
    victim.replace({"user": "victim"})
    victim_cookie = cookie_of(c.finish(victim, 200).set_cookies[0])
    for header in (
        f"{attacker_cookie}; {victim_cookie}",
        f"{victim_cookie}; {attacker_cookie}",
        [victim_cookie, attacker_cookie],
        [attacker_cookie, victim_cookie],
    ):
        session = c.load(header)
        assert session.to_dict() == {}
        assert isinstance(session.rejected, ss.AmbiguousSessionError)
        assert str(session.rejected) == "several authentic session cookies disagree"
        finished = c.finish(session, 200)
        assert finished.set_cookies == [] and finished.vary_cookie is False
    # Two copies of one session (an older one under another path): the newest.
    older = victim_cookie
    clock.advance(120)
    reopened = c.load(victim_cookie)
    reopened.replace({"user": "victim", "step": 2})
    newer = cookie_of(c.finish(reopened, 200).set_cookies[0])
    assert c.load(f"{older}; {newer}").to_dict() == {"user": "victim", "step": 2}
    # More values than the cap: none is tried.
    assert ss.SessionCodec.MAX_CANDIDATES == 4
    crowd = c.load("; ".join([victim_cookie] * 5))
    assert crowd.to_dict() == {} and isinstance(crowd.rejected, ss.AmbiguousSessionError)


def test_idle_and_absolute_timeouts():
    clock = ss.ManualClock(T0)
    c = codec(idle_timeout=2 * HOUR, absolute_timeout=DAY, refresh="each_request", clock=clock)
    s = c.load(None)
    s.replace({"user": 1})
    cookie = cookie_of(c.save(s).session_cookie)
    # Refreshed every hour: alive until the absolute timeout, however active.
    for _ in range(24):
        clock.advance(HOUR)
        s = c.load(cookie)
        assert s.rejected is None, clock.now
        cookie = cookie_of(c.save(s).session_cookie)
    clock.advance(1)
    s = c.load(cookie)
    assert isinstance(s.rejected, ss.LifetimeExceededError)
    with pytest.raises(ss.LifetimeExceededError):
        c.open(cookie.split("=", 1)[1])
    # Idle: no request for longer than the idle timeout.
    s = c.load(None)
    s.replace({"user": 2})
    value = cookie_of(c.save(s).session_cookie).split("=", 1)[1]
    clock.advance(2 * HOUR + 1)
    with pytest.raises(ss.ExpiredError):
        c.open(value)


def test_refresh_policies():
    clock = ss.ManualClock(T0)

    def after_an_hour(refresh):
        c = codec(refresh=refresh, idle_timeout=DAY, clock=clock)
        clock.set(T0)
        s = c.load(None)
        s.replace({"a": 1})
        cookie = cookie_of(c.save(s).session_cookie)
        clock.advance(HOUR)
        return c.save(c.load(cookie)).headers

    assert len(after_an_hour("each_request")) == 1
    assert after_an_hour("never") == []
    assert len(after_an_hour(1800)) == 1
    assert after_an_hour(datetime.timedelta(hours=2)) == []


def test_key_rotation_reseals_under_the_new_key():
    old = codec(KEYS_1)
    s = old.load(None)
    s.replace({"user": 7})
    cookie = cookie_of(old.save(s).session_cookie)
    new = codec(KEYS_2_THEN_1)
    s = new.load(cookie)
    assert s.to_dict() == {"user": 7} and s.reseal_advised
    rotated = cookie_of(new.save(s).session_cookie)
    assert rotated != cookie and rotated.startswith("__Host-session=AQAC")  # key id 2
    assert new.load(rotated).to_dict() == {"user": 7}
    assert isinstance(old.load(rotated).rejected, ss.UnknownKeyIdError)


def test_the_cookie_name_is_bound_unless_a_context_says_otherwise():
    a = codec(cookie_name="__Host-a")
    value = a.seal({"x": 1})
    with pytest.raises(ss.NotAuthenticError):
        codec(cookie_name="__Host-b").open(value)
    shared = codec(cookie_name="__Host-a", context=b"app")
    renamed = codec(cookie_name="__Host-b", context=b"app")
    assert renamed.open(shared.seal({"x": 1})).to_dict() == {"x": 1}


def test_padding_hides_small_differences_in_length():
    c = codec(pad_to_multiple_of=64)
    lengths = {len(c.seal({"v": "a" * n})) for n in range(1, 31)}
    assert lengths == {143}
    assert len(c.seal({"v": "a" * 40})) == 228  # the next block
    assert len(codec().seal({"v": "a"})) < len(codec().seal({"v": "a" * 2}))


def test_a_session_too_large_for_a_cookie_is_refused_not_truncated():
    c = codec()
    with pytest.raises(ss.CookieTooLargeError):
        c.seal({"big": "x" * 4000})
    s = c.load(None)
    s.replace({"big": "x" * 4000})
    with pytest.raises(ss.CookieTooLargeError):
        c.save(s)
    compressed = codec(compress_above=1024)
    assert compressed.open(compressed.seal({"big": "x" * 4000})).to_dict() == {"big": "x" * 4000}


@pytest.mark.parametrize(
    ("options", "setting", "message"),
    [
        ({"domain": "example.com"}, "domain", "must not have a Domain"),
        ({"secure": False}, "secure", "Secure"),
        ({"cookie_name": "bad name"}, "cookie_name", "visible ASCII without spaces"),
        ({"path": "no-slash"}, "path", "/"),
        ({"cookie_name": "s", "secure": False, "same_site": "None"}, "same_site", "Secure"),
        ({"same_site": "sometimes"}, "same_site", "Lax"),
        ({"idle_timeout": 0}, "idle_timeout", "at least one second"),
        ({"idle_timeout": 8 * DAY}, "idle_timeout", "longer than the absolute timeout"),
        ({"refresh": DAY}, "refresh", "expire first"),
        ({"refresh": "sometimes"}, "refresh", "each_request"),
        ({"pad_to_multiple_of": 5000}, "pad_to_multiple_of", "4096"),
        ({"pad_to_multiple_of": 64, "compress_above": 10}, "pad_to_multiple_of", "compression"),
    ],
)
def test_configuration_errors_name_the_setting(options, setting, message):
    with pytest.raises(ss.ConfigurationError) as error:
        codec(**options)
    assert error.value.setting == setting
    assert message in str(error.value)


def test_bad_input_from_python():
    c = codec()
    with pytest.raises(TypeError, match="cookie_header must be str, bytes, a list of them, or None, not int"):
        c.load(42)
    odd = c.load(b"\xff\xfe=\x80; __Host-session=\xff")  # not ASCII: no cookie of ours
    assert len(odd) == 0 and odd.created_at is None
    assert c.load("\ud800=x").rejected is None
    assert isinstance(c.load("__Host-session=" + "A" * 1_000_000).rejected, ss.TooLargeError)
    with pytest.raises(ss.MalformedError):
        c.open(b"\xff")
    with pytest.raises(TypeError, match="session data must be a dict, not list"):
        c.seal([1, 2])
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        c.seal({"o": object()})
    s = c.load(None)
    with pytest.raises(ValueError):
        s.replace({"nan": float("nan")})
    assert not s.modified  # unchanged on error
    with pytest.raises(ss.InvalidJsonError):
        s.replace_from_json("[1]")
    with pytest.raises(ss.InvalidJsonError):
        ss.Session.from_json(b"\xff")
    with pytest.raises(TypeError):
        ss.SessionCodec("keys")
    with pytest.raises(TypeError, match="legacy must be a Legacy or a list of them, not int"):
        codec(legacy=[1])
    with pytest.raises(TypeError, match="naive datetime is ambiguous"):
        ss.Legacy.encrypted_session(KEY1, since=datetime.datetime(2026, 1, 1), until=at(T0))


def test_repr_shows_no_values():
    s = ss.Session({"token": "s3cr3t"})
    assert "s3cr3t" not in repr(s) and '"token": 8' in repr(s)
    assert repr(codec()) == "SessionCodec(cookie_name=\"__Host-session\", idle_timeout=86400, absolute_timeout=604800)"


# --- The EncryptedSession format ---------------------------------------------


def es_codec(clock, **options):
    legacy = ss.Legacy.encrypted_session(
        KEY1, since=at(T0), until=at(T0 + 14 * DAY), cookie_name="session", **options
    )
    return codec(f"2 {'42' * 32}\n", legacy=[legacy], clock=clock)


def test_encrypted_session_known_answer():
    clock = ss.ManualClock(T0 + 60)
    c = es_codec(clock)
    cookie = "u.D7DycromYEhiSEIUsA4=.xcLffjV72Pk9kZ/Hsu0L2Q==.AAECAwQFBgcICQoLDA0ODw=="
    assert es.seal(KEY1, {"answer": 42}, bytes(range(16))) == cookie
    session = c.load(f"session={cookie}")
    assert session.to_dict() == {"answer": 42}
    assert session.created_at == T0 and session.reseal_advised
    saved = c.save(session)
    assert saved.session_cookie.startswith("__Host-session=AQAC")
    assert saved.legacy_cookie == "session=; Path=/; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    assert c.open_legacy(cookie).to_dict() == {"answer": 42}


def test_encrypted_session_cookies_of_every_shape_migrate():
    clock = ss.ManualClock(T0 + 60)
    c = es_codec(clock, )
    sessions = [
        {"user": "ann", "n": [1, 2.5, None, True]},
        {"blob": b"\x00\xffbytes", "nested": {"k": [b"x"]}},
        {"_permanent": True, "user": "perm"},
        {"long": "y" * 1500},  # over 1024 bytes: compressed ("z")
        {"unicode": "Zo\u00eb \u2603"},
    ]
    for data in sessions:
        cookie = es.seal(KEY1, data)
        session = c.load(f"session={cookie}")
        assert session.rejected is None, data
        assert session.to_dict() == data
    assert es.seal(KEY1, sessions[3]).startswith("z.")


def test_encrypted_session_rejections():
    clock = ss.ManualClock(T0 + 60)
    c = es_codec(clock)
    cookie = es.seal(KEY1, {"user": "ann"})
    flag, ct, tag, nonce = cookie.split(".")
    tampered = ".".join([flag, ct[:-4] + ("AAA=" if ct[-4:] != "AAA=" else "BBB="), tag, nonce])
    assert isinstance(c.load(f"session={tampered}").rejected, ss.NotAuthenticError)
    other = es.seal(bytes(32), {"user": "ann"})
    assert isinstance(c.load(f"session={other}").rejected, ss.NotAuthenticError)
    assert isinstance(c.load(f"elsewhere=1; other={cookie}").rejected, type(None))  # another name: not read
    # The end date.
    clock.set(T0 + 14 * DAY)
    assert isinstance(c.load(f"session={cookie}").rejected, ss.LegacyNoLongerAcceptedError)
    # The absolute timeout counts from the migration's start.
    late = ss.SessionCodec(
        ss.Keyring.from_text(KEYS_1),
        absolute_timeout=DAY,
        idle_timeout=HOUR,
        legacy=ss.Legacy.encrypted_session(KEY1, since=T0, until=T0 + 30 * DAY),
        clock=ss.ManualClock(T0 + DAY + 1),
    )
    assert isinstance(late.load(f"session={cookie}").rejected, ss.LifetimeExceededError)


def test_legacy_configuration_errors():
    with pytest.raises(ss.ConfigurationError) as error:
        codec(legacy=ss.Legacy.encrypted_session(KEY1, since=T0, until=T0))
    assert error.value.setting == "legacy" and "`until` must come after `since`" in str(error.value)
    both = [
        ss.Legacy.encrypted_session(KEY1, since=T0, until=T0 + 1),
        ss.Legacy.flask_signed("k", since=T0, until=T0 + 1),
    ]
    with pytest.raises(ss.ConfigurationError, match="two legacy sources read the cookie `session`"):
        codec(legacy=both)
    with pytest.raises(ss.ConfigurationError, match="empty Flask secret key"):
        codec(legacy=ss.Legacy.flask_signed("", since=T0, until=T0 + 1))
    with pytest.raises(TypeError, match="Flask's SECRET_KEY is not set"):
        ss.Legacy.flask_signed(None, since=T0, until=T0 + 1)
    assert repr(both[1]) == 'Legacy.flask_signed(cookie_name="session", ...)'


# --- finish: the one lifecycle -------------------------------------------------


def lifecycle_cases(c):
    """A session for each situation of the lifecycle table."""
    written = c.load(None)
    written.replace({"n": 1})
    cookie = cookie_of(c.finish(written, 200).set_cookies[0])
    read = c.load(cookie)
    read.to_dict()
    emptied = c.load(cookie)
    emptied.clear()
    changed = c.load(cookie)
    changed.replace({"n": 2})
    return {
        "untouched": (c.load(cookie), False),
        "read": (read, True),
        "changed": (changed, True),
        "emptied": (emptied, True),
        "rejected": (c.load("__Host-session=garbage"), False),
    }


@pytest.mark.parametrize("status", [100, 200, 204, 302, 400, 401, 404, 499])
def test_finish_saves_below_500(status):
    c = codec()
    cases = lifecycle_cases(c)
    untouched, _ = cases["untouched"]
    finished = c.finish(untouched, status)
    assert (finished.set_cookies, finished.vary_cookie, finished.save_error) == ([], False, None)
    read, accessed = cases["read"]
    finished = c.finish(read, status, accessed=accessed)
    assert (finished.set_cookies, finished.vary_cookie) == ([], True)
    changed, _ = cases["changed"]
    finished = c.finish(changed, status)
    [header] = finished.set_cookies
    assert header.startswith("__Host-session=AQAB") and finished.vary_cookie
    assert c.open(header.split(";")[0].split("=", 1)[1]).to_dict() == {"n": 2}
    emptied, _ = cases["emptied"]
    finished = c.finish(emptied, status)
    assert finished.set_cookies == [c.delete_cookie_header()] and finished.vary_cookie
    rejected, _ = cases["rejected"]
    finished = c.finish(rejected, status)
    assert finished.set_cookies == [c.delete_cookie_header()] and finished.vary_cookie


@pytest.mark.parametrize("status", [500, 502, 503, 599, None])
def test_finish_commits_nothing_on_a_5xx_or_a_failure(status):
    """Flask's own interface saves on a 5xx; this lifecycle deliberately
    does not: no set, no refresh, no deletion; Vary when accessed."""
    c = codec()
    for name, (session, accessed) in lifecycle_cases(c).items():
        finished = c.finish(session, status, accessed=accessed)
        assert finished.set_cookies == [], name
        assert finished.save_error is None, name
        assert finished.vary_cookie is (name in ("read", "changed", "emptied")), name


def test_finish_reports_a_session_too_large_to_save():
    c = codec()
    session = c.load(None)
    session.replace({"big": "x" * 5000})
    finished = c.finish(session, 200)
    assert finished.set_cookies == [] and finished.vary_cookie
    assert isinstance(finished.save_error, ss.CookieTooLargeError)
    assert "save_error='cookie too large'" in repr(finished)


def test_finish_refresh_comes_with_vary():
    """Issue 18, item 3's case: a refresh of a session the handler never
    read still carries Vary: Cookie."""
    clock = ss.ManualClock(T0)
    c = codec(clock=clock, refresh=60)
    session = c.load(None)
    session.replace({"n": 1})
    cookie = cookie_of(c.finish(session, 200).set_cookies[0])
    clock.advance(60)
    finished = c.finish(c.load(cookie), 200)
    assert len(finished.set_cookies) == 1 and finished.vary_cookie is True


def test_needs_vary_and_the_status_argument():
    c = codec()
    session = c.load(None)
    session.replace({"n": 1})
    finished = c.finish(session, 200)
    assert ss.Finished.VARY_TOKEN == "Cookie"
    assert finished.needs_vary([]) is True
    assert finished.needs_vary(["Accept-Encoding"]) is True
    assert finished.needs_vary(["Accept-Encoding, cookie"]) is False
    assert finished.needs_vary([b"COOKIE"]) is False
    assert finished.needs_vary("*") is False
    quiet = c.finish(c.load(None), 200)
    assert quiet.needs_vary([]) is False
    for bad in (99, 1000, -1):
        with pytest.raises(ValueError, match="from 100 to 999"):
            c.finish(session, bad)
    with pytest.raises(TypeError):
        c.finish(session, "200")
    with pytest.raises(TypeError, match="str or bytes"):
        finished.needs_vary([1])


def test_each_request_if_permanent_refreshes_permanent_sessions_only():
    clock = ss.ManualClock(T0)
    c = codec(clock=clock, refresh="each_request_if_permanent")
    permanent = c.load(None)
    permanent.replace({"n": 1, "_permanent": True})
    browser = c.load(None)
    browser.replace({"n": 1})
    permanent_cookie = cookie_of(c.finish(permanent, 200).set_cookies[0])
    browser_cookie = cookie_of(c.finish(browser, 200).set_cookies[0])
    clock.advance(1)
    assert len(c.finish(c.load(permanent_cookie), 200).set_cookies) == 1
    assert c.finish(c.load(browser_cookie), 200).set_cookies == []


def test_a_bytes_tag_with_invalid_base64_is_not_a_session():
    """Issue 18, item 9: `{" b": "!!"}` is refused like the core and the
    command line refuse it, wherever it comes from; valid base64 opens."""
    keyring = ss.Keyring.from_text(KEYS_1)
    c = codec()
    with pytest.raises(ss.InvalidBytesError):
        ss.loads('{" b": "!!"}')
    for text in ('{"x": {" b": "!!"}}', '{"x": [{" b": "!!"}]}', '{"x": {" b": "AA="}}', '{"x": {" b": 7}}'):
        with pytest.raises(ss.InvalidBytesError):
            ss.loads(text)
        with pytest.raises(ss.InvalidBytesError):
            ss.Session.from_json(text)
        # Sealed by a writer that does not check (the bytes codec, under the
        # session cookie's name): authentic, and still refused.
        value = ss.Codec(keyring, clock=ss.ManualClock(T0)).seal(text.encode(), b"__Host-session")
        with pytest.raises(ss.InvalidBytesError):
            c.open(value)
        session = c.load(f"__Host-session={value}")
        assert session.to_dict() == {} and isinstance(session.rejected, ss.InvalidBytesError)
        assert c.finish(session, 200).set_cookies == [c.delete_cookie_header()]
    assert ss.loads('{"x": {" b": "AA=="}}') == {"x": b"\x00"}
    value = ss.Codec(keyring, clock=ss.ManualClock(T0)).seal(b'{"x": {" b": "AA=="}}', b"__Host-session")
    assert c.open(value).to_dict() == {"x": b"\x00"}
