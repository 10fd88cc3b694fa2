"""Everything that persists: the facts database, and (elsewhere in this folder) the chunk indexes."""
from vectorstore.facts import FactRecord, FactStore

__all__ = ["FactRecord", "FactStore"]
