"""Fit the decision model (`bot/core/decisions.json`) on labelled proposals.

Each directory holds a `labels.yaml` and the proposals it names, laid out as in
`shared/eval/`. Every (proposal, area) pair is one sample: what the signal rules found for
the area, the words of the sentences about it, and whether the reviewer flagged it.
Fitting needs scikit-learn: `pip install -e '.[fit]'`.

    python scripts/fit_decisions.py                 # fit on the default sets, write the file
    python scripts/fit_decisions.py --check         # leave each set out in turn and score it
    python scripts/fit_decisions.py DIR [DIR ...]   # other sets

`--check` fits on all sets but one and scores the one left out, with the rules alone and with
the model: the honest estimate of what the model does on proposals it has not seen.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.analysis import Analyzer  # noqa: E402
from bot.core.decision import DecisionModel, fit  # noqa: E402
from bot.core.evaluation import Decision, parse_labels, score  # noqa: E402
from bot.core.knowledge import load_default  # noqa: E402

DEFAULT_SETS = [
    ROOT.parent / "shared" / "eval" / "dev",
    ROOT / "tests" / "proposals",
    *sorted((ROOT / "tests" / "blind").glob("batch-*")),
]
OUT = ROOT / "bot" / "core" / "decisions.json"

Labelled = tuple[str, dict[str, float], dict[str, int], str]  # area, features, words, label


def samples(directory: Path, analyzer: Analyzer) -> list[Labelled]:
    """(area, features, word counts, label) for every labelled pair in `directory`."""
    cases = parse_labels(yaml.safe_load((directory / "labels.yaml").read_text(encoding="utf-8")))
    out = []
    for case in cases:
        analysis = analyzer.analyse((directory / case.file).read_text(encoding="utf-8"))
        for area, label in case.labels.items():
            result = analysis.areas[area]
            out.append((area, dict(result.features), dict(result.terms), label))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="labelled sets (default: all ours)")
    parser.add_argument("--check", action="store_true", help="leave-one-set-out scores only")
    parser.add_argument("--l2", type=float, default=1.0, help="weight penalty (default 1.0)")
    parser.add_argument(
        "--text-weight",
        type=float,
        default=8.0,
        help="scale of the words against the findings' numbers; 0 leaves words out (8.0)",
    )
    parser.add_argument(
        "--min-df", type=int, default=5, help="words in fewer samples are left out (5)"
    )
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="probability that flags an area (0.5)"
    )
    args = parser.parse_args()
    dirs = args.dirs or [d for d in DEFAULT_SETS if (d / "labels.yaml").is_file()]
    analyzer = Analyzer(load_default(), rules_only=True)
    data = {}
    for d in dirs:
        print(f"reading {d.name} ...", file=sys.stderr)
        data[d] = samples(d, analyzer)

    def fitted(on: list[Path]) -> DecisionModel:
        rows = [(a, f, t, label == "risk") for d in on for a, f, t, label in data[d]]
        model = fit(
            rows,
            l2=args.l2,
            text_weight=args.text_weight,
            min_df=args.min_df,
            about=", ".join(_name(d) for d in on),
        )
        return replace(model, threshold=args.threshold)

    if args.check:
        print(f"{'left out':28s} {'pairs':>5s} {'rules':>6s} {'model':>6s}")
        for held in dirs:
            model = fitted([d for d in dirs if d != held])
            rules, weighed = [], []
            for area, features, terms, label in data[held]:
                rule_flags = bool(features["rule_high"] or features["rule_medium"])
                rules.append(_decision(area, label, rule_flags))
                weighed.append(_decision(area, label, model.flags(area, features, terms)))
            print(
                f"{_name(held):28s} {len(rules):5d} "
                f"{score(rules).macro_f1:6.3f} {score(weighed).macro_f1:6.3f}"
            )
        return 0
    model = fitted(dirs)
    OUT.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} (fitted on {model.about})")
    return 0


def _decision(area: str, expected: str, flagged: bool) -> Decision:
    return Decision("", area, expected, "risk" if flagged else "ok", "", "")


def _name(d: Path) -> str:
    return f"{d.parent.name}/{d.name}"


if __name__ == "__main__":
    sys.exit(main())
