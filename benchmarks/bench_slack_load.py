"""Load benchmark of the Slack HTTP endpoint: signed slash commands, ack latency.

Starts a local fake Slack Web API and `premortem serve --http` on 127.0.0.1 (ephemeral ports,
a throwaway database), then sends REQUESTS signed `/premortem` commands with CONCURRENCY
clients and reports the ack latency (p50, p99) and the throughput. Each request is a new
connection, as Slack's are. The mix is the read-and-post subcommands a busy workspace sends
(help, list, status, summary) plus `new`, which starts a consultation after the ack.

    python benchmarks/bench_slack_load.py                 # 400 requests, concurrency 16
    python benchmarks/bench_slack_load.py --requests 1000 --concurrency 32

Exit status 0 when the goal (p99 <= 200 ms and >= 200 requests/s) is met, 1 otherwise.
Traffic stays on 127.0.0.1 and is bounded in count and time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_slack import FakeSlack, PremortemServer, SlackSender  # noqa: E402

GOAL_P99_MS = 200.0
GOAL_RPS = 200.0
REQUEST_TIMEOUT_S = 10.0


def command_mix(n: int) -> list[str]:
    texts = []
    for i in range(n):
        match i % 8:
            case 0:
                texts.append(f"new Load project {i}")
            case 1 | 2:
                texts.append("help")
            case 3 | 4:
                texts.append("list")
            case 5 | 6:
                texts.append("status churn")
            case _:
                texts.append("summary churn")
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(requests: int, concurrency: int, warmup: int) -> dict[str, float]:
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        server = PremortemServer(fake, Path(tmp))
        server.start()
        try:
            sender = SlackSender(server.url, fake)
            setup = sender.command("new Churn model v2", channel="C0BENCH")
            assert setup.status == 200, setup
            fake.wait_for("response_url", timeout=15)
            for _ in range(warmup):
                sender.command("help")

            texts = command_mix(requests)
            bodies = [
                sender.command_body(t, channel=f"C0BENCH{i % 4}") for i, t in enumerate(texts)
            ]
            latencies: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()

            def one(body: str) -> None:
                started = time.perf_counter()
                try:
                    reply = sender.post(body, timeout=REQUEST_TIMEOUT_S)
                    ok = reply.status == 200
                    problem = "" if ok else f"HTTP {reply.status}"
                except OSError as exc:
                    ok, problem = False, repr(exc)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        failures.append(problem)
                        print("failure:", problem, file=sys.stderr)

            mark = fake.mark()
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(one, bodies))
            wall = time.perf_counter() - started
            # Let the work after the acks finish, so a rerun starts from a quiet server.
            expected = sum(1 for t in texts if not t.startswith("help"))
            fake.wait_for(
                "chat.postMessage", "response_url", count=expected, after=mark, timeout=60
            )
        finally:
            server.stop()
    return {
        "requests": float(len(latencies)),
        "failures": float(len(failures)),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "rps": len(latencies) / wall,
        "wall_s": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    if not (1 <= args.requests <= 10_000 and 1 <= args.concurrency <= 64):
        parser.error("keep it bounded: 1-10000 requests, concurrency 1-64")
    r = run(args.requests, args.concurrency, args.warmup)
    met = r["p99_ms"] <= GOAL_P99_MS and r["rps"] >= GOAL_RPS and not r["failures"]
    print(
        f"{int(r['requests'])} signed slash commands at concurrency {args.concurrency}: "
        f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
        f"{r['rps']:.0f} requests/s over {r['wall_s']:.2f} s, {int(r['failures'])} failure(s)"
    )
    print(
        f"goal (p99 <= {GOAL_P99_MS:.0f} ms, >= {GOAL_RPS:.0f} requests/s): "
        + ("met" if met else "NOT met")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
