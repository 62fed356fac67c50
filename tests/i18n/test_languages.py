"""Chinese and English: the same output in either language, chosen by ``--lang``, ``lang=`` or
the environment's locale; English stays what it was."""

from __future__ import annotations

import pytest

from chainrule.cli.main import main, requested_language
from chainrule.explain import derive, render_html, render_latex, render_markdown, render_text
from chainrule.explain.render_text import display_width
from chainrule.i18n import _, _current, current_language, default_language, language
from chainrule.wording import counted

LECTURE = "y = (x1 + x2) * (x2 + 1)"
AT = ("--at", "x1=1", "x2=2")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("where", ["before", "after"])
def test_lang_before_or_after_the_command(capsys, where):
    argv = ["--lang", "zh", "derive", LECTURE, *AT]
    if where == "after":
        argv = ["derive", LECTURE, *AT, "--lang", "zh"]
    code, out, _err = run(capsys, *argv)
    assert code == 0
    assert "反向累积" in out and "逐条通路" in out and "dy/dx2 = 6" in out


def test_english_is_the_default_here_and_unchanged(capsys):
    _code, zh, _err = run(capsys, "derive", LECTURE, *AT, "--lang", "zh")
    _code, en, _err = run(capsys, "derive", LECTURE, *AT)
    _code, en_asked, _err = run(capsys, "derive", LECTURE, *AT, "--lang", "en")
    assert en == en_asked == render_text(derive(LECTURE, {"x1": 1, "x2": 2})) + "\n"
    assert "Reverse accumulation" in en and "反向" not in en
    # the same numbers in both: only the words change
    assert [line.split()[-1] for line in en.splitlines()[-5:-2]] == [
        line.split()[-1] for line in zh.splitlines()[-5:-2]
    ]


def test_the_lang_leaves_no_trace_after_the_command(capsys):
    run(capsys, "--lang", "zh", "derive", LECTURE, *AT)
    assert current_language() == "en"


@pytest.mark.parametrize(
    "argv", [["--lang", "fr", "derive", "y = x"], ["derive", "y=x", "--lang=de"]]
)
def test_an_unknown_language_is_one_line_and_exit_2(capsys, argv):
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and "--lang" in err and "'zh'" in err


def test_the_help_is_in_the_language_asked(capsys):
    _code, out, _err = run(capsys, "--lang", "zh", "--help")
    assert "反向传播" in out


def test_requested_language_stops_at_the_double_dash():
    assert requested_language(["derive", "--", "--lang", "zh"]) is None
    assert requested_language(["--lang=zh", "derive"]) == "zh"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("zh_CN.UTF-8", "zh"), ("zh_TW", "zh"), ("en_US.UTF-8", "en"), ("C.UTF-8", "en")],
)
def test_the_default_comes_from_the_locale(monkeypatch, value, expected):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", value)
    assert default_language() == expected


def test_the_locale_chooses_when_no_lang_is_given(monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    token = _current.set(None)  # the suite pins English; this test reads the environment
    try:
        _code, out, _err = run(capsys, "derive", LECTURE, *AT)
    finally:
        _current.reset(token)
    assert "反向累积" in out


@pytest.mark.parametrize("render", [render_text, render_markdown, render_latex, render_html])
def test_every_format_takes_lang(render):
    expl = derive(LECTURE, {"x1": 1, "x2": 2})
    zh, en = str(render(expl, lang="zh")), str(render(expl, lang="en"))
    assert "逐条通路" in zh and "通路" not in en
    assert str(render(expl)) == en


def test_notes_are_data_in_english_and_words_in_the_reader_language():
    expl = derive("y = x1 * x2 + x1 * x2 * x2 + x1 * x2 * x2 * x2", {"x1": 1, "x2": 2})
    with language("zh"):
        again = derive(LECTURE, {"x1": 1, "x2": 2})
    assert again.notes == derive(LECTURE, {"x1": 1, "x2": 2}).notes
    assert all(note.isascii() for note in expl.notes)


def test_text_columns_line_up_in_chinese():
    text = render_text(derive(LECTURE, {"x1": 1, "x2": 2}), lang="zh")
    graph = text.split("\n\n")[1].splitlines()[1:]
    starts = {display_width(line[: line.index("x1, x2")]) for line in graph if "x1, x2" in line}
    header = graph[0]
    assert starts == {display_width(header[: header.index("输入")])}


@pytest.mark.parametrize(
    ("n", "noun", "en", "zh"),
    [
        (1, "epoch", "1 epoch", "1 轮"),
        (3, "path", "3 paths", "3 条通路"),
        (2, "edge", "2 edges", "2 条边"),
    ],
)
def test_counted_speaks_both(n, noun, en, zh):
    assert counted(n, noun) == en
    with language("zh"):
        assert counted(n, noun) == zh


def test_a_message_without_a_translation_stays_english():
    with language("zh"):
        assert _("a sentence no catalog holds") == "a sentence no catalog holds"


def test_argparse_speaks_chinese_for_one_command_line_only(capsys):
    import argparse

    own = argparse._
    _code, out, _err = run(capsys, "--lang", "zh", "derive", "--help")
    assert out.startswith("用法：chainrule derive") and "选项" in out and "显示此帮助信息" in out
    code, _out, err = run(capsys, "derive", "--lang", "zh")
    assert code == 2 and err == "chainrule derive：错误：缺少以下必需参数：expression\n"
    assert argparse._ is own
    code, _out, err = run(capsys, "derive")
    assert err == "chainrule derive: error: the following arguments are required: expression\n"


def test_library_errors_follow_the_language(capsys):
    code, _out, err = run(capsys, "--lang", "zh", "derive", "y = x +")
    assert (
        code == 2
        and err.startswith("chainrule derive：错误：无法解析表达式")
        and "（第 8 列）" in err
    )
