"""One check for every gold and held-out question set (the line format of evals/gold/README.md).

    python -m evals.validate [FILES...] [--reports DIR]

Without FILES: every evals/gold/*.jsonl and any evals/heldout*/*.jsonl. For every line it checks

* format: UTF-8 JSON, one object a line as `json.dumps(..., ensure_ascii=False)` writes it, no blank
  lines; the fields and their types; `kind` and `status` values and that they agree; ids unique over
  all the files given, of the README's shape (`fig-001`; a held-out set's own `h17-fig01`, `h5-sum-01`,
  `ho-share-01`, `h18-c01-t2`; a prefix that no longer fits a changed kind is a warning); `history` a
  list of strings (non-empty on a follow-up); `asked_on`, when present, an ISO date;
* reports: every file named exists in the corpus (`../shared/corpus/reports` from the repository
  root); the shape of `report` per kind (a string, a list, null);
* narrative: `quote_contains` occurs verbatim, within one line, in the text `ingest.loaders.load_document`
  gives for the cited report (or for the other file of a report published as two files); its length
  8–30 characters (outside that a warning);
* figures: numbers as printed (a share or growth `12.34%`); a printed figure and the printed operands
  of a computed item occur in a cited report's text (digits run together count);
* computed values re-derived: every arithmetic equation a note writes — `0+2+1 = 3`,
  `218 − 81 = 137`, `(71+29)/218 × 100 = 45.87%`, `40 ÷ 58 = 68.97%`, `calc: max(74, 81) = 81`,
  labelled terms such as `不掌握10 + 没有现成信息3 = 13` — is re-computed in decimal arithmetic and
  must hold (a `%` result is ×100 when the expression does not multiply by 100 itself; a decimal
  result is rounded half-up to the decimals written, `…` marks a cut-off value, `→ 45.87%` a rounding).
  The value after `calc:`/`计算:` must be the item's first figure; a sum or difference whose note
  writes its terms without a result (`0+2+0+1`) must add up to the first figure; a ranking's winning
  value must be among the values its note lists.

Prints a summary per file, then the errors and, apart, the warnings; exits 1 on any error, 2 when the
corpus is missing. `validate(paths)` returns the same findings for tests.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, getcontext
from pathlib import Path

getcontext().prec = 50

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO.parent / "shared" / "corpus" / "reports"
GOLD = REPO / "evals" / "gold"

FIELDS = {"id": str, "question": str, "history": list, "kind": str, "status": str, "figures": list, "note": str}
OPTIONAL = {"asked_on": str, "quote_contains": str}
KINDS = {"figure", "sum", "share", "difference", "growth", "ratio", "ranking", "narrative", "not_found",
         "ambiguous", "followup"}
STATUS = {"not_found": "not_found", "ambiguous": "ambiguous"}  # every other kind: answered
COMPUTED = {"sum", "share", "difference", "growth", "ratio"}
PERCENT = {"share", "growth"}
REPORT_STR = {"figure", "share", "narrative", "followup"}
REPORT_LIST = {"difference", "growth", "ranking"}  # sum and ratio: either
# id prefix -> kinds it may carry; None: any kind (follow-ups, adversarial questions, conversation turns)
PREFIX = {"fig": {"figure"}, "sum": {"sum"}, "shr": {"share"}, "share": {"share"},
          "dif": {"difference", "growth", "ratio"}, "diff": {"difference", "growth", "ratio"},
          "grw": {"growth", "ratio"}, "rnk": {"ranking"}, "rank": {"ranking"}, "nar": {"narrative"},
          "nf": {"not_found"}, "amb": {"ambiguous"}, "fu": None, "adv": None}
GOLD_ID = re.compile(r"(?P<p>[a-z]+)-\d{3}")  # the gold sets: fig-001
HELDOUT_ID = re.compile(r"(?:h\d+|ho)-(?:(?P<p>[a-z]+)-?\d{2}|c\d{2}-t\d+)")  # h17-fig01, h5-sum-01, h18-c01-t2
QUOTE_LEN = (8, 30)


@dataclass
class Problem:
    file: str
    line: int
    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.id or '-'}: {self.message}"


@dataclass
class FileSummary:
    name: str
    lines: int = 0
    kinds: Counter = field(default_factory=Counter)
    quotes: int = 0
    equations: int = 0
    computed: int = 0
    rederived: int = 0
    errors: int = 0
    warnings: int = 0
    unchecked: list = field(default_factory=list)  # computed items whose value no written arithmetic gives


@dataclass
class Result:
    files: list[FileSummary] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CorpusMissing(RuntimeError):
    pass


# ---------------------------------------------------------------------------------- report texts
class Corpus:
    """The reports folder; each report's loaded text read once."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CorpusMissing(f"the corpus is missing: no folder {self.folder} (the reports live in "
                                "../shared/corpus/reports next to the repository)")
        self.names = {p.name for p in self.folder.iterdir() if p.is_file()}
        self._text: dict[str, str] = {}

    def exists(self, name: str) -> bool:
        return isinstance(name, str) and "/" not in name and name in self.names

    def files_of(self, name: str) -> list[str]:
        """The file and, for a report published as two files (same stem), the other one."""
        stem = Path(name).stem
        return [name] + sorted(n for n in self.names if n != name and Path(n).stem == stem)

    def text(self, name: str) -> str:
        if name not in self._text:
            from ingest.loaders import load_document

            self._text[name] = load_document(self.folder / name).text
        return self._text[name]

    def squeezed(self, name: str) -> str:
        key = "\0" + name
        if key not in self._text:
            self._text[key] = re.sub(r"\s+", "", self.text(name))
        return self._text[key]

    def has_quote(self, name: str, quote: str) -> bool:
        return any(quote in line for n in self.files_of(name) for line in self.text(n).splitlines())

    def has_number(self, names: list[str], value: str) -> bool:
        v = value.rstrip("%").lstrip("-")
        return any(v in self.squeezed(f) for n in names for f in self.files_of(n))


# ---------------------------------------------------------------------------------- arithmetic
_OPS = {"+": "+", "＋": "+", "-": "-", "−": "-", "–": "-", "*": "*", "×": "*", "÷": "/", "/": "/"}
_NUM = r"\d+(?:\.\d+)?"
_ENUM = re.compile(r"（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、"
                   r"|(?<![\d.])\d{1,2}\.(?=[^\d\s.])|第[一二三四五六七八九十\d]+[条项款]")
_UNIT = re.compile(r"\s*(?:件|万元|元|个|条|次|项|人|起|倍|%)")
_BOUND = set("=＝；;。：:→，,、|\n")
_RESULT = re.compile(r"\s*(?P<v>[-−]?\d+(?:\.\d+)?)(?P<cut>…|\.\.\.)?\s*(?P<pct>%)?")
_ROUNDED = re.compile(r"\s*→\s*(?:约\s*)?(?P<v>-?\d+(?:\.\d+)?)\s*(?P<pct>%)?")
_CALC = re.compile(r"(?:calc|计算)\s*[:：]")


@dataclass
class Equation:
    text: str  # the expression as written
    expr: str  # the pure expression evaluated
    stated: str  # the result as written, '%' kept
    value: Decimal | None  # the exact value of expr
    holds: bool
    rounded: list[str]  # results after '→'
    calc: bool  # written after calc: / 计算:
    operands: list[str]


_ASIDE = re.compile(r"\s*[（(](?:[^()（）\d+\-−–×÷*/=]*|(?:19|20)\d\d\s*年?)[)）]")


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """Tokens of an expression possibly with labels: ('n', '12'), ('op', '+'), ('(', ''), (')', ''),
    ('f', 'max'), (',', ''), ('lab', '...'). None when it cannot be an expression."""
    text = _ASIDE.sub(" ", _ENUM.sub(" ", text))
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        c = text[i]
        m = re.match(_NUM, text[i:])
        if c.isspace():
            i += 1
        elif m and re.fullmatch(r"(?:19|20)\d\d", m.group(0)) and re.match(r"\s*年?\s+\d", text[i + 4:]):
            out.append(("lab", m.group(0)))  # a year naming the value after it: 2024 218 − 2023 81
            i += m.end()
        elif m:
            out.append(("n", m.group(0)))
            i += m.end()
            u = _UNIT.match(text, i)
            if u:
                if u.group(0).strip() == "%":
                    out.append(("pct", "%"))
                i = u.end()
        elif c in _OPS:
            out.append(("op", _OPS[c]))
            i += 1
        elif c in "()":
            out.append((c, c))
            i += 1
        elif c == "," and out:
            out.append((",", ","))
            i += 1
        elif text.startswith(("max", "min"), i) and text[i + 3:i + 4] == "(":
            out.append(("f", text[i:i + 3]))
            i += 3
        else:
            j = i
            while j < len(text) and not (text[j] in _OPS or text[j] in "()," or text[j].isdigit()):
                j += 1
            out.append(("lab", text[i:j].strip()))
            i = j
    return out


def _pure(tokens: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """Drop labels that stand right before a number or at the very start; None if any other label is left,
    or the expression has no operator."""
    keep = []
    for k, (kind, v) in enumerate(tokens):
        if kind == "lab":
            nxt = tokens[k + 1][0] if k + 1 < len(tokens) else None
            if nxt == "n" or (nxt in ("(", "f") and all(t[0] == "lab" for t in tokens[:k])) or not v:
                continue
            if all(t[0] == "lab" for t in tokens[:k + 1]) and nxt == "n":
                continue
            return None
        keep.append((kind, v))
    if not any(k == "op" for k, _ in keep) or sum(k == "n" for k, _ in keep) < 2:
        if not any(k == "f" for k, _ in keep):
            return None
    # two numbers in a row (a year before a value, a run-together cell) is no expression
    for a, b in zip(keep, keep[1:]):
        if a[0] in ("n", ")", "pct") and b[0] in ("n", "(", "f"):
            return None
    return keep


class _Parser:
    def __init__(self, tokens):
        self.t, self.i = tokens, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, kind=None):
        tok = self.peek()
        if kind and tok[0] != kind:
            raise ValueError(f"expected {kind}, found {tok[1]!r}")
        self.i += 1
        return tok

    LEVELS = ({"+": Decimal.__add__, "-": Decimal.__sub__}, {"*": Decimal.__mul__, "/": Decimal.__truediv__})

    def expr(self, level: int = 0) -> Decimal:
        """+ and − over × and ÷ over factors, left to right."""
        if level == len(self.LEVELS):
            return self.factor()
        v = self.expr(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self.LEVELS[level]:
            op = self.take()[1]
            v = self.LEVELS[level][op](v, self.expr(level + 1))
        return v

    def factor(self) -> Decimal:
        kind, val = self.peek()
        if (kind, val) == ("op", "-"):
            self.take()
            return -self.factor()
        if kind == "n":
            self.take()
            if self.peek()[0] == "pct":
                self.take()
            return Decimal(val)
        if kind == "(":
            self.take()
            v = self.expr()
            self.take(")")
            return v
        if kind == "f":
            self.take()
            self.take("(")
            vals = [self.expr()]
            while self.peek()[0] == ",":
                self.take()
                vals.append(self.expr())
            self.take(")")
            return max(vals) if val == "max" else min(vals)
        raise ValueError(f"unexpected {val!r}")

    def parse(self) -> Decimal:
        v = self.expr()
        if self.i != len(self.t):
            raise ValueError(f"left over {self.t[self.i][1]!r}")
        return v


def evaluate(expr: str) -> Decimal:
    """The exact value of an arithmetic expression (+ − × ÷ / * ( ) max min, labels before numbers allowed)."""
    toks = _pure(_tokens(expr) or [])
    if toks is None:
        raise ValueError(f"not an expression: {expr!r}")
    return _Parser(toks).parse()


def _left_start(note: str, eq: int) -> int:
    depth, i = 0, eq - 1
    while i >= 0:
        c = note[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                return i + 1
            depth -= 1
        elif c in _BOUND and not (c in ",，" and depth > 0):
            return i + 1
        elif c == "." and (i + 1 == eq or note[i + 1].isspace()):
            return i + 1
        i -= 1
    return 0


def _matches(value: Decimal, stated: str, cut: bool, percent_ok: bool) -> bool:
    s = stated.rstrip("%")
    places = len(s.split(".")[1]) if "." in s else 0
    want = Decimal(s)
    candidates = [value]
    if stated.endswith("%") and percent_ok:
        candidates.append(value * 100)
    q = Decimal(1).scaleb(-places)
    for v in candidates:
        if v == want:
            return True
        if cut and v.quantize(q, rounding=ROUND_DOWN) == want:
            return True
        if (places or stated.endswith("%")) and not cut and v.quantize(q, rounding=ROUND_HALF_UP) == want:
            return True
    return False


def equations(note: str) -> list[Equation]:
    """Every `expression = result` the note writes and can be read without understanding it."""
    found = []
    calc_at = [m.end() for m in _CALC.finditer(note)]
    for m in re.finditer(r"[=＝]", note):
        r = _RESULT.match(note, m.end())
        if not r:
            continue
        after = note[r.end():]
        if re.match(r"\s*[+\-−–*×÷/]\s*[\d(]", after) or re.match(r"\s*\d", after):
            continue  # the right side is itself an expression, or more digits follow
        if re.match(r"[^\s。；;，,、)）→=（(|.]|\.\d", after) and not re.match(r"(?:件|万元|元|个|条|次|项|人|倍)", after):
            if not after.startswith("%"):
                continue  # the number runs into a word: not a plain result
        start = _left_start(note, m.start())
        left = note[start:m.start()]
        if re.search(r"[“”\"'‘’「」『』]", left):
            continue  # quoted run-together digits: read by hand, not here
        toks = _tokens(left)
        pure = _pure(toks) if toks else None
        if pure is None:
            continue
        stated = r.group("v").replace("−", "-") + ("%" if r.group("pct") else "")
        expr = " ".join(v for _, v in pure)
        try:
            value = _Parser(pure).parse()
        except (ValueError, InvalidOperation, ZeroDivisionError):
            continue
        percent_ok = not re.search(r"[*×]\s*100(?!\d)", left)
        holds = _matches(value, stated, bool(r.group("cut")), percent_ok)
        rounded = []
        for rm in [_ROUNDED.match(note, r.end())]:
            if rm:
                rv = rm.group("v") + ("%" if rm.group("pct") or r.group("pct") else "")
                base = value * 100 if rv.endswith("%") and percent_ok and not r.group("pct") else value
                if r.group("pct") and percent_ok and not _matches(value, stated, False, False):
                    base = value * 100
                holds = holds and _matches(base, rv, False, False)
                rounded.append(rv)
        is_calc = any(start <= c <= m.start() or note[c:start].strip() == "" for c in calc_at)
        found.append(Equation(left.strip(), expr, stated, value, holds, rounded, is_calc,
                              [v for k, v in pure if k == "n"]))
    return found


def bare_terms(note: str) -> list[tuple[str, Decimal, bool, bool]]:
    """Expressions written without a result (`0+2+0+1`, `(12+0)/58`, `later − earlier = 81 − 74`):
    (text, exact value, whether a % result is ×100 of it, whether it is a whole clause), clauses first;
    then every run of bare numbers and operators, inside brackets too (those only to accept a value)."""
    note = re.sub(r"(?:19|20)\d\d\s*[–\-−~至]\s*(?:19|20)\d\d", " ", note)  # a range of years
    out = []
    for clause in re.split(r"[=＝；;。：:→，,、|\n]|\.(?=\s|$)", note):
        clause = clause.strip()
        while clause.count(")") > clause.count("(") and clause.endswith(")"):
            clause = clause[:-1]
        while clause.count("(") > clause.count(")") and clause.startswith("("):
            clause = clause[1:]
        if re.search(r"[“”\"'‘’「」『』]", clause):
            continue
        toks = _tokens(clause)
        pure = _pure(toks) if toks else None
        if pure is None:
            continue
        try:
            value = _Parser(pure).parse()
        except (ValueError, InvalidOperation, ZeroDivisionError):
            continue
        out.append((clause, value, not re.search(r"[*×]\s*100(?!\d)", clause), True))
    for m in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?:\s*[+\-−*/×÷]\s*\d+(?:\.\d+)?)+(?![\d.])", note):
        try:
            out.append((m.group(0), evaluate(m.group(0)), True, False))  # only to accept a value
        except (ValueError, InvalidOperation, ZeroDivisionError):
            pass
    return out


def _num_equal(a: str, b: str) -> bool:
    try:
        return a.endswith("%") == b.endswith("%") and Decimal(a.rstrip("%")) == Decimal(b.rstrip("%"))
    except InvalidOperation:
        return False


# ---------------------------------------------------------------------------------- one line
class _Checker:
    def __init__(self, corpus: Corpus, result: Result):
        self.corpus = corpus
        self.result = result
        self.ids: dict[str, str] = {}

    def check_file(self, path: Path) -> FileSummary:
        summary = FileSummary(path.name)
        self.result.files.append(summary)
        rel = _display(path)

        def problem(kind: str, n: int, rid: str, msg: str) -> None:
            (self.result.errors if kind == "error" else self.result.warnings).append(Problem(rel, n, rid, msg))
            setattr(summary, kind + "s", getattr(summary, kind + "s") + 1)

        try:
            raw = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            problem("error", 0, "", f"not UTF-8: {e}")
            return summary
        except OSError as e:
            problem("error", 0, "", f"cannot read: {e}")
            return summary
        if raw and not raw.endswith("\n"):
            problem("error", raw.count("\n") + 1, "", "the file must end with a newline")
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines, 1):
            summary.lines += 1
            self.check_line(line, n, summary, problem)
        return summary

    def check_line(self, line, n, summary, problem):
        if not line.strip():
            problem("error", n, "", "blank line")
            return
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problem("error", n, "", f"not JSON: {e}")
            return
        if not isinstance(r, dict):
            problem("error", n, "", "not a JSON object")
            return
        rid = r.get("id") if isinstance(r.get("id"), str) else ""

        def err(msg):
            problem("error", n, rid, msg)

        def warn(msg):
            problem("warning", n, rid, msg)

        if json.dumps(r, ensure_ascii=False) != line:
            warn("not written as json.dumps(item, ensure_ascii=False) writes it")
        for k, t in FIELDS.items():
            if k not in r:
                err(f"missing field {k}")
            elif not isinstance(r[k], t):
                err(f"{k} must be a {t.__name__}")
        if "report" not in r:
            err("missing field report")
        for k, t in OPTIONAL.items():
            if k in r and not isinstance(r[k], t):
                err(f"{k} must be a {t.__name__}")
        unknown = set(r) - set(FIELDS) - set(OPTIONAL) - {"report"}
        if unknown:
            err(f"unknown fields {sorted(unknown)}")
        if any(k not in r or not isinstance(r[k], t) for k, t in FIELDS.items()) or "report" not in r:
            return
        kind, status, history, figures, note = r["kind"], r["status"], r["history"], r["figures"], r["note"]
        summary.kinds[kind] += 1

        # id
        if rid in self.ids:
            err(f"duplicate id (also {self.ids[rid]})")
        else:
            self.ids[rid] = f"{summary.name}:{n}"
        m = GOLD_ID.fullmatch(rid) or HELDOUT_ID.fullmatch(rid)
        prefix = m.group("p") if m else None
        if not m or (prefix is not None and prefix not in PREFIX):
            err("id is neither a gold id (fig-001) nor a held-out one (h17-fig01, h5-sum-01, h18-c01-t2)")
        elif prefix and PREFIX[prefix] is not None and kind not in PREFIX[prefix]:
            warn(f"id prefix {prefix} does not fit kind {kind}")
        # kind, status, history, asked_on
        if kind not in KINDS:
            err(f"unknown kind {kind}")
            return
        if status != STATUS.get(kind, "answered"):
            err(f"status {status} for kind {kind} (expected {STATUS.get(kind, 'answered')})")
        if not all(isinstance(h, str) and h.strip() for h in history):
            err("history must be a list of non-empty strings")
        if prefix == "fu" and not history:
            err("a follow-up (fu) needs the earlier questions in history")
        if history and m and prefix not in ("fu", None):
            err("history on a question that is not a follow-up or a conversation turn")
        if not r["question"].strip():
            err("empty question")
        if "asked_on" in r and isinstance(r["asked_on"], str):
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["asked_on"]):
                    raise ValueError
                _dt.date.fromisoformat(r["asked_on"])
            except ValueError:
                err(f"asked_on {r['asked_on']!r} is not an ISO date (2026-12-01)")

        # report
        rep = r["report"]
        names: list[str] = []
        if kind in STATUS:
            if rep is not None:
                err(f"report must be null for {kind}")
            if figures:
                err(f"figures must be [] for {kind}")
        elif kind in REPORT_STR and not isinstance(rep, str):
            err(f"report must be a file name (string) for {kind}")
        elif kind in REPORT_LIST and not (isinstance(rep, list) and len(rep) >= 2):
            err(f"report must be a list of at least two file names for {kind}")
        elif not (isinstance(rep, str) or (isinstance(rep, list) and rep)):
            err(f"report must be a file name or a list of them for {kind}")
        if isinstance(rep, str):
            names = [rep]
        elif isinstance(rep, list):
            if not all(isinstance(x, str) for x in rep):
                err("report list must hold file names")
            names = [x for x in rep if isinstance(x, str)]
            if len(set(names)) != len(names):
                err("a report is listed twice")
        missing = [x for x in names if not self.corpus.exists(x)]
        for x in missing:
            err(f"report {x} is not in the corpus")
        names = [x for x in names if x not in missing]

        # narrative
        q = r.get("quote_contains")
        if kind == "narrative":
            if figures:
                err("figures must be [] for narrative")
            if not isinstance(q, str) or not q:
                err("narrative needs quote_contains")
            else:
                if not QUOTE_LEN[0] <= len(q) <= QUOTE_LEN[1]:
                    warn(f"quote_contains is {len(q)} characters (the README asks {QUOTE_LEN[0]}–{QUOTE_LEN[1]})")
                if "\n" in q:
                    err("quote_contains spans a line break")
                elif names:
                    summary.quotes += 1
                    if not self.corpus.has_quote(names[0], q):
                        err(f"quote_contains {q!r} does not occur in the text of {names[0]}")
        elif q is not None:
            err("quote_contains is for narrative items only")

        # figures
        if kind not in STATUS and kind != "narrative" and not figures:
            err(f"figures must not be empty for {kind}")
        if not all(isinstance(x, str) for x in figures):
            err("figures must be strings")
            return
        for x in figures:
            if not re.fullmatch(r"-?\d+(?:\.\d+)?%?", x):
                err(f"figure {x!r} is not a number as printed or computed")
        if kind in PERCENT and figures and not re.fullmatch(r"-?\d+\.\d\d%", figures[0]):
            err(f"a {kind} is a percentage with 2 decimals (12.34%), not {figures[0]!r}")
        # printed values occur in the cited reports (a computed headline does not)
        printed = figures if kind in ("figure", "followup", "ranking") else figures[1:]
        for x in printed:
            if not x.endswith("%") and names and re.fullmatch(r"-?\d+(?:\.\d+)?", x) \
                    and not self.corpus.has_number(names, x):
                err(f"figure {x} does not occur in the text of {', '.join(names)}")

        # arithmetic
        eqs = equations(note)
        summary.equations += len(eqs)
        for e in eqs:
            if e.value is not None and not e.holds:
                shown = e.stated + (" → " + " → ".join(e.rounded) if e.rounded else "")
                err(f"arithmetic in the note does not hold: {e.text} = {shown} (it gives {_show(e.value)})")
        calcs = [e for e in eqs if e.calc]
        if calcs:
            e = calcs[-1]
            final = e.rounded[-1] if e.rounded else e.stated
            if figures and not _num_equal(final.rstrip("%"), figures[0].rstrip("%")):
                err(f"the note's calc gives {final}, the first figure is {figures[0]}")
            if e.holds:
                for op in e.operands:
                    if op != "100" and names and not self.corpus.has_number(names, op):
                        err(f"calc operand {op} does not occur in the text of {', '.join(names)}")
        if kind in COMPUTED and figures:
            summary.computed += 1
            if self._rederived(kind, note, eqs, figures[0], err):
                summary.rederived += 1
            else:
                summary.unchecked.append(rid)
        if kind == "ranking" and figures:
            summary.computed += 1
            vals = {v for v in re.findall(r"-?\d+(?:\.\d+)?%?", note)}
            if any(_num_equal(v, figures[0]) for v in vals):
                summary.rederived += 1
            else:
                summary.unchecked.append(rid)
                err(f"the winning value {figures[0]} is not among the values the note lists")


    @staticmethod
    def _rederived(kind, note, eqs, first, err) -> bool:
        """Whether the note's arithmetic gives the first figure (an error where the only arithmetic a sum's
        or a difference's note writes, its terms without a result, gives another value)."""
        pct = kind in PERCENT
        for e in eqs:
            if e.holds and (any(_num_equal(x.rstrip("%"), first.rstrip("%")) if pct else _num_equal(x, first)
                                for x in [e.stated, *e.rounded])
                            or _matches(e.value, first, False, "100" not in e.operands)):
                return True
        bare = bare_terms(note)
        if any(_matches(v, first, False, p) for _, v, p, _ in bare):
            return True
        clauses = [b for b in bare if b[3] and not re.search(r"[*×/÷]", b[0])]
        if clauses and not eqs and kind in ("sum", "difference"):
            err(f"the note's terms {clauses[-1][0]} give {_show(clauses[-1][1])}, the first figure is {first}")
            return False
        # a value the note writes as a result (after = or →) stands, re-derived or not; any other value
        # is wrong where the note writes arithmetic and unexplained where it writes none
        written = re.findall(r"[=＝→]\s*(?:约\s*)?([-−]?\d+(?:\.\d+)?%?)", note)
        if any(_num_equal(w.replace("−", "-").rstrip("%"), first.rstrip("%")) for w in written):
            return False
        got = sorted({_show(e.value) for e in eqs if e.holds} | {_show(v) for _, v, _, c in bare if c})
        if got:
            err(f"the first figure {first} is neither what the note's arithmetic gives ({', '.join(got)}) "
                "nor a result it writes")
        else:
            err(f"the first figure {first} is neither derived nor written as a result in the note")
        return False


def _show(v: Decimal) -> str:
    s = format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
    if "." in s and len(s.split(".")[1]) > 6:
        s = format(v.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), "f")
    return s


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def default_files() -> list[Path]:
    return sorted(GOLD.glob("*.jsonl")) + sorted(REPO.glob("evals/heldout*/*.jsonl"))


def validate(paths=None, reports: Path | str | None = None) -> Result:
    """Check the files (default: every gold and held-out set); ids must be unique over all of them.
    Raises CorpusMissing when the reports folder is not there."""
    corpus = Corpus(Path(reports) if reports else REPORTS)
    result = Result()
    checker = _Checker(corpus, result)
    for p in [Path(x) for x in paths] if paths else default_files():
        checker.check_file(p)
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.validate", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="JSONL files (default: evals/gold/*.jsonl and evals/heldout*/*.jsonl)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list the computed items not re-derived")
    ap.add_argument("--reports", help="the reports folder (default: ../shared/corpus/reports)")
    args = ap.parse_args(argv)
    try:
        res = validate(args.files or None, args.reports)
    except CorpusMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    total = Counter()
    for s in res.files:
        total.update(lines=s.lines, quotes=s.quotes, equations=s.equations, computed=s.computed,
                     rederived=s.rederived, errors=s.errors, warnings=s.warnings)
        print(f"{s.name}: {s.lines} lines, {s.quotes} quotes found, {s.equations} equations, "
              f"{s.rederived}/{s.computed} computed values re-derived, {s.errors} errors, {s.warnings} warnings")
    print(f"all {len(res.files)} files: {total['lines']} lines, {total['quotes']} quotes, "
          f"{total['equations']} equations, {total['rederived']}/{total['computed']} computed values re-derived, "
          f"{total['errors']} errors, {total['warnings']} warnings")
    if args.verbose:
        print("\nnot re-derived (no arithmetic in the note gives the value):")
        for s in res.files:
            if s.unchecked:
                print(f"  {s.name}: {' '.join(s.unchecked)}")
    if res.errors:
        print("\nerrors:")
        for p in res.errors:
            print("  " + str(p))
    if res.warnings:
        print("\nwarnings:")
        for p in res.warnings:
            print("  " + str(p))
    return 1 if res.errors else 0


if __name__ == "__main__":
    sys.exit(main())
