"""Narrative answers: the best sentences of the retrieved passages, quoted verbatim and located."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SENTENCE_END = "。；！？\n"
_STOP = set(
    "的 了 是 在 有 和 与 及 吗 呢 吧 啊 么 什么 多少 哪些 哪个 怎么 怎样 如何 为什么 是否 一下 一些 这个 那个 "
    "年 年度 今年 去年 报告 年报 工作 情况 方面 政府 信息 公开 政府信息公开 请问 一共 总共 有没有 "
    "我 你 他 们 个 件 条 次 都 也 就 又 还 被 对 把 给 让 从 到 里 中 上 下 做 做了 进行 开展 相关 主要 哪 几".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


# everyday words → the words reports use for the same thing
_SYNONYMS = {
    "钱": ("费用", "元"), "花": ("支出", "费用"), "费": ("费用",), "收费": ("收取", "费用"),
    "不足": ("问题",), "问题": ("不足",), "网站": ("门户网站",), "培训": ("培训",),
    "新媒体": ("微博", "微信"), "解读": ("解读",), "改进": ("改进", "措施"),
}


def keywords(text: str, drop: tuple[str, ...] = ()) -> list[str]:
    """The content words of a question: no stop words, no agency names or years; plus the report's words for them."""
    for d in drop:
        if d:
            text = text.replace(d, " ")
    text = re.sub(r"\d{4}\s*年?", " ", text)
    tokens = _jieba().lcut(text)
    words = [w for w in tokens if len(w.strip()) >= 2 and w not in _STOP and not w.isdigit()]
    for t in tokens:
        for key, more in _SYNONYMS.items():
            if key in t:
                words += [m for m in more]
    return list(dict.fromkeys(words))


@dataclass
class Sentence:
    text: str  # verbatim
    start: int  # offsets in the report text
    end: int
    chunk: object
    score: float


def sentences(chunk) -> list[tuple[str, int, int]]:
    out, pos, text = [], 0, chunk.text
    for m in re.finditer(rf"[^{_SENTENCE_END}]+[{_SENTENCE_END}]?", text):
        s = m.group()
        lead = len(s) - len(s.lstrip())
        body = s.strip()
        if len(body) >= 4:
            out.append((body, chunk.start + m.start() + lead, chunk.start + m.start() + lead + len(body)))
    return out


def best_sentences(hits, words: list[str], limit: int = 2) -> list[Sentence]:
    """Sentences that share the most content words with the question; passage rank breaks ties."""
    if not words:
        return []
    scored: list[Sentence] = []
    for rank, (chunk, _score) in enumerate(hits):
        for text, start, end in sentences(chunk):
            overlap = sum(len(w) for w in words if w in text)
            if overlap:
                scored.append(Sentence(text, start, end, chunk, overlap - rank * 0.01))
    scored.sort(key=lambda s: s.score, reverse=True)
    top = scored[:1]
    if top and len(top[0].text) < 24:
        # a heading (（一）存在问题): the answer is what follows it
        return _with_following(top[0])
    for s in scored[1:]:
        if len(top) >= limit:
            break
        if s.score >= top[0].score * 0.6 and s.chunk is top[0].chunk and s.start != top[0].start:
            top.append(s)
    return sorted(top, key=lambda s: s.start)


def coverage(words: list[str], sentences_: list[Sentence]) -> float:
    text = "".join(s.text for s in sentences_)
    total = sum(len(w) for w in words)
    return sum(len(w) for w in words if w in text) / total if total else 0.0


def _with_following(head: Sentence, budget: int = 240) -> list[Sentence]:
    out, used = [head], len(head.text)
    for text, start, end in sentences(head.chunk):
        if start <= head.start:
            continue
        if used + len(text) > budget and len(out) > 1:
            break
        out.append(Sentence(text, start, end, head.chunk, head.score))
        used += len(text)
    return out
