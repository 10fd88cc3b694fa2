"""Opening the store a command names (--store, --embedder, --facts-url, --chroma-url)."""
from __future__ import annotations

import sys

from vectorstore.store import Store


def open_store(args, check: bool = True) -> Store:
    """The store of --store with the embedder of --embedder; a mismatch is a message, not a traceback."""
    from vectorstore.store import EmbedderMismatchError

    try:
        return Store.open(args.store, embedder=getattr(args, "embedder", None), check=check,
                          facts_url=getattr(args, "facts_url", None), chroma_url=getattr(args, "chroma_url", None))
    except (EmbedderMismatchError, ValueError, ConnectionError) as e:
        print(f"✗ {e}", file=sys.stderr)
        raise SystemExit(2)
