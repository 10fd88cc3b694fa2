"""Property tests: the parser never stores a wrong figure, whatever shape a report file comes in.

For each rendering of evals/render.py (a portal page scraped to one line, spaces at random, broken
labels, Markdown made from a PDF, page numbers, blank cells, Word, a whole portal page, PDF),
hypothesis draws synthetic truths (random tables that obey the format's arithmetic) and the
rendering's own random choices; the seed truth (the bundled sample's cells) is an explicit example.
Every file is parsed with the real parser (no mocks) and compared with its truth:

- parsing never raises;
- every stored figure equals the truth (0 wrong): a cell the text does not determine must be left
  unread, never guessed;
- every truth cell is either read or unread (nothing else);
- the seed's Word and portal-page renderings, which carry real table cells, are mostly read.

To reproduce a failure outside pytest, write the files: `python -m evals.reading --keep DIR`.
"""
from __future__ import annotations

import functools
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from evals.reading import Comparison, compare
from evals.render import CJK_FONT, RENDERINGS, Truth, check_truth, cjk_font, fmt_value, seed_truth, synthetic_truth, write_rendering
from ingest.pipeline import parse_file

SEED = "seed"  # stands for the seed truth in @example: it is parsed when the test runs, not at import
# a drawn Random makes hypothesis shrink a failure towards the simplest tables and renderings
TRUTHS = st.randoms(use_true_random=False).map(synthetic_truth)
RNGS = st.randoms(use_true_random=False)
# No shrinking: a render-and-parse costs up to a few tenths of a second (PDF), and shrinking a failure
# can take minutes; the failing example is printed (and replayed from the example database) as found.
# On CI (env CI set) the examples are the same every run, so a red run can be reproduced.
SETTINGS = settings(
    max_examples=15, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@functools.lru_cache(maxsize=None)
def _seed_truth() -> Truth:
    return seed_truth()


def _require_font(name: str) -> None:
    """The PDF needs a CJK font: skip without it on a developer's machine; fail on CI (env CI set)."""
    if name == "pdf" and cjk_font() is None:
        message = f"{CJK_FONT} missing: apt-get install -y fonts-wqy-microhei"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def render_and_compare(name: str, truth: Truth, rng: random.Random) -> Comparison:
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        path = write_rendering(truth, name, rng, Path(tmp), f"{truth.agency}_{truth.year}")
        report = parse_file(path)  # must not raise
        return compare(truth, report, path.name)


def _wrong_listing(c: Comparison) -> str:
    return "\n".join(
        f"  {'/'.join(w.key)}: truth {'(no such cell)' if w.truth is None else fmt_value(w.truth)}, "
        f"got {fmt_value(w.got)}  …{w.context}…"
        for w in c.wrong[:10]
    )


@pytest.mark.parametrize("name", list(RENDERINGS))
@SETTINGS
@given(truth=TRUTHS, rng=RNGS)
@example(truth=SEED, rng=random.Random(0))
def test_rendering_is_never_misread(name, truth, rng):
    _require_font(name)
    if truth == SEED:
        truth = _seed_truth()
    c = render_and_compare(name, truth, rng)
    assert not c.wrong, (
        f"{name}: {len(c.wrong)} wrong figure(s) in {truth.format_version}-format report of {truth.agency} "
        f"{truth.year}:\n{_wrong_listing(c)}\n{truth!r}"
    )
    assert c.read + c.unread == c.cells == len(truth.cells)


@pytest.mark.parametrize("name", ["docx", "html_portal"])
def test_real_table_cells_of_the_seed_are_mostly_read(name):
    """Word and HTML carry the table's cells as cells: a correct parser reads most of them."""
    c = render_and_compare(name, _seed_truth(), random.Random(0))
    assert not c.wrong, _wrong_listing(c)
    assert c.read >= 0.5 * c.cells, f"{name}: only {c.read} of {c.cells} seed cells read"


@SETTINGS
@given(truth=TRUTHS)
def test_synthetic_truths_obey_the_format(truth):
    assert check_truth(truth) == []


def test_seed_truth_is_complete():
    truth = _seed_truth()
    assert check_truth(truth) == []
    assert truth.cells[("三", "新收", "总计")] == 56


@pytest.mark.parametrize("name", list(RENDERINGS))
def test_renderings_are_deterministic(name):
    _require_font(name)
    truth = synthetic_truth(random.Random("det"))
    assert RENDERINGS[name](truth, random.Random(7)) == RENDERINGS[name](truth, random.Random(7))
