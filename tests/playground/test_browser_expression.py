"""The expression view in a real browser: the lecture's example stepped through node by node
(the numbers shown are the engine's: 3 and 6), per path, forward mode, a changed value, the
exercises, and errors, with no JavaScript error on the way."""

from __future__ import annotations

from typing import Any

import pytest

from chainrule.explain import derive
from chainrule.explain.graph import format_number
from chainrule.playground.expression import EXAMPLES

LECTURE = "y = (x1 + x2) * (x2 + 1)"


@pytest.fixture
def view(page_at: Any) -> Any:
    page = page_at("/expression")
    page.wait_for_selector("#graph g.node")
    return page


def current(page: Any) -> str:
    return page.locator("#current").inner_text().strip()


def box_line(page: Any, node: str) -> str:
    return page.locator(f'#graph g.node[data-node="{node}"] text.last-line').text_content()


def classes(page: Any, selector: str) -> set[str]:
    return set((page.locator(selector).get_attribute("class") or "").split())


def test_the_lecture_example_step_by_step(view: Any) -> None:
    page = view
    assert page.input_value("#expression") == LECTURE
    expected = derive(LECTURE, {"x1": 1, "x2": 2})
    assert current(page) == "The top node: ∂y/∂y = 1"
    assert page.locator("#step-count").inner_text() == f"Step 1 of {len(expected.steps)}"
    shown = {}
    for k, step in enumerate(expected.steps):
        if k:
            page.click("#step-next")
        line = current(page)
        assert line.endswith(f"= {format_number(step.value)}")
        shown[step.node] = line
        # the current node lights up, with the gradient the engine computed
        assert "current" in classes(page, f'#graph g.node[data-node="{step.node}"]')
        assert box_line(page, step.node).split()[-1] == format_number(step.value)
    assert shown["x2"] == "∂y/∂x2 = ∂y/∂a·∂a/∂x2 + ∂y/∂b·∂b/∂x2 = 3·1 + 3·1 = 6"
    assert shown["x1"] == "∂y/∂x1 = ∂y/∂a·∂a/∂x1 = 3·1 = 3"
    assert page.is_disabled("#step-next")


def test_the_row_its_parents_and_edges_light_up_together(view: Any) -> None:
    page = view
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert current(page).startswith("∂y/∂x2 =")
    assert "parent" in classes(page, '#graph g.node[data-node="a"]')
    assert "parent" in classes(page, '#graph g.node[data-node="b"]')
    assert "active" in classes(page, '#graph g.edge[data-key="x2>a#1"]')
    assert "active" in classes(page, '#graph g.edge[data-key="x2>b#0"]')
    assert "active" not in classes(page, '#graph g.edge[data-key="x1>a#0"]')
    row = page.locator("table.steps tr.current td")
    assert [row.nth(i).inner_text() for i in range(4)] == [
        "∂y/∂x2",
        "∂y/∂a·∂a/∂x2 + ∂y/∂b·∂b/∂x2",
        "3·1 + 3·1",
        "6",
    ]
    # x1 is not reached yet: its gradient is not shown
    assert box_line(page, "x1").split()[-1] == "-"
    page.keyboard.press("ArrowLeft")
    assert current(page).startswith("∂y/∂a =")
    page.keyboard.press("End")
    assert current(page).startswith("∂y/∂x1 =")
    page.keyboard.press("Home")
    assert current(page) == "The top node: ∂y/∂y = 1"


def test_per_path_marks_the_recomputed_product(view: Any) -> None:
    page = view
    page.click("#mode-paths")
    assert page.get_attribute("#mode-paths", "aria-pressed") == "true"
    assert current(page) == "x1 → a → y: ∂(a * b)/∂a·∂a/∂x1 = 3·1 = 3"
    page.click("#step-next")
    assert current(page).startswith("x2 → a → y: ∂(a * b)/∂a·∂a/∂x2 = 3·1 = 3")
    assert "recomputed: ∂y/∂a = 3" in current(page)
    assert "recomputed" in classes(page, '#graph g.edge[data-key="a>y#0"]')
    assert "path" in classes(page, '#graph g.edge[data-key="x2>a#1"]')
    totals = page.locator("table.steps tr.total td.num")
    assert [totals.nth(i).inner_text() for i in range(2)] == ["3", "6"]


def test_forward_mode_carries_tangents_up(view: Any) -> None:
    page = view
    page.keyboard.press("f")
    assert current(page) == "Pass for x1: x1′ = 1, x2′ = 0"
    assert box_line(page, "x2") == "x2′ = 0"
    page.keyboard.press("End")
    assert current(page) == "y′ = ∂(a * b)/∂a·a′ + ∂(a * b)/∂b·b′ = 3·1 + 3·1 = 6"
    assert box_line(page, "y") == "y′ = 6"


def test_a_changed_value_recomputes_everything(view: Any) -> None:
    page = view
    page.keyboard.press("End")
    page.fill('#point input[name="x2"]', "3")
    expected = derive(LECTURE, {"x1": 1, "x2": 3})
    wanted = format_number(expected.gradients["x1"])
    page.wait_for_function(
        "want => document.querySelector('#current').textContent.endsWith('= ' + want)",
        arg=wanted,
    )
    assert current(page) == f"∂y/∂x1 = ∂y/∂a·∂a/∂x1 = 4·1 = {wanted}"  # the step is kept
    assert box_line(page, "x2").split()[-1] == format_number(expected.gradients["x2"])
    result = page.locator("#result li")
    assert [result.nth(i).inner_text() for i in range(3)] == [
        f"y = {format_number(expected.value)}",
        f"∂y/∂x1 = {format_number(expected.gradients['x1'])}",
        f"∂y/∂x2 = {format_number(expected.gradients['x2'])}",
    ]


@pytest.mark.parametrize("k", [1, 2])
def test_the_exercises_are_one_click_away(view: Any, k: int) -> None:
    page = view
    _label, text, at = EXAMPLES[k]
    page.click(f"button.example >> nth={k}")
    page.wait_for_function(
        "text => document.querySelector('#graph g.node title') && "
        "document.querySelector('#expression').value === text",
        arg=text,
    )
    expected = derive(text, at)
    y = expected.output
    want = [f"{y} = {format_number(expected.value)}"] + [
        f"∂{y}/∂{n} = {format_number(v)}" for n, v in expected.gradients.items()
    ]
    page.wait_for_function(
        "want => [...document.querySelectorAll('#result li')].map(li => li.textContent)"
        ".join('|') === want",
        arg="|".join(want),
    )
    page.keyboard.press("End")
    last = expected.steps[-1]
    assert current(page).endswith(f"= {format_number(last.value)}")


def test_errors_are_one_line_and_a_missing_value_is_asked_for(view: Any) -> None:
    page = view
    page.fill("#expression", "y = x1 +")
    page.press("#expression", "Enter")
    error = page.locator("#expression-error")
    error.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#expression-error').textContent")
    assert "cannot parse" in error.inner_text()
    page.fill("#expression", "y = x1 * x3")
    page.press("#expression", "Enter")
    page.wait_for_selector('#point input[name="x3"]')
    assert error.inner_text() == "give a value for x3"
    assert page.locator('#point input[name="x2"]').count() == 0
    page.fill('#point input[name="x3"]', "5")
    page.wait_for_function("() => !document.querySelector('#expression-error').textContent")
    assert page.locator("#result li").nth(1).inner_text() == "∂y/∂x1 = 5"


def test_a_narrow_window_keeps_the_page_its_width(page_at: Any) -> None:
    page = page_at("/expression", width=420)
    page.wait_for_selector("#graph g.node")
    page.keyboard.press("End")  # the longest rows are shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
