"""How many questions a consultation asks, over labelled proposals, with and without the proposal.

    .venv/bin/python scripts/consultation_lengths.py /work/shared/eval/dev

A simulated team answers each question as the labels say its area stands: the most worrying
option for an area labelled `risk`, the most reassuring one for an area labelled `ok`. Each
proposal is consulted twice on a fresh database, once with the proposal given up front (so the
areas it settles are skipped) and once without, and the script prints the number of questions
each time, their medians, and how many areas the final summary flags.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from bot.core.analysis import Analyzer
from bot.core.consultation import Consultations
from bot.core.evaluation import parse_labels
from bot.core.knowledge import AnswerOption, KnowledgeBase, Question, load_default
from bot.core.store import LOCAL_TEAM, Store


def worrying(q: Question) -> AnswerOption:
    return max(
        q.options,
        key=lambda o: (max((r.severity.rank for r in o.raises), default=0), len(o.raises)),
    )


def reassuring(q: Question) -> AnswerOption:
    return min(
        q.options,
        key=lambda o: (max((r.severity.rank for r in o.raises), default=0), -len(o.clears)),
    )


def consult(
    kb: KnowledgeBase, analyzer: Analyzer, labels: Mapping[str, str], proposal: str | None
) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "lengths.db")
        service = Consultations(store, kb, analyzer)
        project = store.projects.create(LOCAL_TEAM, "measured")
        turn = service.start(project.id, proposal, "simulated team")
        asked = 0
        while turn.kind != "finished":
            assert turn.question is not None
            q = kb.questions[turn.question.id]
            option = worrying(q) if labels.get(q.area) == "risk" else reassuring(q)
            turn = service.answer(turn.consultation_id, option.value, "simulated team")
            asked += 1
        assert turn.summary is not None
        flagged = len(turn.summary.flagged())
        store.close()
        return asked, flagged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a directory with labels.yaml and the proposals")
    args = parser.parse_args()
    cases = parse_labels(yaml.safe_load((args.dir / "labels.yaml").read_text(encoding="utf-8")))
    kb = load_default()
    analyzer = Analyzer(kb)
    with_proposal, without = [], []
    print(f"{'proposal':<36}{'with':>6}{'without':>9}{'flagged (with/without/labels)':>32}")
    for case in cases:
        text = (args.dir / case.file).read_text(encoding="utf-8")
        n_with, f_with = consult(kb, analyzer, case.labels, text)
        n_without, f_without = consult(kb, analyzer, case.labels, None)
        with_proposal.append(n_with)
        without.append(n_without)
        risky = sum(1 for v in case.labels.values() if v == "risk")
        print(f"{case.file:<36}{n_with:>6}{n_without:>9}{f'{f_with}/{f_without}/{risky}':>32}")
    print(
        f"median questions: {statistics.median(with_proposal):g} with the proposal, "
        f"{statistics.median(without):g} without ({len(cases)} proposals)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
