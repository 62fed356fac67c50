"""The text a student reads for a graded answer."""

from __future__ import annotations

from chainrule.exercises.grading import Result
from chainrule.exercises.render import result_lines
from chainrule.i18n import language


def wrong(where: tuple[int, ...]) -> Result:
    return Result("z1", "z^1", "wrong", [[1.0, 2.0]], [[1.0, 3.0]], step="z^1 = ...", where=where)


def test_the_first_wrong_element_is_named_by_row_and_column_counting_from_one():
    assert "      first wrong element: row 1, column 2" in result_lines(wrong((1, 2)))
    assert "      first wrong element: element 3" in result_lines(wrong((3,)))
    with language("zh"):
        assert "      第一个错误的元素：第 1 行第 2 列" in result_lines(wrong((1, 2)))
