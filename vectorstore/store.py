"""The store: everything that persists, opened on one directory.

    >>> store = Store.open("~/.local/share/disclosure-qa")
    >>> store.facts.reports()
    [...]
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .facts import FactStore

ENV_VAR = "DISCLOSURE_QA_STORE"


def default_store_dir() -> Path:
    """DISCLOSURE_QA_STORE if set, else the per-user data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("disclosure-qa", appauthor=False))


class Store:
    def __init__(self, directory: Path, facts: FactStore):
        self.directory = directory
        self.facts = facts

    @classmethod
    def open(cls, directory: Optional[str | Path] = None) -> "Store":
        d = Path(directory).expanduser() if directory else default_store_dir()
        d.mkdir(parents=True, exist_ok=True)
        return cls(d, FactStore.open_dir(d))

    def close(self) -> None:
        self.facts.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
