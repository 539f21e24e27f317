"""The core objects the listeners share: store, knowledge base, analyzer, consultations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slack_bolt import BoltContext

from bot.core.analysis import Analyzer
from bot.core.consultation import Consultations
from bot.core.knowledge import KnowledgeBase, load_default
from bot.core.store import Store

_KEY = "premortem"


@dataclass
class Services:
    store: Store
    kb: KnowledgeBase
    analyzer: Analyzer
    consultations: Consultations

    @classmethod
    def open(cls, db: Path | str, knowledge: Path | str | None = None) -> Services:
        kb = load_default(knowledge)
        store = Store.open(db)
        analyzer = Analyzer(kb)
        return cls(store, kb, analyzer, Consultations(store, kb, analyzer))

    def close(self) -> None:
        self.store.close()

    @staticmethod
    def of(context: BoltContext) -> Services:
        """The services a middleware put in a request's context."""
        return context[_KEY]

    def put(self, context: BoltContext) -> None:
        context[_KEY] = self
