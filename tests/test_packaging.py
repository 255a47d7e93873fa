"""pyproject.toml lists every package of the source tree, and the data files ship.

The design card's top-level folders map onto one import package ``camp``:
``interpreter/`` is ``camp``, ``grammar/`` is ``camp.grammar`` and ``stdlib/``
is ``camp.stdlib``; a sub-folder with an ``__init__.py`` is a sub-package.
"""

from __future__ import annotations

import fnmatch
import sys
from importlib import resources
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"interpreter": "camp", "grammar": "camp.grammar", "stdlib": "camp.stdlib"}


@pytest.fixture(scope="module")
def setuptools_config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def packages_on_disk() -> set[str]:
    found = set()
    for folder, package in FOLDERS.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join([package, *rel.parts]))
    return found


def test_package_dir_maps_the_three_folders(setuptools_config):
    assert setuptools_config["package-dir"] == {
        "camp": "interpreter",
        "camp.grammar": "grammar",
        "camp.stdlib": "stdlib",
    }


def test_packages_cover_every_folder_with_an_init(setuptools_config):
    on_disk = packages_on_disk()
    assert {"camp", "camp.grammar", "camp.stdlib", "camp.checker"} <= on_disk
    listed = set(setuptools_config["packages"])
    assert sorted(on_disk - listed) == [], "add these to [tool.setuptools] packages"


def test_every_listed_package_exists(setuptools_config):
    on_disk = packages_on_disk()
    assert sorted(set(setuptools_config["packages"]) - on_disk) == []


def _package_data(setuptools_config) -> dict[str, list[str]]:
    return setuptools_config.get("package-data", {})


def _ships(setuptools_config, package: str, filename: str) -> bool:
    patterns = _package_data(setuptools_config).get(package, [])
    return any(fnmatch.fnmatch(filename, pattern) for pattern in patterns)


def test_grammar_file_is_package_data(setuptools_config):
    assert (ROOT / "grammar" / "camp.lark").is_file()
    assert _ships(setuptools_config, "camp.grammar", "camp.lark")


def test_stdlib_prelude_files_are_package_data(setuptools_config):
    assert _ships(setuptools_config, "camp.stdlib", "normalize.camp")  # the *.camp pattern
    for path in sorted((ROOT / "stdlib").glob("*.camp")):
        assert _ships(setuptools_config, "camp.stdlib", path.name), path.name


def test_typed_markers_ship(setuptools_config):
    for folder, package in FOLDERS.items():
        if (ROOT / folder / "py.typed").exists():
            assert _ships(setuptools_config, package, "py.typed"), package


def test_installed_package_finds_its_data():
    # Through the install (editable or not), the grammar loads as a package resource.
    grammar = resources.files("camp.grammar").joinpath("camp.lark")
    assert grammar.is_file()
    assert "start:" in grammar.read_text(encoding="utf-8")
    assert resources.files("camp.stdlib").is_dir()


def test_console_script_entry_point():
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    assert project["scripts"]["camp"] == "camp.cli:entry"
    from camp.cli import entry, main

    assert callable(entry) and callable(main)  # entry runs main, then a quick exit
