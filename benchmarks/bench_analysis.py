"""Benchmark: analysing proposals of 1,000, 5,000 and 20,000 words against the full knowledge base.

The proposals are built from the labelled proposals in tests/proposals (paragraphs in a
shuffled order, repeated until the length is reached), so the text has the density of
signals real proposals have. Each size is analysed REPEAT times in-process by one Analyzer;
"cold" puts the word caches (stems, spelling corrections, regex anchors) back to the state of
a newly built Analyzer before every run, which knows only the knowledge base's own words;
"warm" keeps them, as a long-running bot would. Both include the decision model. Loading and
validating the knowledge base, and building the Analyzer, are timed separately.

    python benchmarks/bench_analysis.py
    python benchmarks/bench_analysis.py --sizes 1000 5000 20000 --repeat 15

Prints medians; exits 0 when the 5,000-word cold median is within GOAL_MS and the knowledge
base loads within LOAD_GOAL_MS.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import text as text_module  # noqa: E402
from bot.core.analysis import Analyzer  # noqa: E402
from bot.core.knowledge import load_default  # noqa: E402

GOAL_MS = 50.0  # a 5,000-word proposal
LOAD_GOAL_MS = 200.0  # load and validate the knowledge base


def proposal(words: int, seed: int = 7) -> str:
    paragraphs = [
        p.strip()
        for f in sorted((ROOT / "tests" / "proposals").glob("*.md"))
        for p in f.read_text(encoding="utf-8").split("\n\n")
        if p.strip()
    ]
    rng = random.Random(seed)
    out: list[str] = []
    count = 0
    while count < words:
        rng.shuffle(paragraphs)
        for p in paragraphs:
            out.append(p)
            count += len(p.split())
            if count >= words:
                break
    return "\n\n".join(out)


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    load_ms = timed(load_default, args.repeat)
    kb = load_default()
    build_ms = timed(lambda: Analyzer(kb), args.repeat)
    analyzer = Analyzer(kb)
    print(f"knowledge base: {len(kb.risks)} risks, {len(kb.areas)} areas")
    print(f"load + validate   median {statistics.median(load_ms):7.1f} ms")
    print(f"build Analyzer    median {statistics.median(build_ms):7.1f} ms")

    def cold(doc: str) -> None:
        text_module.stem.cache_clear()
        text_module._norm_word.cache_clear()
        analyzer.forget_words()
        analyzer.analyse(doc)

    medians = {}
    for size in args.sizes:
        doc = proposal(size)
        n = len(doc.split())
        cold_ms = statistics.median(timed(lambda doc=doc: cold(doc), args.repeat))
        analyzer.analyse(doc)
        warm_ms = statistics.median(timed(lambda doc=doc: analyzer.analyse(doc), args.repeat))
        medians[size] = cold_ms
        print(
            f"{n:6d} words       median {cold_ms:7.1f} ms cold, {warm_ms:7.1f} ms warm "
            f"({cold_ms / n * 1000:5.1f} us/word cold)"
        )

    ok = statistics.median(load_ms) <= LOAD_GOAL_MS
    if 5000 in medians:
        ok = ok and medians[5000] <= GOAL_MS
    print("within goals" if ok else f"OVER GOAL: {GOAL_MS} ms / 5k words, {LOAD_GOAL_MS} ms load")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
