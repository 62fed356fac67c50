"""Chinese output of check, evaluate, predict, formulas, exercise and --help: no English word
left where a person reads one, titles underlined by display width."""

from __future__ import annotations

import itertools
import json

from chainrule.exercises.grading import Result
from chainrule.exercises.render import result_lines
from chainrule.i18n import language
from chainrule.wording import display_width


def test_graded_lines_in_chinese():
    right = Result("value.a", "a", "right", 3.0, 3.0)
    wrong = Result("value.b", "b", "wrong", 3.0, 4.0, step="a = x1 + x2")
    missing = Result("value.c", "c", "missing", 3.0, None)
    with language("zh"):
        lines = [*result_lines(right), *result_lines(wrong), *result_lines(missing)]
    assert lines[0] == "  正确  [value.a] a"
    assert lines[1] == "  错误  [value.b] b"
    assert lines[-1] == "  缺答  [value.c] c"
    with language("en"):
        assert result_lines(wrong)[0] == "  WRONG  [value.b] b"
        assert result_lines(right) == ["  right  [value.a] a"]


def test_check_in_chinese(cli, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(cli("exercise", "--json").out)
    run = cli("check", answers, "--lang", "zh")
    assert run.code == 1
    assert "  缺答  [edges]" in run.out and "missing" not in run.out


def test_evaluate_and_predict_in_chinese(cli, model_file):
    run = cli("evaluate", model_file, "--lang", "zh")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[1].startswith("  训练集  代价 ") and lines[-1].startswith("  测试集  代价 ")
    assert " train " not in run.out and " test " not in run.out
    english = cli("evaluate", model_file).out.splitlines()
    assert english[1].startswith("  train  loss ") and english[-1].startswith("  test   loss ")
    data = json.loads(cli("evaluate", model_file, "--lang", "zh", "--json").out)
    assert "train" in json.dumps(data)  # the data keeps its keys
    run = cli("predict", model_file, "--limit", "2", "--lang", "zh")
    assert "（标签 " in run.out and "label" not in run.out


def test_formulas_name_the_cost_in_chinese(cli):
    run = cli("formulas", "--layers", "4,3,2", "--cost", "cross-entropy", "--lang", "zh")
    assert "交叉熵代价" in run.out and "cross-entropy" not in run.out
    run = cli("formulas", "--layers", "4,3,2", "--cost", "quadratic", "--lang", "zh")
    assert "二次代价" in run.out and "quadratic" not in run.out


def test_help_of_version_and_save_in_chinese(cli):
    assert "显示程序的版本号并退出" in cli("--lang", "zh", "--help").out
    assert "训练完成时把模型写入" in cli("train", "--lang", "zh", "--help").out


def test_exercise_titles_are_underlined_by_display_width(cli):
    lines = cli("exercise", "--lang", "zh").out.splitlines()
    pairs = itertools.pairwise(lines)
    ruled = [(title, rule) for title, rule in pairs if set(rule) in ({"="}, {"-"})]
    assert ruled and all(display_width(title) == len(rule) for title, rule in ruled)


def test_common_train_and_evaluate_errors_in_chinese(cli, tmp_path):
    cases = [
        (("train", "--data", "nosuch"), "未知的数据集 'nosuch'"),
        (("train", "--data", "xor", "--layers", "3,4,2"), "--layers 应以 2 开头"),
        (("train", "--data", "xor", "--save", tmp_path), "这是一个文件夹"),
        (("evaluate", tmp_path / "absent.safetensors"), "没有这个文件"),
    ]
    for args, words in cases:
        run = cli(*args, "--lang", "zh")
        assert run.code == 2 and words in run.err, (args, run.err)
        assert len(run.err.strip().splitlines()) == 1
