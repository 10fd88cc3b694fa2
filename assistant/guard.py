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


# words that tell one cell from another; a number the rewrite puts next to one must be that cell's
LABEL_WORDS = ("维持", "纠正", "其他结果", "尚未审结", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理",
               "其他处理", "新收", "结转", "复议", "起诉", "诉讼", "许可", "处罚", "强制", "规章", "规范性文件", "收费",
               "自然人", "企业", "科研", "公益", "法律服务", "总计")
_CLAUSE_END = re.compile(r"[，。；、,;：:\n（）()]")


def moved_numbers(text: str, answer: Answer) -> list[str]:
    """Numbers the rewrite sets beside another cell's label (维持10、纠正1 rewritten as 维持1、纠正10)."""
    cells = [f for f in answer.figures if not f.computed]
    words_of = [(f, {w for w in LABEL_WORDS if w in f.row + f.column}) for f in cells]
    known = {w for _, ws in words_of for w in ws}
    bad = []
    for m in _NUMBER.finditer(text):
        start = max((c.end() for c in _CLAUSE_END.finditer(text, 0, m.start())), default=0)
        clause = text[start:m.start()]
        near = [(clause.rfind(w), w) for w in known if w in clause]
        if not near:
            continue
        word = max(near)[1]
        holders = [ws for f, ws in words_of if _canon(format(f.value, "f")) == _canon(m.group())]
        if holders and not any(word in ws for ws in holders):
            bad.append(f"{word}{m.group()}")
    return bad


def rephrase_checked(answer: Answer, llm) -> Answer:
    """The LLM's wording if every number it wrote is in the evidence and stays beside its own label,
    else the deterministic answer."""
    try:
        reply = llm.invoke([SystemMessage(content=SYSTEM), HumanMessage(content=f"问题：{answer.question}\n答案：{answer.answer}")])
        text = getattr(reply, "content", str(reply)).strip()
    except Exception as e:  # an unreachable model must not cost the person their answer
        return answer.model_copy(update={"notes": [*answer.notes, f"改写模型不可用（{type(e).__name__}），显示原答案"]})
    bad = unsupported_numbers(text, answer)
    moved = moved_numbers(text, answer) if not bad else []
    if not text or bad or moved:
        why = (f"改写中出现原文没有的数字 {'、'.join(bad)}" if bad else
               f"改写把数字放到了别的项目旁（{'、'.join(moved)}）" if moved else "改写为空")
        return answer.model_copy(update={"notes": [*answer.notes, f"{why}，已改回确定性答案"]})
    return answer.model_copy(update={"answer": text})
