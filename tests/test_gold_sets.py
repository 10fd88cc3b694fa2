"""Every gold and held-out set passes evals/validate.py, and the validator catches a broken line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import validate as V
from tests.conftest import CORPUS, require_files

REPORTS = CORPUS / "reports"
SEED = "天津市滨海新区公安局_2022.txt"


def test_every_gold_set_passes():
    require_files(REPORTS)
    files = V.default_files()
    assert len(files) >= 20
    res = V.validate(files, REPORTS)
    assert not res.errors, "\n".join(map(str, res.errors))
    assert sum(s.lines for s in res.files) > 1000


def _write(tmp_path: Path, *items: dict, name: str = "set.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return p


def _item(**kw) -> dict:
    base = {"id": "fig-901", "question": "滨海新区公安局2022年一共收到多少信息公开申请？", "history": [],
            "kind": "figure", "status": "answered", "report": SEED, "figures": ["56"],
            "note": "表三 一、本年新收 · 总计 = 56"}
    base.update(kw)
    return base


def _errors(tmp_path, *items, **kw) -> list[str]:
    require_files(REPORTS)
    return [p.message for p in V.validate([_write(tmp_path, *items, **kw)], REPORTS).errors]


def test_a_good_line_passes(tmp_path):
    assert _errors(tmp_path, _item()) == []


def test_duplicate_id_across_files(tmp_path):
    require_files(REPORTS)
    a = _write(tmp_path, _item(), name="a.jsonl")
    b = _write(tmp_path, _item(), name="b.jsonl")
    res = V.validate([a, b], REPORTS)
    assert [p.file for p in res.errors] == ["b.jsonl"]
    assert "duplicate id" in res.errors[0].message


def test_quote_not_in_the_report(tmp_path):
    nar = _item(id="nar-901", kind="narrative", figures=[], quote_contains="本机关全年共收到申请九百件",
                note="part 三")
    assert any("does not occur in the text" in m for m in _errors(tmp_path, nar))


def test_wrong_arithmetic_in_a_note(tmp_path):
    bad = _item(id="sum-901", kind="sum", report=[SEED], figures=["3"],
                note="（三）不予公开 总计 column: 0+2+0+0+0+0+1+1 = 3")
    assert any("does not hold" in m for m in _errors(tmp_path, bad))
    share = _item(id="shr-901", kind="share", figures=["20.69%"], note="(12+0) ÷ 58 = 20.70%")
    assert any("does not hold" in m for m in _errors(tmp_path, share))


def test_first_figure_must_follow_from_the_note(tmp_path):
    bare = _item(id="sum-902", kind="sum", report=[SEED], figures=["4"], note="8 rows, 总计 column: 0+2+0+0+0+0+1+0")
    assert any("give 3" in m for m in _errors(tmp_path, bare))
    calc = _item(id="dif-901", kind="difference", report=["平潭综合实验区_2022.txt", "平潭综合实验区_2023.txt"],
                 figures=["8"], note="新收 总计 2023 81, 2022 74. calc: 81-74 = 7")
    assert any("calc gives 7" in m for m in _errors(tmp_path, calc))


def test_format_problems(tmp_path):
    msgs = _errors(tmp_path, _item(id="xx-1", history=[1], asked_on="2026-13-01",
                                   report="no_such_report_2022.txt", status="not_found"))
    text = " | ".join(msgs)
    for part in ("id is neither", "history must be a list", "asked_on", "not in the corpus", "status not_found"):
        assert part in text, (part, msgs)


@pytest.mark.parametrize("expr,value", [
    ("0+2+0+1", "3"), ("(71+29)/218 × 100 - 45.87", "0.0015596330275229357798165137614678899082568807339"),
    ("max(74, 81, 218)", "218"), ("国家秘密 4 + 第三方 3 + 内部事务 32", "39"), ("2024 218 − 2023 81", "137"),
])
def test_evaluate(expr, value):
    assert V.evaluate(expr).quantize(V.Decimal("1e-40")) == V.Decimal(value).quantize(V.Decimal("1e-40"))


def test_equations_read_from_notes():
    eqs = V.equations("公开率 = (予以公开71 + 部分公开29) / （七）总计218 = 45.8716% → 45.87%; 核对 34 + 2 − 35 = 1")
    assert [(e.stated, e.rounded, e.holds) for e in eqs] == [("45.8716%", ["45.87%"], True), ("1", [], True)]
    assert not V.equations("8 − 2 = 7")[0].holds
    assert V.equations("（其余空白=0）, 2022 = 74, “713000074” = 74") == []


def test_missing_corpus_is_said(tmp_path):
    with pytest.raises(V.CorpusMissing):
        V.validate([_write(tmp_path, _item())], tmp_path / "nowhere")
