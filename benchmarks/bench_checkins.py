"""Benchmark: finding and claiming the due check-ins among 10,000 scheduled projects.

Builds a throwaway database with PROJECTS projects, each with a check-in schedule: BUSY of
them "every monday 9:00" in Europe/Paris (hundreds due in the same minute), the rest spread
over the week's days, hours and a dozen zones. A claim just before 09:00 takes what was due
before; then the timed claim at 09:01 takes the busy minute, in one write transaction, as
the scheduler does every half minute. Each repetition starts from a copy of the same file.

    python benchmarks/bench_checkins.py                  # 10,000 projects, 500 busy
    python benchmarks/bench_checkins.py --projects 10000 --busy 2000 --repeat 9

Prints the median and worst time; exits 0 when the median is within GOAL_MS.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.checkins import Checkins, schedule_checkin  # noqa: E402
from bot.core.consultation import Consultations  # noqa: E402
from bot.core.knowledge import load_default  # noqa: E402
from bot.core.store import Store  # noqa: E402

GOAL_MS = 50.0
SET_ON = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # a Monday
BUSY_AT = datetime.fromisoformat("2026-11-30T09:00:00+01:00")  # the next Monday, 9:00 Paris
ZONES = (
    "Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Asia/Singapore",
    "Australia/Sydney", "Africa/Lagos", "Europe/Berlin", "UTC",
)  # fmt: skip
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "weekdays", "daily")


def build(path: Path, projects: int, busy: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    store = Store.open(path)
    with store.transaction():
        for i in range(projects):
            p = store.projects.create(
                "T0BENCH", f"Project {i:05d}", channel=f"C{i:05d}", owner=f"U{i:05d}"
            )
            if i < busy:
                text, tz = "every monday 9:00", "Europe/Paris"
            else:
                minute = rng.choice(("00", "15", "30", "45"))
                text = f"every {rng.choice(DAYS)} {rng.randrange(7, 19)}:{minute}"
                tz = rng.choice(ZONES)
            schedule_checkin(store, p.id, text, owner=p.owner or "", tz=tz, now=SET_ON)
    Checkins(Consultations(store, load_default())).claim(BUSY_AT - timedelta(minutes=1), "warm-up")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def claim_once(template: Path, workdir: Path, n: int) -> tuple[float, int]:
    path = workdir / f"run-{n}.db"
    shutil.copyfile(template, path)
    store = Store.open(path)
    checkins = Checkins(Consultations(store, load_default()))
    try:
        start = time.perf_counter()
        claimed = checkins.claim(BUSY_AT + timedelta(minutes=1), f"bench-{n}")
        elapsed = (time.perf_counter() - start) * 1000
    finally:
        store.close()
    return elapsed, len(claimed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--busy", type=int, default=500, help="schedules due in the same minute")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="premortem-bench-") as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        t0 = time.perf_counter()
        build(template, args.projects, args.busy)
        print(f"built {args.projects:,} scheduled projects in {time.perf_counter() - t0:.1f}s")
        runs = [claim_once(template, workdir, n) for n in range(args.repeat)]
    times = [ms for ms, _ in runs]
    claimed = runs[0][1]
    median = statistics.median(times)
    print(
        f"found and claimed {claimed:,} due check-ins among {args.projects:,} in "
        f"{median:.1f} ms (median of {len(times)}; best {min(times):.1f} ms, "
        f"worst {max(times):.1f} ms); goal <= {GOAL_MS:.0f} ms"
    )
    return 0 if median <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
