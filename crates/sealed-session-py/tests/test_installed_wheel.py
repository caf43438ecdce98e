"""The package under test is the installed wheel, not the source tree."""

from __future__ import annotations

from pathlib import Path

import pytest

import sealed_session
from sealed_session import _sealed_session

SOURCE = Path(__file__).resolve().parents[1] / "python"


def test_the_package_comes_from_site_packages_not_the_source_tree():
    package = Path(sealed_session.__file__).resolve()
    assert SOURCE not in package.parents, f"{package} is the source tree: install the wheel"
    assert "site-packages" in package.parts
    module = Path(_sealed_session.__file__).resolve()
    assert module.parent == package.parent
    assert module.name.endswith(".abi3.so")


def test_the_wheel_ships_stubs_and_the_typed_marker():
    here = Path(sealed_session.__file__).resolve().parent
    assert (here / "py.typed").is_file()
    assert (here / "_sealed_session.pyi").is_file()


def test_the_public_surface():
    assert sealed_session.__version__ == "0.1.0"
    assert sealed_session.KEYS_ENV == "SEALED_SESSION_KEYS"
    assert sealed_session.MAX_DEPTH == 100
    for name in sealed_session.__all__:
        assert hasattr(sealed_session, name), name


def test_the_constants_are_the_rust_crates_own():
    """Taken from the Rust crates, never restated: each agrees with what the
    Rust code does with it."""
    assert sealed_session.MAX_COOKIE_LEN == 4096
    assert (sealed_session.DEFAULT_IDLE_TIMEOUT, sealed_session.DEFAULT_ABSOLUTE_TIMEOUT) == (86_400, 604_800)
    assert sealed_session.DEFAULT_COOKIE_NAME == "__Host-session"
    codec = sealed_session.SessionCodec(sealed_session.Keyring(bytes(32)))
    assert codec.cookie_name == sealed_session.DEFAULT_COOKIE_NAME
    assert codec.idle_timeout == sealed_session.DEFAULT_IDLE_TIMEOUT
    assert codec.absolute_timeout == sealed_session.DEFAULT_ABSOLUTE_TIMEOUT
    assert sealed_session.Codec(sealed_session.Keyring(bytes(32))).max_age == sealed_session.DEFAULT_IDLE_TIMEOUT
    nested = '{"a": ' * (sealed_session.MAX_DEPTH - 1) + "1" + "}" * (sealed_session.MAX_DEPTH - 1)
    sealed_session.Session.from_json(nested)
    with pytest.raises(sealed_session.TooDeepError, match=f"more than {sealed_session.MAX_DEPTH} levels"):
        sealed_session.loads("[" * (sealed_session.MAX_DEPTH + 1) + "]" * (sealed_session.MAX_DEPTH + 1))


def test_the_module_is_declared_once_and_raises_the_packages_classes():
    assert _sealed_session.__doc__.startswith("The compiled part of ``sealed_session``")
    assert sealed_session.errors.NotAuthenticError.__module__ == "sealed_session.errors"
    keyring = sealed_session.Keyring(bytes(32))
    try:
        sealed_session.Codec(keyring).open("AQAB" + "A" * 60)
    except sealed_session.SealedSessionError as error:
        assert type(error).__module__ == "sealed_session.errors"
    else:
        raise AssertionError("a forged cookie opened")
