"""Extract, update and compile chainrule's message catalogs with Babel.

    python tools/catalog.py            # extract -> chainrule.pot, update each .po, compile each .mo
    python tools/catalog.py --check    # exit 1 naming what is untranslated or stale; writes nothing

Messages come from the Python sources (``_``, ``N_``, ``ngettext``) and the Jinja2 templates
under ``src/chainrule/**/templates`` (through ``jinja2.ext.i18n``: ``{% trans %}`` and ``_()``).
A third language is ``mkdir src/chainrule/locale/<lang>/LC_MESSAGES``, a copy of the template
as ``chainrule.po`` there, its translations, and this script.

The test suite imports the functions here (``tests/test_catalog.py``), so an untranslated
message, a stale ``.mo`` or a placeholder the translation lost fails CI.
"""

from __future__ import annotations

import io
import re
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "chainrule"
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "chainrule.pot"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2)}
METHODS = [
    ("**/templates/**.j2", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
# Fixed, so that re-running the script changes the files only when a message changed.
STARTED = datetime(2026, 12, 3, tzinfo=UTC)
# As chainrule.explain.templating builds its environments, so that the msgids match at runtime.
OPTIONS = {
    "**/templates/**.j2": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
        "newstyle_gettext": "true",
    }
}


def languages() -> list[str]:
    """The languages with a catalog: each folder under ``locale`` holding an ``LC_MESSAGES``."""
    return sorted(p.parent.name for p in LOCALE.glob("*/LC_MESSAGES"))


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "chainrule.po"


def extract() -> Catalog:
    """Every message the sources and templates mark, with where each comes from."""
    catalog = Catalog(
        project="chainrule",
        domain="chainrule",
        charset="utf-8",
        creation_date=STARTED,
        revision_date=STARTED,
        fuzzy=False,
    )
    found = extract_from_dir(PACKAGE, METHODS, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        where = (f"src/chainrule/{filename}", lineno)
        catalog.add(message, None, [where], auto_comments=comments, context=context)
    return catalog


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, ignore_obsolete=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalog: fuzzy entries left out, as ``pybabel compile`` does."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def untranslated(catalog: Catalog, template: Catalog) -> list[str]:
    """The template's messages that ``catalog`` leaves empty, fuzzy or missing."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found is not None else None
        texts = strings if isinstance(strings, (tuple, list)) else (strings,)
        if found is None or found.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifgeEr%]")


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """The ``{name}`` fields and the ``%s`` / ``%(name)s`` conversions in ``text``, sorted."""
    try:
        fields = sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
    except ValueError:  # a lone brace: not a format string
        fields = []
    percents = sorted(m.group(0) for m in _PERCENT.finditer(text) if m.group(0) != "%%")
    return fields, percents


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    """``msgid`` lines whose translation has other placeholders than the English."""
    bad = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for text in strings:
            if text and placeholders(text) != placeholders(ids[-1]):
                bad.append(f"{ids[0]!r} -> {text!r}")
    return bad


def update() -> None:
    """Write the template, merge it into each language's .po, compile each .mo."""
    template = extract()
    TEMPLATE.write_bytes(po_bytes(template))
    for lang in languages():
        path = po_path(lang)
        if path.exists():
            catalog = read(path)
        else:
            catalog = Catalog(locale=lang, domain="chainrule", project="chainrule", fuzzy=False)
        catalog.revision_date = STARTED
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        path.write_bytes(po_bytes(catalog))
        path.with_suffix(".mo").write_bytes(mo_bytes(read(path)))


def check() -> list[str]:
    """What is wrong with the committed catalogs, one line each (nothing when all is well)."""
    template = extract()
    problems = []
    for lang in languages():
        path = po_path(lang)
        catalog = read(path)
        problems += [f"{lang}: untranslated: {m!r}" for m in untranslated(catalog, template)]
        problems += [f"{lang}: placeholders differ: {m}" for m in placeholder_mismatches(catalog)]
        if path.with_suffix(".mo").read_bytes() != mo_bytes(catalog):
            problems.append(f"{lang}: the .mo is stale: run tools/catalog.py")
    return problems


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        problems = check()
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    update()
    for lang in languages():
        missing = untranslated(read(po_path(lang)), read(TEMPLATE))
        print(f"{lang}: {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
