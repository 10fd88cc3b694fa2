"""Two `serve` processes on one server pair (PostgreSQL + Chroma server), concurrent API clients, an
ingest adding reports meanwhile: no errors, no torn reads (evals/bench_load.py measures the same at
length and prints its latencies)."""
import pytest

from evals.bench_load import run
from tests.conftest import CORPUS, require_files


@pytest.mark.parametrize("backend", ["servers"], indirect=True)
def test_two_servers_under_load_while_ingesting(backend, tmp_path):
    require_files(CORPUS / "reports")
    summary = run(backend.facts_url, backend.chroma_url, servers=2, clients=4, seconds=8, work=tmp_path, quiet=True)
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["torn_reads"] == 0, summary["first_torn"]
    assert summary["requests"]["ask"]["n"] > 50 and summary["requests"]["reports"]["n"] > 5
