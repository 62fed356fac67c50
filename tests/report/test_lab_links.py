"""The lab fills its --out folder: a link planted there is replaced, never followed."""

from __future__ import annotations

from chainrule.report.lab_report import NUMBERS_NAME, REPORT_NAME, write_lab


def test_links_planted_in_the_out_folder_are_not_followed(quick_lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = {name: tmp_path / f"precious-{name}" for name in (REPORT_NAME, NUMBERS_NAME)}
    for name, target in outside.items():
        target.write_text("keep me")
        (out / name).symlink_to(target)
    paths = write_lab(quick_lab, out)
    for name, target in outside.items():
        assert target.read_text() == "keep me", name
        assert not (out / name).is_symlink()
    assert paths["report"].read_text().startswith("<!")
