"""Which held agency a question means: places from the gazetteer, the organ by its name or the
abbreviations people use, a typo forgiven, a zone told apart from its departments.

    >>> r = AgencyResolver({"南京市发展和改革委员会": ["南京市发展和改革委员会"]})
    >>> r.resolve("南京发改委2023年收到几件申请").agencies
    ['南京市发展和改革委员会']

Each held agency (one canonical identity, ingest.agency, with every name it was printed under) is
scored against what the question names:
- places: every place the question names must be one of the agency's places or contain it
  (江苏 contains 南京市); a place of no held agency makes the question about an agency not held;
- the organ: named (教育局, 发改委, 交建局, 政府) it must be the agency's organ — by canonical name, by
  abbreviation (the characters in order: 交建局 → 交通与建设局), by the name's tail (审批局 → 行政审批局)
  or by a one-character slip (监官局 → 监管局); not named, the place's own government (人民政府,
  管委会) is meant, and its departments only when no government is held;
- 那个局 / 哪个局 names some department: every department of the place fits, so the person is asked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterable, Optional

from ingest.agency import (ORGAN_FORMS, ZONE_WORDS, AgencyIdentity, Place, canonical_organ, contains, identify,
                           nicknames, question_places, short_name)

GOVERNMENT_ORGANS = {"人民政府", "管委会"}
_ORGAN_END = re.compile(r"(?:人民政府|政府|管委会|管理委员会|委员会|局|委|办公室|办|厅|院|署|中心|所|队)$")
_STOP = set("的年在收有被去今前共一是对和与及跟同里从向这那哪个各该每其我你他她它们么吗呢了啊吧？?，,。.、 因由将把据按于")
_JOINS = set("和与及跟同")  # inside an organ's name (发展和改革委员会) or between two organs
# 「西湖区几个局」「西湖区这几个部门」「某县三个局」: some departments of the place, counted, not named
_QUANTIFIED = r"(?:这|那)?(?:几|[两三四五六七八九十]|多)(?:个|家)|这些|那些|各个?"
_VAGUE = re.compile(r"^(?:.{0,4}?(?:那个|这个|哪个|哪些|某个|某|那|这|哪|各|有个|有的|一个)|" + _QUANTIFIED + r")?(?:局|部门|单位|委|办)$")
_PLURAL = re.compile(r"^(?:" + _QUANTIFIED + r")(?:局|部门|单位|委|办)$")
# the departments of a place as a group: 各部门, 哪个局, 所有部门 (a question over all of them)
_DEPARTMENTS = re.compile(r"各(?:个)?(?:部门|局|委办局|单位)|(?:哪个|哪些|哪一个|哪家)(?:局|部门|委|单位)|所有(?:的)?(?:部门|局)|全部(?:部门|局)")
# what joins organs of one place in a list: 、 和 与 及 , and the comparing 跟 / 同 / 对比
_LIST_SEP = re.compile(r"[、和与及,，]|还有|以及|跟|同|对比|相比|比")
_YEAR_AFTER = re.compile(r"\s*(?:(?:19|20)?\d{2}|[〇零一二三四五六七八九]{2,4})\s*(?:年度|年)?")
# shortened zone words people type: 平潭实验区, 平潭试验区
_ZONE_SHORT = ("实验区", "试验区")


@dataclass
class Mention:
    start: int
    end: int
    places: list[Place] = field(default_factory=list)  # the places this text may be
    typo: str = ""  # the held name's text, when the question has a one-character slip


@dataclass
class Resolution:
    agencies: list[str] = field(default_factory=list)  # the best-fitting held agencies (several: ask back)
    text: str = ""  # the words that named them, joined by |
    unknown: str = ""  # an agency the question names that no held report belongs to
    near: list[str] = field(default_factory=list)  # held agencies of the same place, for the unknown one
    unknown_organ: bool = False  # the unknown agency was named with its organ (南京市政府, 江宁区教育局)
    vague: bool = False  # named as 那个局 / 哪个部门: several fit, the person is asked which
    notes: list[str] = field(default_factory=list)  # how the names were read (a typo, a place as its government)
    typo: bool = False  # a name was read through a one-character slip
    spans: list[tuple[tuple[str, ...], tuple[int, int]]] = field(default_factory=list)  # each naming: agencies, where


class AgencyResolver:
    def __init__(self, agencies: dict[str, list[str]]):
        """agencies: display name → every name it was printed under."""
        self.ids: dict[str, AgencyIdentity] = {}
        self.names = agencies
        for display, names in agencies.items():
            ident = identify(display)
            if ident.key.startswith("name:"):
                ident = next((i for i in map(identify, names) if not i.key.startswith("name:")), ident)
            self.ids[display] = ident
        # indexes, so a question costs the same with ten agencies or ten thousand: by the agency's own
        # (most specific) place, by every place it is inside, by organ
        self._by_target: dict[str, list[str]] = {}
        self._by_place: dict[str, list[str]] = {}
        self._by_organ: dict[str, list[str]] = {}
        for display, ident in self.ids.items():
            if ident.places:  # (a name with no known place is found by its printed name, not here)
                self._by_target.setdefault(ident.places[-1].code, []).append(display)
                for code in _ancestors(ident.places[-1].code):
                    self._by_place.setdefault(code, []).append(display)
                self._by_organ.setdefault(ident.organ, []).append(display)
        # the place texts of held agencies, for typos (平谭 → 平潭, 述阳 → 沭阳)
        self._held_place_texts: dict[str, Place] = {}
        self._slips: Optional[dict[str, list[tuple[str, Place]]]] = None  # each text with one character blanked
        for ident in self.ids.values():
            for p in ident.places:
                for text in _place_texts(p):
                    self._held_place_texts[text] = p
                    zone = next((w for w in ZONE_WORDS if text.endswith(w) and len(text) - len(w) >= 2), "")
                    if zone:  # 浦东 for 浦东新区
                        self._held_place_texts[text[:-len(zone)]] = p

    # ---- what the question names --------------------------------------------------------------
    def _mentions(self, q: str) -> list[Mention]:
        index = question_places()
        out: list[Mention] = []
        i = 0
        while i < len(q):
            hit = None
            for n in range(min(12, len(q) - i), 1, -1):
                piece = q[i:i + n]
                held = self._held_place_texts.get(piece)
                places = [p for p in index.get(piece, ()) if p.name == piece or (
                    _boundary(q, i) and (held is not None or (not _common_word(piece) and not _counted(q, i))
                                         or _named_as_place(q, i + n)))]
                if held is not None and held not in places:
                    places.append(held)  # 浦东 for 浦东新区: a held place by its stem
                if places:
                    hit = Mention(i, i + n, places)
                    break
            if hit is None:
                hit = self._typo(q, i)
            if hit is not None:
                hit = _with_nickname(q, hit)
                out.append(hit)
                i = hit.end
            else:
                i += 1
        return out

    def _typo(self, q: str, i: int) -> Optional[Mention]:
        """A held place typed with one character wrong (平谭 for 平潭, 述阳县 for 沭阳县). A two-character
        place counts only where a zone, 县/区/市 or an organ follows it."""
        if self._slips is None:
            self._slips, self._halves = {}, set()
            for text, place in self._held_place_texts.items():
                for j in range(len(text)):
                    self._slips.setdefault(text[:j] + "\0" + text[j + 1:], []).append((text, place))
                # one character wrong leaves one half of the name intact: a cheap test before the lookups
                self._halves.update({(len(text), 0, text[:len(text) // 2]), (len(text), 1, text[len(text) // 2:])})
        halves = self._halves
        for n in range(min(12, len(q) - i), 1, -1):
            piece = q[i:i + n]
            if (n, 0, piece[:n // 2]) not in halves and (n, 1, piece[n // 2:]) not in halves:
                continue
            for j in range(n):
                for text, place in self._slips.get(piece[:j] + "\0" + piece[j + 1:], ()):
                    if piece == text:
                        continue
                    follows = any(q.startswith(w, i + n) for w in (*ZONE_WORDS, *_ZONE_SHORT, "县", "区", "市")) or bool(_organ_run(q, i + n))
                    if n == 2 and _common_word(piece):
                        continue  # 平时 is an everyday word, no 平X typed wrong
                    if n >= 3 or follows or (piece[0] == text[0] and q[i + n:i + n + 1].isdigit()):
                        return Mention(i, i + n, [place], typo=text)
        return None

    # ---- scoring -----------------------------------------------------------------------------
    def resolve(self, question: str, years_held: Optional[dict[str, list[int]]] = None,
                years: Iterable[int] = ()) -> Resolution:
        q = question
        years = list(years)
        items = self._items(q)
        out = Resolution()
        departments = bool(_DEPARTMENTS.search(q))
        for chain, organ_text, zone, (a, b) in items:
            one = self._resolve_item(q, chain, organ_text, zone, (a, b), years_held, years, departments)
            out.notes += one.notes
            out.typo = out.typo or any(m.typo for m in chain)
            if one.unknown:
                out.unknown, out.near = one.unknown, one.near
                out.unknown_organ = bool(organ_text) and not _VAGUE.match(organ_text) and not _a_brand(q, organ_text, a, b)
                out.agencies, out.text = [], ""
                return out
            out.agencies += [d for d in one.agencies if d not in out.agencies]
            out.spans.append((tuple(one.agencies), (a, b)))
            out.vague = out.vague or bool(organ_text and _VAGUE.match(organ_text) and len(one.agencies) > 1)
            out.text = "|".join(t for t in (out.text, one.text) if t)
        return out

    def _items(self, q: str):
        """The agencies a question names, in order: (places, organ words, zone?, span) each."""
        mentions = self._mentions(q)
        chains: list[list[Mention]] = []
        for m in mentions:
            if chains and chains[-1][-1].end == m.start and any(
                    contains(outer, inner) and outer.code != inner.code for outer in chains[-1][-1].places for inner in m.places):
                chains[-1].append(m)  # 天津市 + 滨海新区 (not 滨海新区 + 公安(县): 公安局 is the organ)
            else:
                chains.append([m])
        items = []
        consumed = 0
        for chain in chains:
            if chain[0].start < consumed:
                continue  # a place name inside an organ's name (资源 in 自然资源局)
            pos = chain[-1].end
            z = next((w for w in (*ZONE_WORDS, *_ZONE_SHORT) if q.startswith(w, pos)), "")
            zone = bool(z)
            pos += len(z)
            if q.startswith("的", pos):
                pos += 1
            # 「西湖区那个教育局」: a demonstrative between the place and its organ
            pointed = re.match(r"(?:那个|这个|那|这)(?=[\u4e00-\u9fff]{1,10}?(?:局|委员会|委|办公室|办))", q[pos:])
            if pointed and _organ_run(q, pos + pointed.end()) and not _VAGUE.match(_organ_run(q, pos + pointed.end())):
                pos += pointed.end()
            run = self._held_prefix(_organ_run(q, pos)) or self._slipped_organ(q, pos)
            start = chain[0].start
            bracket = _BRACKETED.match(q[max(0, start - 4):start][::-1]) if not run and start else None
            close = _BRACKET_END.match(q, pos) if bracket else None
            if close:
                # 「综合执法局（西湖区）」「教育局和科技局（都是西湖区的）」: organs first, their place after them
                # in brackets — each organ of that place, the place itself no agency of its own
                opened = start - bracket.end()
                organs = _organs_ending_at(q, opened, self._by_organ)
                if organs:
                    for text, span in organs:
                        items.append((chain, text, zone, (span[0], close.end())))
                    consumed = close.end()
                    continue
            items.append((chain, run, zone, (start, pos + len(run) if run else chain[-1].end + len(z))))
            # 平潭的行政审批局、市场监管局、经发局: more organs of the same place
            pos += len(run)
            paren = re.match(r"[（(][^）)]{0,12}[）)]", q[pos:])  # 「行政审批局（2021年）、市场监督管理局…」
            if paren:
                pos += paren.end()
            year = _YEAR_AFTER.match(q, pos)  # 「社事局2023、农业农村局2024」: each organ with its year
            if year and run:
                pos = year.end()
            while run and (sep := _LIST_SEP.match(q, pos)) and not any(m.start == sep.end() for m in mentions):
                nxt = _organ_run(q, sep.end())
                if not nxt or _VAGUE.match(nxt):
                    break
                items.append((chain, nxt, zone, (sep.end(), sep.end() + len(nxt))))
                pos = sep.end() + len(nxt)
                paren = re.match(r"[（(][^）)]{0,12}[）)]", q[pos:])
                if paren:
                    pos += paren.end()
                year = _YEAR_AFTER.match(q, pos)
                if year:
                    pos = year.end()
            consumed = pos
        # organs named without a place, beside the places named (「审批局21年、西湖区23年」)
        for text, span in _standalone_organs(q, self._by_organ, [it[3] for it in items]):
            items.append(([], text, False, span))
        return self._qualified(q, sorted(items, key=lambda it: it[3][0]))

    def _held_prefix(self, run: str) -> str:
        """「林业局行政许可办了多少件」: the organ's words run on into the question (…许可办 ends as an office
        does); where the run names no held organ but its beginning does (林业局), the beginning is the organ."""
        if not run or any(organ_matches(run, o) for o in self._by_organ):
            return run
        for k in range(len(run) - 1, 1, -1):
            if _ORGAN_END.search(run[:k]) and any(organ_matches(run[:k], o) for o in self._by_organ):
                return run[:k]
        return run

    def _slipped_organ(self, q: str, pos: int) -> str:
        """An organ typed one character wrong right after its place (经济法展局, 管里局, 人民政俯): the text
        it was typed as, when a held organ (or the government) is one slip from it."""
        typed = q[pos:pos + 4]
        if len(typed) == 4 and sum(a != b for a, b in zip(typed, "人民政府")) == 1 and not _is_word(typed):
            return typed  # 人民政俯
        found = _standalone_organs(q[pos:pos + 16], self._by_organ)
        return found[0][0] and q[pos:pos + found[0][1][1]] if found and found[0][1][0] == 0 else ""

    def _qualified(self, q: str, items: list) -> list:
        """「比一比西湖区几个局的行政处罚：市场监管局2021、审批局2022…」「某县的行政处罚：教育局、科技局」: a
        place named with 几个局 (这些部门), or alone with a colon before a list of organs named without a place,
        names those organs of that place; the place is no agency of its own. Not when the place is itself
        one of a list (「西湖区23年、审批局21年」: a year or a separator after it), nor for organs the place
        does not hold."""
        out, i = [], 0
        while i < len(items):
            chain, organ_text, zone, (a, b) = items[i]
            j = i + 1
            while j < len(items) and not items[j][0]:
                j += 1
            organs = items[i + 1:j]
            # 几个局 says so; a place alone, only when a colon introduces a list of its organs
            # (「西湖区2024年收到多少？跟科技局比呢」 compares the place's government with one of its bureaus)
            introduced = bool(organs) and bool(re.search(r"[:：]", q[b:organs[0][3][0]])) and len(organs) >= 2
            alone = chain and ((organ_text and _PLURAL.match(organ_text)) or (not organ_text and introduced))
            listed = re.match(r"(?:\s*(?:(?:19|20)?\d{2}|[〇零一二三四五六七八九]{2,4})\s*(?:年度|年)?)?\s*(?:[、和与及,，]|跟|同)", q[b:])
            if alone and organs and not listed:
                held = {d for p in chain[-1].places for d in self._by_place.get(p.code, ())}
                if all(any(organ_matches(text, self.ids[d].organ) for d in held) for _, text, _, _ in organs):
                    out += [(chain, text, zone, span) for _, text, _, span in organs]
                    i = j
                    continue
            out.append(items[i])
            i += 1
        return out

    def _resolve_item(self, q, mentions, organ_text, zone, span, years_held, years, departments=False) -> Resolution:
        out = Resolution()
        text = q[span[0]:span[1]]
        out.notes = [f"「{q[m.start:m.end]}」读作「{m.typo}」" for m in mentions if m.typo]
        if mentions:
            pool = {d for p in mentions[-1].places for d in self._by_target.get(p.code, ())}
        else:
            pool = {d for organ, ds in self._by_organ.items() if organ and organ_matches(organ_text, organ) for d in ds}
        if departments and mentions and not organ_text:
            # 「某区…各部门」「某区…哪个局」: every department of the place (of the years asked), not its government
            found = sorted(d for d in pool if self.ids[d].organ not in GOVERNMENT_ORGANS
                           and self._places_fit(self.ids[d], mentions) and (not zone or self.ids[d].zone)
                           and (not years or not years_held or set(years) & set(years_held.get(d, []))))
            if found:
                out.agencies, out.text = found, text
                return out
        scored = [(s, d) for d in sorted(pool)
                  if (s := self._score(self.ids[d], mentions, organ_text, zone)) is not None]
        if not scored:
            out.unknown = text
            out.near = self._near(mentions) if mentions else []
            return out
        best = max(s for s, _ in scored)
        top = sorted(d for s, d in scored if s == best)
        if years and years_held:
            has_year = lambda d: bool(set(years) & set(years_held.get(d, [])))
            if len(top) > 1 and any(map(has_year, top)):
                top = [d for d in top if has_year(d)]  # 那个局 in 2021: the departments with a 2021 report
            elif organ_text == "" and not zone and not any(map(has_year, top)):
                # 「平潭2019年」: the place's government has no 2019 report, some of its departments do — ask which
                others = sorted(d for _, d in scored if has_year(d))
                if others:
                    out.unknown, out.near = text, others
                    return out
        if organ_text == "" and mentions and not any(self.ids[d].organ in GOVERNMENT_ORGANS for d in top):
            # the place named alone means its own government, which is not held: ask which department
            out.unknown, out.near = text, top
            return out
        out.agencies, out.text = top, text
        if organ_text and len(top) == 1 and organ_text != self.ids[top[0]].organ and any(
                len(organ_text) == len(form) and sum(a != b for a, b in zip(organ_text, form)) == 1
                for form in (self.ids[top[0]].organ, "人民政府")):
            out.notes.append(f"「{organ_text}」读作「{self.ids[top[0]].printed_organ or self.ids[top[0]].organ}」")
        if organ_text == "" and mentions and years and years_held:
            # a place named alone is read as its government; its departments' reports of the year are named
            others = sorted(d for _, d in scored if d not in top and set(years) & set(years_held.get(d, [])))
            if others:
                shown = "、".join(others[:5]) + (f"等{len(others)}个部门" if len(others) > 5 else "")
                out.notes.append(f"按{'、'.join(top)}本级的报告回答；同年还有{shown}的报告，问的若是部门，请指明")
        return out

    def _score(self, ident: AgencyIdentity, mentions: list[Mention], organ_text: str, zone: bool) -> Optional[int]:
        score = 0
        if mentions:
            if not self._places_fit(ident, mentions):
                return None
            score += 1
        if zone and not ident.zone:
            return None
        if organ_text:
            if _VAGUE.match(organ_text):
                if ident.organ in GOVERNMENT_ORGANS:
                    return None
                return score + 1
            if not organ_matches(organ_text, ident.organ):
                return None
            score += 2
        else:
            # the place named alone means its own government; a department only when nothing better fits
            score += 1 if ident.organ in GOVERNMENT_ORGANS else 0
        return score

    def _places_fit(self, ident: AgencyIdentity, mentions: list[Mention]) -> bool:
        if not ident.places:
            return False
        target = ident.places[-1]
        for m in mentions:
            if not any(contains(p, target) for p in m.places):
                return False
        # the most specific place named is the agency's own: 淮安市政府 is not 洪泽区人民政府
        return any(p.code == target.code for p in mentions[-1].places)

    def _near(self, mentions: list[Mention]) -> list[str]:
        """Held agencies inside the places named (for an agency not held: 天津 → 天津市滨海新区公安局)."""
        pool = {d for p in mentions[-1].places for d in self._by_place.get(p.code, ())}
        return sorted(d for d in pool if all(
            any(contains(p, self.ids[d].places[-1]) for p in m.places) for m in mentions))


def _with_nickname(q: str, hit: Mention) -> Mention:
    """「宁波甬城」「杭州杭城」: a place's nickname right after its name is part of naming it."""
    nicks = nicknames()
    for n in range(4, 1, -1):
        named = nicks.get(q[hit.end:hit.end + n], ())
        if any(p.code == h.code for p in named for h in hit.places):
            return replace(hit, end=hit.end + n)
    return hit


def _ancestors(code: str) -> list[str]:
    """The code of a place and of the city and province it is in: 320813 → 320813, 320800, 320000."""
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))


def _boundary(q: str, i: int) -> bool:
    """A place's short form (公安 for 公安县) counts only where a word can begin: 「因为公安局」 names no place."""
    return i == 0 or not ("\u4e00" <= q[i - 1] <= "\u9fff") or q[i - 1] in _STOP or q[i - 1] in "在到给向从对问"


COMMON_WORD = 1000  # jieba's count above which a place's short form is also an everyday word (比如, 和平, 东方)


def _common_word(piece: str) -> bool:
    from vectorstore.chunks import _jieba

    return _jieba().dt.FREQ.get(piece, 0) > COMMON_WORD


def _counted(q: str, i: int) -> bool:
    """「开了个小店」「那家小店」: a word counted with 个/家 is a thing, not a place (小店区), unless it goes
    on as an agency does."""
    return i > 0 and q[i - 1] in "个家间座只位"


def _named_as_place(q: str, pos: int) -> bool:
    """Does the text after a place-like word go on as an agency does (an organ, a zone, a year)?
    「比如申请人…」 names no 比如县; 「东方市政府」「和平区2023年」 do."""
    rest = q[pos:pos + 8]
    return bool(rest[:1].isdigit() or re.match(r"(?:的)?(?:[一二〇零]{2,4}年|人民政府|政府|管委会)", rest)
                or any(rest.startswith(w) for w in (*ZONE_WORDS, *_ZONE_SHORT)) or _organ_run(q, pos))


def _place_texts(p: Place) -> set[str]:
    return {p.name, short_name(p)}


# what an agency's account or site is called after its name: 「某市科技」公众号, 某市发布微博
_ACCOUNT_AFTER = re.compile(r"\s*[”\"」』’]?\s*(?:微信|公众号|订阅号|服务号|视频号|微博|抖音|头条号|客户端|小程序|APP|App|app|网站|官网|账号)")


def _a_brand(q: str, organ_text: str, a: int, b: int) -> bool:
    """「“某市科技”公众号」「某市科技微博」: a place and an organ's stem that name an account, not an agency
    (an organ's full name — 某市教育局公众号 — is still the agency's)."""
    return not _ORGAN_END.search(organ_text) and (bool(_ACCOUNT_AFTER.match(q, b)) or q[a - 1:a] in "“\"「『‘" and a > 0)


def _organ_run(q: str, pos: int) -> str:
    """The organ's words right after a place: CJK characters up to a word that is not part of a name."""
    j = pos
    while j < len(q) and "\u4e00" <= q[j] <= "\u9fff" and j - pos < 12 and (
            q[j] not in _STOP or (q[j] in _JOINS and j > pos and not _ORGAN_END.search(q[pos:j]))):
        # 发展和改革委员会, 自然资源与生态环境局 — but 交建局和市场监管局 are two
        j += 1
    if pos < j < len(q) - 1 and q[j] in _STOP and q[j + 1] in "局委办厅" and q[j] not in "的和与及跟同、，,个各这那哪每该其":
        j += 2  # a slip on a word that ends names elsewhere (公按局: 按 as in 按年份)
    run = q[pos:j]
    # keep the longest piece that ends like an organ (交建局 in 交建局收到…), or an abbreviation without one
    # (公安) — but not the 政府 of 政府信息公开
    for k in range(len(run), 1, -1):
        if (_ORGAN_END.search(run[:k]) or run[:k] in _ORGAN_STEMS) and not q.startswith("信息", pos + k):
            return run[:k]
    # 「平潭那个局」「平潭下面有个局」: some department of the place, not named
    vague = re.match(r"(?:" + _QUANTIFIED + r"|.{0,4}?(?:那个|这个|哪个|某个|有个|一个)?)(?:局|部门|单位)(?![\u4e00-\u9fff]{0,2}(?:长|面))", q[pos:pos + 10])
    return vague.group(0) if vague and _VAGUE.match(vague.group(0)) else ""


# organ abbreviations without their 局/委 (西湖公安, 西湖市场监管): the canonical organs' stems
_ORGAN_STEMS = {re.sub(r"(局|委员会|委|厅|办公室|办)$", "", o)
                for canon, forms in ORGAN_FORMS.items() for o in (canon, *forms)} - {""}


_STANDALONE = re.compile(r"[\u4e00-\u9fa5]{2,12}?(?:局|委员会|委|办公室|办|厅|院|中心)")
# a level word before an organ named without its place: 「市科委」 is the city's 科委
_LEVELS = set("省市区县")


# a place in brackets after the organs it is the place of: 「（西湖区）」「（都是西湖区的）」「（均为西湖区）」
_BRACKETED = re.compile(r"(?:是都|为均|是均|属隶|于属)?[（(]")  # read backwards from the place
_BRACKET_END = re.compile(r"(?:的|之|下属的|的部门)?[）)]")


def _organs_ending_at(q: str, end: int, held_organs: Iterable[str]) -> list[tuple[str, tuple[int, int]]]:
    """The organs named without a place that end at `end`, with those listed before them (和/与/、)."""
    found = _standalone_organs(q[:end], held_organs)
    out = []
    for text, span in reversed(found):
        if span[1] != end:
            break
        out.insert(0, (text, span))
        end = span[0] - 1
        if end < 0 or q[end] not in "和与及、，,跟同":
            break
    return out


def _standalone_organs(q: str, held_organs: Iterable[str], taken: list[tuple[int, int]] = ()):
    """Organs named without a place (社会事业局23年…, 市科委, 管委会办) that some held agency is, outside
    the spans already read as agencies: (text, span) each, in order."""
    organs = {o for o in held_organs if o and o not in GOVERNMENT_ORGANS}
    listed = {f for o in organs for f in (o, *ORGAN_FORMS.get(o, ()))}
    masked = list(q)
    for a, b in taken:
        masked[a:b] = "\0" * (b - a)
    out = []
    flat = "".join(masked)
    taken_to = 0
    for m in _STANDALONE.finditer(flat):
        if m.start() < taken_to:
            continue  # inside a name read already
        # the shortest run ending like an organ, then (「区管委会办」 ends like one at 委 first) the next ending
        longer = re.match(r"[\u4e00-\u9fa5]{0,4}?(?:局|委员会|委|办公室|办|厅|院|中心)", flat[m.end():])
        for text in (m.group(0), *((m.group(0) + longer.group(0),) if longer else ())):
            found = _organ_in(text, organs, listed)
            if found is not None:
                k, piece = found
                start = m.start() + k
                if k and text[k - 1] in _LEVELS:
                    start -= 1  # the level word is part of how the agency was named
                out.append((piece, (start, m.start() + len(text))))
                taken_to = m.start() + len(text)
                break
    return out


def _organ_in(text: str, organs: set[str], listed: set[str]) -> Optional[tuple[int, str]]:
    """The longest tail of `text` that names a held organ, with where it begins."""
    for k in range(len(text)):
        piece = text[k:]
        if (len(piece) >= 3 or piece in listed) and any(organ_matches(piece, o) for o in organs):
            return k, piece
    return None


def organ_matches(text: str, organ: str) -> bool:
    """Does the organ as a person typed it name this organ?"""
    if not text or not organ:
        return False
    canon = canonical_organ(text)
    if canon == organ or text == organ:
        return True
    if organ in GOVERNMENT_ORGANS and len(text) == 4 and sum(a != b for a, b in zip(text, "人民政府")) == 1 \
            and not _is_word(text):
        return True  # 人民政俯: the government typed with a slip
    if canon in GOVERNMENT_ORGANS or organ in GOVERNMENT_ORGANS:
        return canon in GOVERNMENT_ORGANS and organ in GOVERNMENT_ORGANS  # 政府 of a zone is its 管委会
    forms = (organ, *ORGAN_FORMS.get(organ, ()))
    for form in forms:
        if _abbreviates(text, form) or (len(text) >= 3 and form.endswith(text)) or _one_slip(text, form):
            return True
        # an office called by its body and 办 (人民政府办公室 → 政府办, 府办 after a place: 市府办)
        if form.endswith("办公室") and len(form) > 4 and text in (form[-5:-3] + "办", form[-4] + "办"):
            return True
        # names are shortened at their end too: 委员会 → 委 (科学技术委员会 → 科委), 办公室 → 办 (管委会办)
        short = _SHORT_END.sub(lambda m: _SHORT_ENDS[m.group(0)], form)
        if short != form and (text == short or _abbreviates(text, short)):
            return True
    # an abbreviation without its 局/委 (西湖公安, 西湖市场监管): the stem of the organ or of a form of it
    stems = {re.sub(r"(局|委员会|委|厅|办公室|办)$", "", f) for f in forms}
    if len(text) >= 2 and text in stems:
        return True
    # the first characters of its words in another order: 文旅局 for 旅游与文化体育局
    return len(text) >= 3 and text[-1] == organ[-1] and len(set(text[:-1])) == len(text) - 1 \
        and set(text[:-1]) <= _initials(organ)


_JOINING_WORDS = {"与", "和", "及", "暨"}


@lru_cache(maxsize=4096)
def _initials(organ: str) -> frozenset:
    """The first character of each word of an organ's name before its 局/委/办 (旅游与文化体育局 → 旅文体)."""
    from vectorstore.chunks import _jieba

    words = [w for w in _jieba().lcut(organ[:-1]) if w.strip() and w not in _JOINING_WORDS]
    return frozenset(w[0] for w in words if len(w) >= 2)


_SHORT_ENDS = {"委员会": "委", "办公室": "办"}
_SHORT_END = re.compile("(?:" + "|".join(_SHORT_ENDS) + ")$")


def _abbreviates(short: str, full: str) -> bool:
    """交建局 → 交通与建设局: same first and last character, the rest in order."""
    if len(short) < 2 or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    # 交建局 → 交通与建设局 (same first character), 执法局 → 综合执法与应急管理局 (its first two together)
    if short[0] != full[0] and not (len(short) >= 3 and short[:2] in full):
        return False
    pos = 0
    for ch in short:
        k = full.find(ch, pos)
        if k < 0:
            return False
        pos = k + 1
    return True


def _one_slip(a: str, b: str) -> bool:
    """One character typed wrong (监官局 for 监管局, 公按局 for 公安局): the same length and last character.
    A three-character name only when its middle is the slip and the typed text is no word of its own
    (公路局 is an organ of its own, not a slip of 公安局)."""
    if len(a) != len(b) or a[-1] != b[-1] or sum(x != y for x, y in zip(a, b)) != 1:
        return False
    if len(a) >= 4:
        return True
    return len(a) == 3 and a[0] == b[0] and not _is_word(a)


def _is_word(text: str) -> bool:
    from vectorstore.chunks import _jieba

    return bool(_jieba().dt.FREQ.get(text))
