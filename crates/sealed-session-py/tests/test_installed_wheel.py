"""The package under test is the installed wheel, not the source tree."""

from __future__ import annotations

from pathlib import Path

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
