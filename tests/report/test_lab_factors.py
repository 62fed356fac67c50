"""The lab report's factor split: a table per case, read from the runs, and the diagnosis lines."""

from __future__ import annotations

import re

from chainrule.report.lab_html import render_lab_html


def test_factor_tables_show_the_runs_numbers(quick_lab):
    html = render_lab_html(quick_lab)
    assert 'id="factors"' in html
    split = quick_lab.vanishing.result.factor_split(0)
    assert split is not None and split.culprit("vanishing") == "sigma_prime"
    assert "Before training: σ&#x27; is what shrinks δ" in html
    explode = quick_lab.exploding.unclipped.factor_split(0)
    assert explode is not None and explode.culprit("exploding") == "weights"
    assert "the weights are what grow δ" in html
    tables = re.findall(r"<caption>Factor split of .*?</table>", html, flags=re.S)
    assert len(tables) == 2
    for row in split.rows:  # every hidden layer, with its measured ratio
        assert f"<td>{row.layer}</td>" in tables[0]
    assert html.count('<p class="detail">') >= len(split.rows)  # the diagnosis's lines
