"""Benchmark: two checkouts of Premortem reviewing the same 5,000-word proposal, in turns.

On a busy machine the time of one run says little; the ratio between two checkouts measured
side by side says more. Each round runs one process per checkout, one after the other, each
timing REPEAT cold and warm reviews (as bench_analysis.py does); the ratio of the medians is
taken per round, and the median ratio over the rounds is printed.

    git worktree add /tmp/before <commit>
    python benchmarks/bench_compare.py /tmp/before .            # ratios below 1: faster now
    python benchmarks/bench_compare.py /tmp/before . --rounds 10 --words 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

# Run inside each checkout: its own bot package, its own benchmark text.
_ONE = """
import json, statistics, sys, time
root = sys.argv[1]
sys.path[:0] = [root + "/benchmarks", root]
from bench_analysis import proposal
from bot.core import text
from bot.core.analysis import Analyzer
from bot.core.knowledge import load_default
analyzer = Analyzer(load_default())
doc = proposal(int(sys.argv[2]))
cold, warm = [], []
for _ in range(int(sys.argv[3])):
    text.stem.cache_clear(); text._norm_word.cache_clear(); analyzer.forget_words()
    start = time.perf_counter(); analyzer.analyse(doc); cold.append(time.perf_counter() - start)
    start = time.perf_counter(); analyzer.analyse(doc); warm.append(time.perf_counter() - start)
print(json.dumps([statistics.median(cold) * 1000, statistics.median(warm) * 1000]))
"""


def medians(checkout: Path, words: int, repeat: int) -> tuple[float, float]:
    run = subprocess.run(
        [sys.executable, "-c", _ONE, str(checkout.resolve()), str(words), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    cold, warm = json.loads(run.stdout)
    return cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout to compare against")
    parser.add_argument("after", type=Path, help="the checkout measured")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=15, help="reviews per process")
    parser.add_argument("--words", type=int, default=5000)
    args = parser.parse_args()
    cold_ratios, warm_ratios = [], []
    for i in range(args.rounds):
        b_cold, b_warm = medians(args.before, args.words, args.repeat)
        a_cold, a_warm = medians(args.after, args.words, args.repeat)
        cold_ratios.append(a_cold / b_cold)
        warm_ratios.append(a_warm / b_warm)
        print(
            f"round {i + 1}: before {b_cold:6.1f} cold {b_warm:6.1f} warm   "
            f"after {a_cold:6.1f} cold {a_warm:6.1f} warm",
            flush=True,
        )
    print(
        f"after / before, median over {args.rounds} rounds: "
        f"cold {statistics.median(cold_ratios):.2f}, warm {statistics.median(warm_ratios):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
