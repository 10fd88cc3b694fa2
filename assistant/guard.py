"""An optional LLM may rephrase the deterministic answer; every number it writes must be in the evidence.

    >>> from langchain_core.language_models.fake_chat_models import FakeListChatModel
    >>> rephrase_checked(answer, FakeListChatModel(responses=["共收到57件申请。"])).answer == answer.answer
    True   # 57 is not in the evidence: the deterministic answer stands
"""
from __future__ import annotations

import re

from langchain_core.messages import HumanMessage, SystemMessage

from .models import Answer

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CN_NUMBER = re.compile(r"[零一二两三四五六七八九十百千万亿]{2,}|[两二三四五六七八九十百千]+(?=件|起|次|条|个|万元)")

SYSTEM = (
    "你是政府信息公开年报问答助手。请把给出的答案改写得更通顺易懂，但不得增加、删除或改动任何数字，"
    "不得引入原答案没有的事实；引用原文的句子保持原样。只输出改写后的答案。"
)


def evidence_numbers(answer: Answer) -> set[str]:
    """Every number the evidence holds: figures, formulas, quoted sentences, years, the deterministic text."""
    pool = [answer.answer, *(c.quote for c in answer.citations), *(c.section for c in answer.citations)]
    pool += [f.formula for f in answer.figures]
    nums = {n for text in pool for n in _NUMBER.findall(text or "")}
    nums |= {format(f.value, "f") for f in answer.figures}
    nums |= {str(f.year) for f in answer.figures if f.year}
    return {_canon(n) for n in nums}


def _canon(n: str) -> str:
    return n.rstrip("0").rstrip(".") if "." in n else n.lstrip("0") or "0"


def unsupported_numbers(text: str, answer: Answer) -> list[str]:
    allowed = evidence_numbers(answer)
    bad = [n for n in _NUMBER.findall(text) if _canon(n) not in allowed]
    # numbers spelled in Chinese characters cannot be checked: refuse them
    bad += _CN_NUMBER.findall(text)
    return bad


def rephrase_checked(answer: Answer, llm) -> Answer:
    """The LLM's wording if every number it wrote is in the evidence, else the deterministic answer."""
    try:
        reply = llm.invoke([SystemMessage(content=SYSTEM), HumanMessage(content=f"问题：{answer.question}\n答案：{answer.answer}")])
        text = getattr(reply, "content", str(reply)).strip()
    except Exception as e:  # an unreachable model must not cost the person their answer
        return answer.model_copy(update={"notes": [*answer.notes, f"改写模型不可用（{type(e).__name__}），显示原答案"]})
    bad = unsupported_numbers(text, answer)
    if not text or bad:
        why = f"改写中出现原文没有的数字 {'、'.join(bad)}" if bad else "改写为空"
        return answer.model_copy(update={"notes": [*answer.notes, f"{why}，已改回确定性答案"]})
    return answer.model_copy(update={"answer": text})
