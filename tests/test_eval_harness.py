"""The evaluation harness scores what it is given: a wrong expectation fails, a malformed line is an error."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.assistant import Assistant
from evals.harness import evaluate, load_gold
from tests.conftest import REPO

ITEMS = [
    # right: the seed report's table 三 prints 新收 56
    {"id": "ok-1", "question": "滨海新区公安局2022年收到多少信息公开申请？", "kind": "figure", "status": "answered",
     "report": "天津市滨海新区公安局_2022.txt", "figures": ["56"]},
    # wrong on purpose: 57 is printed nowhere
    {"id": "bad-1", "question": "滨海新区公安局2022年收到多少信息公开申请？", "kind": "figure", "status": "answered",
     "report": "天津市滨海新区公安局_2022.txt", "figures": ["57"]},
    {"id": "nf-1", "question": "滨海新区公安局2019年收到多少申请？", "kind": "not_found", "status": "not_found"},
]


def _gold(tmp_path, items=ITEMS):
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    return path


def test_scores_and_names_the_failure(built_store, tmp_path):
    metrics = evaluate(built_store, Assistant(built_store), load_gold([_gold(tmp_path)]), modes=("hybrid",))
    assert metrics["figure_accuracy"] == 0.5
    assert metrics["not_found_accuracy"] == 1.0
    assert [f["id"] for f in metrics["failed"]] == ["bad-1"]
    assert not metrics["passed_thresholds"]


def test_malformed_gold_line_names_file_and_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "x", "question": "q", "status": "answered", "kind": "figure"}\n{not json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.jsonl:2"):
        load_gold([path])


def test_eval_command_exits_non_zero_below_thresholds(tmp_path):
    report = tmp_path / "report.md"
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", str(tmp_path / "store"), "eval", str(_gold(tmp_path)),
         "--corpus", str(REPO / "data"), "--report", str(report)],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )
    assert out.returncode == 1, out.stderr
    assert "figure_accuracy" in out.stderr and "bad-1" in report.read_text(encoding="utf-8")
