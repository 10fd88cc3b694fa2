"""Narrative answers: the best sentences of the retrieved passages, quoted verbatim and located."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .accounting import ACCOUNT_FORMS, NET_FORMS, SITE_FORMS, cut_words, without_localizer

_SENTENCE_END = "。；！？\n"
_STOP = set(
    "的 了 是 在 有 和 与 及 吗 呢 吧 啊 么 什么 多少 哪些 哪个 怎么 怎样 如何 为什么 是否 一下 一些 这个 那个 "
    "年 年度 今年 去年 报告 年报 工作 情况 方面 政府 信息 公开 政府信息公开 信息公开 政务公开 政务 请问 一共 总共 有没有 "
    "我 你 他 们 个 件 条 次 都 也 就 又 还 被 对 把 给 让 从 到 里 中 上 下 做 做了 进行 开展 相关 主要 哪 几 "
    "针对 关于 对于 方面 全年 一年 全区 全县 全市 本年 以前 后来 现在 目前 什么样 怎么样 情况 具体 哪些方面 有关 了吗 "
    "存在 几件 几个 几条 几次 几天 几人 申请 自己 官方 一下子 多少次 多少条 多少个 多少件 多少人 多少钱 那件 那个 这件 "
    "大概 大约 哪几个 几个月 哪几 报里 年报里 承认 还有 到底 究竟 没有 哪位 哪一位 谁 是谁 "
    "他们 她们 它们 人家 老百姓 百姓 咱们 咱 最后 最终 后来 前年 大前年 上一年 因为 由于 所以 申请人".split()
)
# everyday words → the words reports use for the same thing (each group counts once)
_SYNONYMS = {
    "钱": ("费用", "元", "收取", "收费", "处理费"), "收钱": ("收取", "收费", "处理费", "费用"),
    "交钱": ("缴纳", "收取", "收费", "处理费", "费用"), "要钱": ("收取", "收费", "处理费", "费用"), "花": ("支出", "费用"), "收费": ("收取", "费用", "收费"), "费": ("费用", "收取"),
    "不足": ("问题", "不足", "差距"), "问题": ("问题", "不足", "差距"), "网站": ("门户网站", "网站"),
    "新媒体": ("新媒体", "微博", "微信", "抖音"), "改进": ("改进", "措施", "整改"), "整改": ("整改", "改进", "措施"), "改": ("改进", "整改", "措施"),
    "撤回": ("撤销", "撤回"),
    "关注": ("关注", "粉丝", "订阅"), "订阅": ("订阅", "关注", "粉丝"), **ACCOUNT_FORMS, "纠错": ("纠错", "纠正"), "官司": ("诉讼", "官司"), "判": ("判决", "审结"),
    "收到": ("收到", "受理", "接收"), "办完": ("办完", "办结", "完成"), "处理": ("处理", "处置"),
    "打算": ("打算", "下一步", "将", "计划"), "准备": ("准备", "下一步", "将", "计划"), "一步": ("下一步",),
    "牵头": ("牵头", "组长", "负责", "领导"), "进展": ("进展", "目前", "进行中", "已成功", "已完成"),
    "办过": ("举办", "开展", "组织"), "组织": ("组织", "举办", "开展"), "培训": ("培训", "培训会", "学习"),
    "会": ("会议", "会"), "开会": ("会议", "召开", "会"),
    "几月": ("月份", "月"), "哪个月": ("月份", "月"), "哪月": ("月份", "月"), "网上": NET_FORMS, "官网": SITE_FORMS,
}
# (「哪几个月」 asks which months, not how many)
_MEASURE = re.compile(r"(?<!哪)(?:多少|几)\s*(条|个|件|份|人|元|次|篇|期|项|场|万|名|家|起|天|钱|批)(?!月)")
# the units a report writes a count in, for the unit a question asks in
# (个 is the general counter: 「关停了多少个」 is answered by 「关停…14家」; 家 by 个 too)
_UNITS = {"天": "天|日|个工作日", "钱": "元|万元", "人": "人|名|万",
          "个": "个|家|项|名|所|座|款|条|件|次|篇|期|场|起|人|份|套|批", "家": "家|个|所"}
# a sentence naming several parts of the report is its table of contents, not an answer
_PART_NAMES = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政诉讼情况", "存在的主要问题", "其他需要报告的事项")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def content_query(text: str, drop: tuple[str, ...] = ()) -> str:
    """The question without the agency's name and the year: the report filter already says those."""
    for d in sorted((d for d in drop if d), key=len, reverse=True):
        text = text.replace(d, " ")
    return re.sub(r"\d{4}\s*年度?", " ", text).strip() or text


def keywords(text: str, drop: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The content words of a question, each with the words reports use for it: no stop words,
    no agency names or years. Each group is one concept to find."""
    text = content_query(text, drop)
    # 「收没收」「交不交」「公开没公开」: a verb asked as yes or no is that verb (jieba would cut 没收, confiscate)
    text = re.sub(r"([\u4e00-\u9fff]{1,2})[没不]\1", r"\1", text)
    groups: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for tok in cut_words(text):
        tok = tok.strip()
        if len(tok) >= 3 and tok[0] == "被":
            tok = tok[1:]  # 被申请人 → 申请人
        tok = without_localizer(tok)  # 微博上 → 微博: the report says 微博信息发布…条
        if len(tok) == 2 and tok[1] == "了" and tok not in _SYNONYMS:
            continue  # 发了, 做了: the verb carries no topic
        if not tok or tok in _STOP or tok.isdigit() or tok in seen:
            continue
        seen.add(tok)
        # (a one-character key names only itself: 改 is 改进, 改革 is not)
        alts = next((alts for key, alts in _SYNONYMS.items() if (key == tok if len(key) == 1 else key in tok)), ())
        if len(tok) >= 2:
            groups.append(tuple(dict.fromkeys((tok, *alts))))
        elif alts:
            groups.append(alts)
    if _WHY.search(text):
        # 「为什么没有公开」: the sentence that gives a reason (因…, 由于…, 属于…故…, 不予…), about applications
        groups += [_REASON_WORDS, _APPLICATION_WORDS]
    return groups


_WHY = re.compile(r"为什么|为何|为啥|什么原因|啥原因|什么理由|原因是什么|理由是什么|怎么会")
_REASON_WORDS = ("因", "由于", "属于", "故", "原因", "鉴于", "不属于")
_APPLICATION_WORDS = ("申请", "不予", "告知", "答复")


@dataclass
class Sentence:
    text: str  # verbatim
    start: int  # offsets in the report text
    end: int
    chunk: object
    score: float
    heading: str = ""  # the heading the sentence is under
    following: object = None  # the report's next passage, where a list may go on (a page break cuts passages)


# a line break ends a sentence only after a heading-length line or before a numbered item;
# PDF and Markdown conversions break lines in mid-sentence
_BREAK = re.compile(r"[。；！？]|\n(?=\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[、.．]|[一二三四五六七八九十]是))")


def sentences(chunk) -> list[tuple[str, int, int]]:
    """(text, start, end) of each sentence, verbatim, offsets in the report's text."""
    out, text, pos = [], chunk.text, 0
    cuts = [m.end() for m in _BREAK.finditer(text)]
    # short lines are headings: end them too
    for m in re.finditer(r"\n", text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start:m.start()].strip()
        # (a heading has no comma: 「二是围绕…工作，进一步梳理明」 is a wrapped line cut short by the passage)
        if 0 < len(line) <= 20 and not _PAGE_NUMBER.match(line) and not re.search(r"[，,]|(?<![一二三四五六七八九十\d])、", line):
            if not re.search(r"[。；！？：:]$", line) and _runs_to_a_figure(text, m.end()):
                continue  # 「…政府信息查阅中心\n信息\n21条，其中…」: lines broken before their figure go on
            cuts.append(m.end())
    for end in sorted(set(cuts + [len(text)])):
        piece = text[pos:end]
        lead = len(piece) - len(piece.lstrip())
        body = piece.strip()
        if len(body) >= 4:
            out.append((body, chunk.start + pos + lead, chunk.start + pos + lead + len(body)))
        pos = end
    return out


def _runs_to_a_figure(text: str, at: int, lines: int = 3) -> bool:
    """Do the next lines (short, unpunctuated) run on to a line that opens with a figure and its unit?"""
    for _ in range(lines):
        if _COUNT_OPENS.match(text, at):
            return True
        end = text.find("\n", at)
        line = text[at:end if end >= 0 else len(text)].strip()
        if end < 0 or not line or len(line) > 20 or re.search(r"[。；！？：:，,]$", line) or _SUB_TITLE.match(line):
            return False
        at = end + 1
    return False


_COUNT_OPENS = re.compile(r"[ \t\u3000]*\d[\d,.]*\s*(?:条|件|份|个|项|次|篇|人|元|万元|家|场|期|批)")
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff：:])\s+(?=[\u4e00-\u9fff：:])")


def squeezed(text: str) -> str:
    """The text without the spaces a PDF's text layer puts between characters (「电 子 邮 箱 ：」)."""
    return _SPACED.sub("", text) if " " in text or "\n" in text else text


def _found(group: tuple[str, ...], text: str) -> int:
    if not any(a in text for a in group):
        text = squeezed(text)
    return max((len(a) for a in group if a in text), default=0)


def best_sentences(hits, groups: list[tuple[str, ...]], question: str = "", limit: int = 2) -> list[Sentence]:
    """Sentences that carry the most of the question's concepts; a count asked in 条/人/元 prefers a
    sentence with such a count, a matching section title helps, passage rank breaks ties."""
    if not groups:
        return []
    counted, exact = counted_re(question), counted_re(question, approximate=False)
    # 「机构改革后栏目跟不上，他们怎么整改的？现在进展如何？」: the clauses that ask weigh double, the ones that
    # set the scene (and are what the report's problem sentence repeats) once
    weight = _weights(groups, question)
    scored: list[Sentence] = []
    following = _following(hits)
    for rank, (chunk, _score) in enumerate(hits):
        # the most specific heading above each sentence: （一）主要问题 answers 「存在哪些问题」
        pieces = sentences(chunk)
        path = [p.strip() for p in (getattr(chunk, "section", "") or "").split("›")]
        inside = {t.strip() for t, _, _ in pieces if _PART_TITLE.match(t) or _SUB_TITLE.match(t)}
        # (a passage's path ends with the last heading in it: what comes before that heading is under the one before)
        heading = path[-2] if len(path) > 1 and path[-1] in inside else path[-1]
        for text, start, end in pieces:
            if _PART_TITLE.match(text) or _SUB_TITLE.match(text):
                heading = text.strip()
                continue  # a part's own title, or a heading: no answer of its own
            if sum(1 for p in _PART_NAMES if p in text) >= 2:
                continue  # a table of contents
            hit = sum(w * _found(g, text) for g, w in zip(groups, weight)) + 1.5 * sum(
                w * _found(g, heading) for g, w in zip(groups, weight))
            if not hit:
                continue
            # (a figure printed exactly before one given roughly: 「微博信息发布9384条」 before 「微博160余条」)
            bonus = 3 if exact and exact.search(text) else 2 if counted and counted.search(text) else 0
            scored.append(Sentence(text, start, end, chunk, hit + bonus - rank * 0.01, heading,
                                   following.get(id(chunk))))
    scored.sort(key=lambda s: s.score, reverse=True)
    return _each_asked(_picked(scored, limit), scored, groups, question)


def _picked(scored: list[Sentence], limit: int) -> list[Sentence]:
    top = scored[:1]
    # 「采取以下措施：一是…。」: the measures go on in the sentences after it (二是…。三是…。)
    top += _list_after(top[0], top) if top else []
    if top and len(top[0].text) < 40:
        # a heading (（一）存在问题) or a lead-in (仍存在一定差距。): the answer goes on after it
        return _with_following(top[0])
    follow = _next_sentence(top[0]) if top else None
    if follow is not None and _ELABORATES.match(follow.text):
        # 「仍存在一定差距。」「如依申请公开工作规范性还有待提高…」: the sentence after names them
        top.append(follow)
        top += _list_after(follow, top)  # (「…努力予以改进。一是…」: and the list it begins)
    for s in scored[1:]:
        if len(top) >= limit:
            break
        if s.score >= top[0].score * 0.6 and s.chunk is top[0].chunk and all(s.start != t.start for t in top):
            top.append(s)
            top += _list_after(s, top)
            follow = _next_sentence(s)
            if follow is not None and _ELABORATES.match(follow.text) and all(follow.start != t.start for t in top):
                top.append(follow)  # a lead-in picked second is quoted with what it leads to
                top += _list_after(follow, top)
    return sorted(top, key=lambda s: s.start)


_ASKING = re.compile(r"怎么|如何|怎样|什么|啥|哪|谁|何|多少|几|吗|呢|是否|有没有|没有|是不是")
_ANAPHORA = re.compile(r"(?:针对|根据|对照|就|对)(?:上述|以上|前述|这些|存在的?|发现的?)[^，,。；;]{0,6}?(?:问题|不足|差距)")
_ORDINALS = "一二三四五六七八九十"
_STATUS = re.compile(r"^(?:目前|截至目前|截止目前|现已|至此)")
_ENUM_START = re.compile(r"一\s*是")  # (a PDF line may break between 一 and 是)
_ENUM_NEXT = re.compile(r"二\s*是")
_PAGE_NUMBER = re.compile(r"^[-—－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?[-—－\s]*$")  # 「- 5 -」: a page's number, mid-sentence


def _following(hits) -> dict[int, object]:
    """Each passage's next one in its report (by offset), among the passages at hand."""
    by_report: dict[str, list] = {}
    for chunk, _ in hits:
        if getattr(chunk, "report_id", None) is not None and isinstance(getattr(chunk, "start", None), int):
            by_report.setdefault(chunk.report_id, []).append(chunk)
    out = {}
    for chunks in by_report.values():
        chunks = sorted({id(c): c for c in chunks}.values(), key=lambda c: c.start)
        for a, b in zip(chunks, chunks[1:]):
            out[id(a)] = b
    return out


def _list_after(s: Sentence, taken: list[Sentence]) -> list[Sentence]:
    """The rest of the list `s` begins (一是… → 二是…, 三是…), but the sentences already taken."""
    if not _ENUM_START.search(s.text) or _ENUM_NEXT.search(s.text):
        return []
    return [e for e in _enumerated_after(s) if all(e.start != t.start for t in taken)]


def _enumerated_after(head: Sentence, budget: int = 600) -> list[Sentence]:
    """The sentences after `head` that go on numbering its list (二是…, 三是…), in order — into the
    report's next passage when the list runs on past a page break. An item may say more after its own
    sentence (「一是强化公开意识。组织干部职工深入学习…。二是…」): those sentences go with it, and the last
    item takes as many as the items before it had (one list, one shape)."""
    out, used, k = [], len(head.text), 1
    pieces = [(t, a, b, head.chunk) for t, a, b in sentences(head.chunk)]
    if head.following is not None:
        pieces += [(t, a, b, head.following) for t, a, b in sentences(head.following)]
    last = head.end
    pending: list[Sentence] = []  # what the item being read says after its own sentence
    bodies: list[int] = []  # how many such sentences each item before had
    for text, start, end, chunk in pieces:
        if start < last:
            continue
        last = end
        if k > 1 and _STATUS.match(text) and used + len(text) <= budget:
            # 「目前，…专栏已成功开设，…正在有序进行中」: where the measures listed stand
            out += pending[:max(bodies, default=0)]
            out.append(Sentence(text, start, end, chunk, head.score))
            return out
        if k < len(_ORDINALS) and re.match(_ORDINALS[k] + r"\s*是", text):
            size = sum(len(p.text) for p in pending) + len(text)
            if used + size > budget:
                break
            out += pending
            bodies.append(len(pending))
            pending = []
            out.append(Sentence(text, start, end, chunk, head.score))
            used, k = used + size, k + 1
            continue
        if _NUMBERED.match(text) or _PAGE_NUMBER.match(text) or len(pending) >= 3:
            break  # the next part or heading (六、…, （二）…): the list is over
        pending.append(Sentence(text, start, end, chunk, head.score))
    if k > 1 and bodies:
        tail = pending[:max(bodies)]
        if used + sum(len(p.text) for p in tail) <= budget:
            out += tail
    return out


_NEXT_PART = re.compile(r"^\s*[一二三四五六七八九十]+、")  # 「六、其他需要报告的事项…」 run on after the last sentence
_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_SUB_TITLE = re.compile(r"^[（(][一二三四五六七八九十\d]+[)）][^。；，,：:]{2,20}$")  # （二）改进情况: a heading, the passage's own
_PART_TITLE = re.compile(r"^[一二三四五六七八九十]+、[^。；，,]{2,28}$")
_ELABORATES = re.compile(r"^(?:如|例如|比如|主要(?:是|有|表现)|具体(?:是|有|表现)|一是|表现在|包括|其中)")


def _next_sentence(s: Sentence) -> "Sentence | None":
    for text, start, end in sentences(s.chunk):
        if start >= s.end:
            return Sentence(text, start, end, s.chunk, s.score, following=s.following)
    return None


def counted_re(question: str, approximate: bool = True):
    """For 「多少条/几天/多少钱」: a pattern for a number written in that unit, else None; `approximate`:
    「70多份」「300余条」 count too."""
    m = _MEASURE.search(question)
    if not m:
        return None
    # (in digits, or in words: 「每年召开一次」「两场」)
    # (「70多份」「300余条」: an approximate count is a count)
    return re.compile(rf"(?:\d[\d,.]*|(?<![第\u4e00-\u9fff])[一二两三四五六七八九十百千万]+|(?<=[每召开了共计达])[一二两三四五六七八九十百千万]+)\s*{'[多余]?' if approximate else ''}\s*(?:{_UNITS.get(m.group(1), m.group(1))})")


def answers_count(question: str, picked: list[Sentence]) -> bool:
    """A question asking how many (in some unit) is answered only by a sentence with such a number."""
    rx = counted_re(question)
    return rx is None or any(rx.search(s.text) for s in picked)


EACH_ASKED_SHARE = 0.5  # of the best sentence's score, for one that answers a question the picks leave out


def _each_asked(top: list[Sentence], scored: list[Sentence], groups: list[tuple[str, ...]],
                question: str) -> list[Sentence]:
    """「他们怎么整改的？现在进展如何？」: two questions in one. Each gets the best sentence saying what it
    asks — in its own words (not a back-reference), or under a heading that does — if that sentence is
    under such a heading or scores near the best; a list it begins is quoted whole, a lead-in with what
    it leads to."""
    clauses = [c for c in re.split(r"[，,。！!？?；;]", question) if _ASKING.search(c)]
    asked = [idx for c in clauses if (idx := [i for i, g in enumerate(groups) if _named_in(g, c)])]
    if len(asked) < 2 or not top:
        return sorted(top, key=lambda s: s.start)
    out = list(top)
    for idx in asked:
        # the best sentence saying what this question asks, in its words or under a heading that does
        # (「根据上述问题，…采取以下措施」 names 问题 but answers how it was fixed)
        # (「针对存在问题，下一步…」 refers back to the problems to bring in the measures: it does not say them)
        own = lambda s: _ANAPHORA.sub("", s.text)
        by_clause = sorted(scored, key=lambda s: -sum(_found(groups[i], own(s)) + 1.5 * _found(groups[i], s.heading)
                                                       for i in idx))
        # (under a heading that names it, or saying it and scoring near the best: not 「…相关部门…」 in passing)
        best = next((s for s in by_clause[:1] if any(_found(groups[i], s.heading) for i in idx) or (
            any(_found(groups[i], own(s)) for i in idx) and s.score >= EACH_ASKED_SHARE * scored[0].score)), None)
        if best is None or any(best.start == t.start for t in out):
            continue
        out.append(best)
        out += _list_after(best, out)
        follow = _next_sentence(best)
        if follow is not None and _ELABORATES.match(follow.text) and all(follow.start != t.start for t in out):
            out.append(follow)  # 「仍存在一定差距。」 with the sentence naming them (「如…」)
    return sorted(out, key=lambda s: s.start)


def _weights(groups: list[tuple[str, ...]], question: str) -> list[int]:
    """Each concept's weight: 2 when a clause that asks names it, 1 when it only sets the scene (the scene
    often holds the topic itself: 「某县去年清理过期的政府信息，清掉了多少条？」)."""
    asking = "".join(c for c in re.split(r"[，,。！!？?；;]", question) if _ASKING.search(c))
    return [2 if asking and _named_in(g, asking) else 1 for g in groups]


def _named_in(group: tuple[str, ...], clause: str) -> bool:
    """Does the clause name this concept: its word, or the everyday word it stands for (改 → 改进, 措施)?"""
    return group[0] in clause or any(alts == group and key in clause for key, alts in _SYNONYMS.items())


def coverage(groups: list[tuple[str, ...]], picked: list[Sentence], question: str = "") -> float:
    """Share of the question's concepts that the quoted sentences (or their section title) carry, the
    concepts the asking clauses name weighing double."""
    if not groups:
        return 0.0
    text = "".join(s.text for s in picked) + "".join((getattr(s.chunk, "section", "") or "").split("›")[-1] for s in picked[:1])
    weight = _weights(groups, question)
    return sum(w for g, w in zip(groups, weight) if _found(g, text)) / sum(weight)


# the signature closing a report: the agency's name, then the date (「某区教育局\n2024年1月26日」)
_DATELINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")


def _with_following(head: Sentence, budget: int = 240) -> list[Sentence]:
    out, used = [head], len(head.text)
    after = [p for p in sentences(head.chunk) if p[1] > head.start]
    for i, (text, start, end) in enumerate(after):
        if used + len(text) > budget and len(out) > 1:
            break
        signed = i + 1 < len(after) and _DATELINE.match(after[i + 1][0]) and not re.search(r"[，,。；]", text)
        if _DATELINE.match(text) or signed or _PART_TITLE.match(text) or _SUB_TITLE.match(text) or _NEXT_PART.match(text):
            break  # the report's signature, or the next part or heading: not what the sentence leads to
        out.append(Sentence(text, start, end, head.chunk, head.score))
        used += len(text)
    return out
