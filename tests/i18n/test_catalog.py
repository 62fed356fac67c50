"""The message catalogs: every message has a Chinese translation that keeps its placeholders, and
the committed ``.mo`` is the compiled ``.po`` (``python tools/catalog.py`` fixes the last two)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("babel", reason="the catalog tests extract messages with Babel")

ROOT = Path(__file__).resolve().parents[2]


def _load_tool():
    spec = importlib.util.spec_from_file_location("catalog_tool", ROOT / "tools" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalog = _load_tool()


@pytest.fixture(scope="module")
def template():
    """The messages as the sources mark them now (not the committed .pot)."""
    return catalog.extract()


def test_the_sources_mark_messages(template):
    assert len(template) > 100


@pytest.mark.parametrize("lang", catalog.languages())
def test_every_message_is_translated(lang, template):
    missing = catalog.untranslated(catalog.read(catalog.po_path(lang)), template)
    assert not missing, f"{len(missing)} untranslated (run tools/catalog.py): {missing[:10]}"


@pytest.mark.parametrize("lang", catalog.languages())
def test_the_compiled_catalog_is_the_po(lang):
    po = catalog.po_path(lang)
    assert po.with_suffix(".mo").read_bytes() == catalog.mo_bytes(catalog.read(po))


@pytest.mark.parametrize("lang", catalog.languages())
def test_translations_keep_the_placeholders(lang):
    assert catalog.placeholder_mismatches(catalog.read(catalog.po_path(lang))) == []


def test_the_committed_template_is_current(template):
    committed = {m.id for m in catalog.read(catalog.TEMPLATE) if m.id}
    assert committed == {m.id for m in template if m.id}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{n} paths", (["n"], [])),
        ("{value:.3g} at {name!r}", (["name", "value"], [])),
        ("%s of %(total)d, 100%%", ([], ["%(total)d", "%s"])),
        ("{{literal}} braces", ([], [])),
    ],
)
def test_placeholders_are_read_as_python_reads_them(text, expected):
    assert catalog.placeholders(text) == expected


def test_a_lost_placeholder_is_caught():
    from babel.messages.catalog import Catalog

    broken = Catalog(locale="zh")
    broken.add("{n} paths", "条路径")
    broken.add("{n} edges", "{n} 条边")
    assert catalog.placeholder_mismatches(broken) == ["'{n} paths' -> '条路径'"]
