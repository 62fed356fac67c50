"""The diagnosis in Chinese: the lecture's words for the problem and its remedy, the numbers
unchanged, the data (kind, numbers, the English remedy) the same in both languages."""

from __future__ import annotations

import numpy as np

from chainrule.diagnostics import REMEDIES, diagnose
from chainrule.diagnostics.records import GradientRecords
from chainrule.i18n import language


def vanishing_records() -> GradientRecords:
    rec = GradientRecords.empty(["layer 1", "layer 2", "layer 3"], ["sigmoid"] * 3)
    rec.steps = np.array([0])
    rec.loss = np.array([0.5])
    for name in GradientRecords.FIELDS:
        setattr(rec, name, np.full((1, 3), np.nan))
    rec.nonfinite = np.zeros((1, 3), int)
    rec.speeds = np.array([[0.001, 0.05, 0.2]])
    return rec


def test_the_report_speaks_the_lecture():
    with language("zh"):
        diagnosis = diagnose(vanishing_records())
    text = diagnosis.report(lang="zh")
    assert diagnosis.kinds == ["vanishing"]
    assert text.startswith("- 梯度消失：第 1 层的学习速度比第 2 层慢 50 倍")
    assert "对策：" in text and "批标准化" in text and "学习率" in text
    assert diagnosis.findings[0].remedy == REMEDIES["vanishing"]  # the data stays English


def test_the_report_takes_lang_and_english_stays_english():
    diagnosis = diagnose(vanishing_records())
    english = diagnosis.report()
    assert english.startswith("- vanishing: layer 1 learns 50x more slowly than layer 2")
    assert "Remedy: The early layers' error" in english
    assert diagnosis.report(lang="en") == english
    # the frame and the remedy follow lang=; the message keeps the language it was made in
    chinese = diagnosis.report(lang="zh")
    assert "对策：前面各层的残差" in chinese and "learns 50x" in chinese
    assert "*对策：*" in _markdown_in(diagnosis, "zh")


def _markdown_in(diagnosis, lang: str) -> str:
    with language(lang):
        return diagnosis._repr_markdown_()
