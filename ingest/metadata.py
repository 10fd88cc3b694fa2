"""What a report is: agency, year, dates, and where its six parts are."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from .agency import GOVERNMENT_BODY, government_of, identify, same_agency
from .models import Finding, Row, Section
from .parts import find_parts
from .stream import SPACE, strip_space

_AGENCY_END = r"(?:领导小组|人民政府办公室|人民政府办公厅|人民政府|政府办公室|管委会|管理委员会|委员会|委|局|厅|办公室|办事处|办|院|署|会|中心|政府|综合实验区|新区|开发区|区|县|市|所|站|队|处)"
_TITLE_RE = re.compile(
    r"^[#\s标题:：]*(?P<pre>[^\d\n]{0,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<post>[^\d\n]{0,30}?)\s*(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?报告"
)
_SHORT_TITLE_RE = re.compile(r"^[#\s]*(?P<agency>[\u4e00-\u9fa5（）()]{3,30}?)(?:政府信息公开|政务公开)工作")
# a title broken over two lines: "2024 年上海市科委政府信息公开工作" / "年度报告"
_SPLIT_TITLE_RE = re.compile(r"^[#\s]*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<agency>[\u4e00-\u9fa5（）()]{3,30}?)(?:政府信息公开|政务公开)(?:工作)?$")
_YEAR_LINE_RE = re.compile(r"^\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:政府信息公开|政务公开)?(?:工作)?(?:年度)?报告")
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_PERIOD_RE = re.compile(
    r"统计(?:期限|时限|周期|区间|时间)?\s*(?:为|从|自|是)?\s*"
    r"(?P<p>(?P<y>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*(?:(?:19|20)\d{2}\s*年\s*)?12\s*月\s*31\s*日)"
)
_PREFIX_RE = re.compile(r"^(?:[\u4e00-\u9fa5]{2,4}(?:省|自治区))?(?:[\u4e00-\u9fa5]{2,4}市)?")


def _clean_agency(name: str) -> str:
    name = strip_space(name).strip("#:：标题（）()")
    return name


def _plausible_agency(name: str) -> bool:
    """An agency's name ends like one (…局, …人民政府, …管委会) and is not a piece of the title."""
    return bool(re.search(_AGENCY_END + "$", name)) and not re.search(r"信息公开|政务公开|报告|年度", name)


def find_agency(rows: list[Row], text: str) -> tuple[str, list[str]]:
    """The agency as printed (title or signature), and the other names the report itself uses for it."""
    head = [r.text.strip(SPACE) for r in rows[:12]]
    title_name = ""
    for i, line in enumerate(head):
        m = _TITLE_RE.match(line)
        if m:
            title_name = _clean_agency(m.group("pre") or m.group("post"))
            if not title_name and i > 0:
                title_name = _clean_agency(head[i - 1])
        if not title_name:
            m = _SHORT_TITLE_RE.match(line)
            if m:
                title_name = _clean_agency(m.group("agency"))
        if not title_name:
            m = _SPLIT_TITLE_RE.match(line)
            if m:
                title_name = _clean_agency(m.group("agency"))
        if not title_name and _YEAR_LINE_RE.match(line) and i > 0:
            title_name = _clean_agency(head[i - 1])
        if title_name and not _plausible_agency(title_name):
            title_name = ""
        if title_name:
            break
    signature = find_signature(rows, text)
    publisher = ""
    m = _PUBLISHER_RE.search(text[:5000])
    if m and re.search(_AGENCY_END + "$", m.group("name")):
        publisher = _clean_agency(m.group("name"))
    # who published the page (发布机构) names the agency only when the report itself does not
    names = [n for n in (title_name, signature) if n] or ([publisher] if publisher else [])
    if not names:
        return "", []
    # the fullest of the names that are one agency ("某区公安局" in the title, "某市某区公安局" signed);
    # a place is no part of its organs (a title 某市 signed 某市政务公开办公室 stays 某市)
    printed = names[0]
    for n in names[1:]:
        if len(n) > len(printed) and (same_agency(printed, n) or (printed in n and identify(printed).key.startswith("name:"))):
            printed = n
    aliases = set(names)
    # the report may name itself with its city ("淮安市洪泽区人民政府")
    for m in re.finditer(r"[\u4e00-\u9fa5]{2}市" + re.escape(printed), text):
        aliases.add(m.group(0))
    return printed, sorted(aliases - {printed})


_PUBLISHER_RE = re.compile(r"(?:发布机构|发文机关|发布单位)\s*[:：]\s*(?P<name>[\u4e00-\u9fa5（）()]{3,40})")
_SIGNATURE_RE = re.compile(
    r"(?:^|(?<=[。！？；\s\u3000]))(?P<name>[\u4e00-\u9fa5（）()]{3,40}?)[\s\u3000]*"
    r"(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)(?![^\n。]{0,3}印发)")


def find_signature(rows: list[Row], text: str) -> str:
    """The signing agency (落款): a name followed by a date, after the last part of the report.

    Text after the signature (a pasted paragraph, 抄送/印发 lines, 附件下载) does not move it: the
    first signature after the start of the last part is the one."""
    tail_start = max((h.start for h in find_parts(text) if h.number in ("五", "六")), default=0)
    tail = text[tail_start:]
    for m in _SIGNATURE_RE.finditer(tail):
        name = _clean_agency(m.group("name"))
        if re.search(_AGENCY_END + "$", name) and (not identify(name).key.startswith("name:") or len(name) >= 5):
            return name
    return ""


_SUBJECT_RE = re.compile(
    r"(?:19|20)\d{2}\s*年度?\s*[，,]\s*(?P<name>[\u4e00-\u9fa5（）()]{2,30}?" + _AGENCY_END + r")"
    r"(?:坚持|认真|深入|紧紧|紧密|全面|始终|持续|积极|高度|严格|围绕|扎实|进一步|以)")


def agency_from_first_sentence(rows: list[Row], text: str) -> str:
    """The agency a report names as the subject of part 一's first sentence (「2024年，XX坚持…」), when
    it prints no title or signature (an article body without its page)."""
    for h in find_parts(text):
        if h.number == "一":
            m = _SUBJECT_RE.search(text, h.start, h.start + 300)
            if m and not identify(m.group("name")).key.startswith("name:"):
                return _clean_agency(m.group("name"))
            break
    return ""


def as_government(agency: str, aliases: list[str]) -> tuple[str, list[str], list[Finding]]:
    """A report that names a place only (titled 某市…年度报告, signed 某市政务公开工作领导小组) is the
    place's government's: the agency becomes 某市人民政府, the printed names stay as aliases, and a
    finding says so. Any other agency (a department, a zone, the government itself) is kept."""
    gov = government_of(agency)
    if not gov:
        return agency, aliases, []
    key = identify(gov).key
    kept = [n for n in (agency, *aliases) if n != gov and (identify(n).key == key or government_of(n) == gov)]
    printed = [n for n in (agency, *aliases) if government_of(n) == gov]
    body = " and its body for disclosure" if any(identify(n).printed_organ for n in printed) else ""
    return gov, sorted(set(kept)), [Finding(kind="layout", quote=agency, message=(
        f"the report names the place only{body} ({'、'.join(printed)}), no organ of it: a place's report is "
        f"its government's, so it is stored as {gov}, the printed {'names' if len(printed) > 1 else 'name'} "
        f"kept as {'aliases' if len(printed) > 1 else 'an alias'}"))]


def slip_findings(agency: str, path: str) -> tuple[list[Finding], list[str]]:
    """Findings on an agency printed with its place one character wrong, and the names to find it by.

    The gazetteer's place is read when it is the only one a character away (identify); the file name
    is a second witness, for a place several are a character away from. Never rewritten."""
    ident = identify(agency) if agency else None
    file_findings, file_names = ocr_findings(agency, path)
    if ident is None:
        return file_findings, file_names
    if ident.slip:
        a, b = _slipped(ident)
        read_as = agency.replace(a, b, 1)
        same = [n for n in file_names if identify(n).key == ident.key]
        if same:  # the file name says what the gazetteer says: one finding
            file_findings, file_names = [], [n for n in file_names if n not in same]
        return [Finding(kind="ocr", quote=agency, message=(
            f"the report prints the agency as {agency}: {a} is no place of the administrative-division table, and "
            f"{b} is the only place one character from it ({_pairs(a, b)}): most likely an OCR error in the source; "
            f"kept as printed, identified as {read_as}"))] + file_findings, [read_as, *same, *file_names]
    if ident.near:
        places = [p.name for _, p in ident.near]
        printed = ident.near[0][0]
        listed = "、".join(places[:8]) + (f"等{len(places)}个" if len(places) > 8 else "")
        codes = {p.code for _, p in ident.near}
        if any(i.places and i.places[-1].code in codes for i in map(identify, file_names)):
            for f in file_findings:
                f.message += f"; the name alone is one character from {len(places)} places ({listed}), the file name tells which"
            return file_findings, file_names
        return [Finding(kind="ocr", quote=agency, message=(
            f"the report prints the agency as {agency}: {printed} is no place of the administrative-division table, "
            f"and {len(places)} places are one character from it ({listed}): most likely an OCR error in the source, "
            f"but the name cannot tell which; kept as printed, the agency is not identified"))] + file_findings, file_names
    return file_findings, file_names


def _slipped(ident) -> tuple[str, str]:
    """(the place as printed, the gazetteer's place) of an identity read through a slip."""
    printed, n = ident.printed_place, len(ident.slip)
    piece = next((printed[i:i + n] for i in range(len(printed) - n + 1)
                  if sum(x != y for x, y in zip(printed[i:i + n], ident.slip)) == 1), printed)
    return piece, ident.slip


def _pairs(a: str, b: str) -> str:
    return "、".join(f"{x}→{y}" for x, y in zip(a, b) if x != y)


def short_forms(name: str) -> set[str]:
    """Names people use for an agency: without province/city, 政府 for 人民政府, the bare place.
    A government without its place (人民政府) or a body of it without its place is no name."""
    out = {name}
    bare = _PREFIX_RE.sub("", name)
    placeless = not identify(bare).places
    if len(bare) >= 3 and not (placeless and (identify(bare).organ == "人民政府" or GOVERNMENT_BODY.fullmatch(bare))):
        out.add(bare)
    for n in list(out):
        if "人民政府" in n:
            out.add(n.replace("人民政府", "政府"))
            place = n.replace("人民政府", "")
            if len(place) >= 2:
                out.add(place)
        if n.endswith("科学技术委员会"):
            out.add(n.replace("科学技术委员会", "科委"))
        if n.endswith("科委"):
            out.add(n[:-2] + "科学技术委员会")
        if n.endswith("综合实验区"):
            out.add(n + "管委会")
    return out


def find_year(rows: list[Row], text: str) -> Optional[int]:
    for row in rows[:12]:
        line = row.text.strip(SPACE)
        m = _TITLE_RE.match(line) or _YEAR_LINE_RE.match(line) or _SPLIT_TITLE_RE.match(line)
        if m:
            return int(m.group("year"))
    m = _PERIOD_RE.search(text)
    if m:
        return int(m.group("y"))
    m = re.search(r"((?:19|20)\d{2})\s*年度?(?:政府信息公开|政务公开)", text[:3000])
    return int(m.group(1)) if m else None


def find_period(text: str) -> Optional[str]:
    m = _PERIOD_RE.search(text)
    return strip_space(m.group("p")) if m else None


def find_published(rows: list[Row], text: str, year: Optional[int]) -> Optional[str]:
    """The publication date: a 发布时间 field, or the date under the signature."""
    m = re.search(r"发布(?:时间|日期)\s*[:：]\s*" + _DATE_RE.pattern, text[:2000])
    candidates = [m.groups()] if m else []
    if not candidates:
        for row in list(rows[-5:]) + list(rows[:6]):
            line = strip_space(row.text)
            d = _DATE_RE.fullmatch(line.strip("（）()"))
            if d:
                candidates.append(d.groups())
                break
    for y, mo, d in candidates:
        if year is None or int(y) >= year:
            return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    return None


def ocr_findings(printed: str, path: str) -> tuple[list[Finding], list[str]]:
    """A name that differs from the file's by a character or two is most likely an OCR slip: say so, don't fix it."""
    file_agency = agency_from_filename(path)
    if not printed or not file_agency or file_agency == printed or len(file_agency) != len(printed):
        return [], []
    diff = [(a, b) for a, b in zip(printed, file_agency) if a != b]
    if 0 < len(diff) <= 2:
        pairs = "、".join(f"{a}→{b}" for a, b in diff)
        return [Finding(kind="ocr", quote=printed,
                        message=f"the report prints the agency as {printed}, the file name says {file_agency} ({pairs}): most likely an OCR error in the source; kept as printed")], [file_agency]
    return [], []


def agency_from_filename(path: str) -> str:
    stem = Path(path).stem
    return re.split(r"[_\-\s]?(?:19|20)\d{2}", stem)[0] if re.search(r"(?:19|20)\d{2}", stem) else ""


def year_from_filename(path: str) -> Optional[int]:
    m = re.search(r"(?:19|20)\d{2}", Path(path).stem)
    return int(m.group()) if m else None


_FORMAT_TITLES = {
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
}
_NUMBER_RE = re.compile(r"^\s*(?:表[一二三四]\s*[：:]\s*)?([一二三四五六七1-7])\s*[、.．]\s*")


def heading_findings(sections: list[Section]) -> list[Finding]:
    """Table titles printed with a typo, and parts numbered otherwise than the format's 一…六."""
    out = []
    renumbered = []
    for s in sections:
        m = _NUMBER_RE.match(s.title)
        number = m.group(1) if m else ""
        title = s.title[m.end():] if m else s.title
        if number and number != s.number:
            renumbered.append(f"{s.title[:m.end()].strip()}{title[:8]}… is part {s.number}")
        canonical = _FORMAT_TITLES.get(s.number)
        if canonical and title.startswith(canonical[:2]) and not title.startswith(canonical):
            printed = title[: title.find("情况") + 2] if "情况" in title else title[: len(canonical) + 2]
            if re.sub(r"[、和及]", "", printed).startswith(re.sub(r"[、和及]", "", canonical)):
                continue  # 行政复议和行政诉讼 is the same title in other words
            out.append(Finding(kind="label_typo", quote=printed, loc=None,
                               message=f"part {s.number}'s title is printed as 「{printed}」; the format's is 「{canonical}」"))
    if renumbered:
        out.append(Finding(kind="layout", message="the report numbers its parts its own way: " + "; ".join(renumbered)))
    return out


# ---- the lines a report states a fact about itself on (answers quote them) ---------------------
METADATA_WORDS = {"published": "发布时间", "signed": "落款日期", "period": "统计期限", "publisher": "发布机构"}
_DATE = r"(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2}(?:\s+\d{1,2}:\d{2})?)"
META_RES = {
    "published": re.compile(r"(?:发布|公布|发文|印发)(?:时间|日期)\s*[:：]\s*" + _DATE),
    # the page's 发布机构 line, or the report's own 「本报告由某区人民政府办公室…编制」 (not 「本报告由总体情况、…组成」)
    "publisher": re.compile(r"(?:发布|发文)(?:机构|单位|机关)\s*[:：][ \t\u3000]*[^\s:：][^\n]{0,29}"
                            r"|本(?:年度)?报告由[^。；，、\n]{2,30}?(?:办公室|人民政府|政府|管委会|委员会|局|委|办|厅|中心)"
                            r"[^。；]{0,80}?(?:编制|编写|制作|发布|撰写)"),
    # (a PDF breaks lines inside the sentence: 「…统计期限自 2023 年 1 月 1 日\n起至 2023 年 12 月 31 日止」)
    "period": re.compile(r"[^。；\n]{0,30}(?:统计|数据)[^。；]{0,12}?(?:期限|时限|周期|区间|时间|范围)[^。；]{0,12}?"
                         r"(?:19|20)\d{2}\s*年\s*1\s*月\s*1\s*日[^。；]{0,30}?12\s*月\s*31\s*日[止]?"),
}
_SIGNATURE_DATE = re.compile(r"[（(]?" + _DATE + r"[）)]?")


def metadata_lines(text: str, kind: str) -> list[tuple[int, int]]:
    """Where the report states a fact about itself: (start, end) of each line that says it. The signing
    date is the last date of the report (its 落款) and, where the title block prints the same date, there."""
    if kind == "signed" or (kind == "published" and not META_RES["published"].search(text)):
        tail = text[-400:]
        dates = list(_SIGNATURE_DATE.finditer(tail))
        if not dates:
            return []
        last = dates[-1]
        a, b = len(text) - len(tail) + last.start(), len(text) - len(tail) + last.end()
        line_start = text.rfind("\n", 0, text.rfind("\n", 0, a)) + 1  # the signing body on the line before
        # (only the signature: not a paragraph the text runs into it, 「…联系。经济发展局2023年1月5日」)
        line_start = max(line_start, a - 40, max(text.rfind(p, 0, a) for p in "。；！？") + 1)
        while line_start < a and text[line_start] in " \t\u3000\xa0":
            line_start += 1
        out = [(line_start, b)]
        same = re.sub(r"[（()）\s]", "", last.group(0))
        for m in _SIGNATURE_DATE.finditer(text[:600]):
            if re.sub(r"[（()）\s]", "", m.group(0)) == same:
                out.insert(0, m.span())
        return out
    spans = [m.span() for m in META_RES[kind].finditer(text)][:2]
    if kind == "published" and spans:
        # the page's 发布时间 and the report's own 落款 (signed date): when it came out, as both say it
        spans += [s for s in metadata_lines(text, "signed") if all(s[1] <= a or s[0] >= b for a, b in spans)]
    return spans
