"""``chainrule lab --jobs/--backend/--scheduler``: bad settings named before any work."""

from __future__ import annotations


def test_the_cli_refuses_a_scheduler_without_dask(cli, tmp_path):
    run = cli("lab", "--quick", "--out", tmp_path / "out", "--scheduler", "tcp://localhost:8786")
    assert run.code == 2 and "needs backend 'dask'" in run.err
    assert not (tmp_path / "out").exists()  # refused before the report's folder is made
