"""`python -m tests.soak [--sends N] [--customers N]`: run the fault soak, print its figures,
exit 0 only when every figure is 0 (1 otherwise, 2 when it ran out of time)."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from tests.soak.scenario import Plan, Report, run

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument(
        "--sends", type=int, default=3000, help="at most (the send phase is bounded in time)"
    )
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--seconds", type=float, default=270.0, help="the whole run's bound")
    parser.add_argument(
        "--postgres", default=os.environ.get("MUMBLE_SOAK_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--redis", default=os.environ.get("MUMBLE_SOAK_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--logs", type=Path, default=None, help="default: a temporary directory")
    return parser.parse_args()


async def _main(args: argparse.Namespace, plan: Plan, logs: Path) -> Report:
    async with asyncio.timeout(args.seconds):
        return await run(plan, args.postgres, args.redis, logs)


def main() -> int:
    args = _args()
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    plan = Plan(sends=args.sends, customers=args.customers, seed=seed)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="mumble-soak-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"soak: {plan.sends} sends to {plan.customers} customers, seed {seed}, logs in {logs}")
    started = time.monotonic()
    try:
        report = asyncio.run(_main(args, plan, logs))
    except TimeoutError:
        print(f"soak: FAILED, not done within {args.seconds:g} s")
        return 2
    elapsed = time.monotonic() - started
    print("\n".join(report.lines))
    print(f"soak figures ({elapsed:.0f} s):")
    print(report.figures.render())
    if not report.figures.ok:
        for log in sorted(logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-30:]
            print(f"===== {log.name}", *tail, sep="\n")
        print("soak: FAILED, a figure is not 0")
        return 1
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
