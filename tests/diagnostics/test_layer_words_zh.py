"""Layer and finding names in Chinese where people read them; English in the data."""

from __future__ import annotations

import numpy as np

from chainrule.diagnostics import diagnose
from chainrule.diagnostics.factors import FactorSplit, LayerFactors
from chainrule.diagnostics.plots import plot_learning_speeds
from chainrule.diagnostics.records import GradientRecords, layer_words
from chainrule.i18n import language


def vanishing_records() -> GradientRecords:
    """Three hidden layers whose speeds fall 10x a layer toward the input."""
    names = [f"hidden layer {j}" for j in (1, 2, 3)]
    rec = GradientRecords.empty(names, ["sigmoid"] * 3)
    rec.steps, rec.loss = np.arange(3), np.array([1.3, 1.1, 1.0])
    for name in GradientRecords.FIELDS:
        setattr(rec, name, np.full((3, 3), np.nan))
    rec.nonfinite = np.zeros((3, 3), int)
    rec.speeds = np.array([[0.001, 0.01, 0.1]] * 3)
    rec.grad_norms = rec.speeds * 3
    rec.hidden = np.ones(3, bool)
    return rec


def test_layer_words():
    with language("zh"):
        assert layer_words("hidden layer 4") == "第 4 个隐藏层"
        assert layer_words("layer 2") == "第 2 层"
        assert layer_words("layer 2 (Linear 30->30)") == "第 2 层（Linear 30->30）"
        assert layer_words("encoder") == "encoder"
    with language("en"):
        assert layer_words("hidden layer 4") == "hidden layer 4"
        assert layer_words("layer 2 (W 3->4)") == "layer 2 (W 3->4)"


def test_chinese_diagnosis_names_layers_and_causes_in_chinese():
    with language("zh"):
        found = diagnose(vanishing_records(), accuracy=0.1, chance=0.1)
        report = found.report()
    assert "hidden layer" not in report and "vanishing" not in report
    assert "第 1 个隐藏层的学习速度比第 3 个隐藏层慢 100 倍" in report
    assert "（可能的原因：上面的梯度消失）" in report
    # the data keeps the English names
    assert found.findings[0].layers == ("hidden layer 1", "hidden layer 3")
    assert found.findings[0].numbers["layers"][0] == "hidden layer 1"
    assert found.kinds == ["vanishing", "not_learning"]


def test_english_diagnosis_is_unchanged():
    with language("en"):
        found = diagnose(vanishing_records(), accuracy=0.1, chance=0.1)
    assert "hidden layer 1 learns 100x more slowly than hidden layer 3" in found.report()
    assert "likely cause: vanishing, above" in found.report()


def test_factor_lines_in_chinese():
    split = FactorSplit([LayerFactors("hidden layer 1", 0.2, 1.25, 0.16, 0.16)])
    with language("zh"):
        line = split.rows[0].line()
    assert line.startswith("第 1 个隐藏层：σ' 平均为 0.16") and "；权重" in line


def test_speed_legend_in_chinese():
    with language("zh"):
        fig = plot_learning_speeds(vanishing_records())
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["第 1 个隐藏层", "第 2 个隐藏层", "第 3 个隐藏层"]


def test_chinese_lists_use_the_enumeration_comma():
    records = vanishing_records()
    records.speeds = np.full((3, 3), 0.1)
    with language("zh"):
        healthy = diagnose(records).report()
    assert "未发现梯度消失、梯度爆炸或NaN/Inf" in healthy
    with language("en"):
        assert "no vanishing, exploding or NaN/Inf" in diagnose(records).report()
