"""Each benchmark runs in its tiny --quick mode and prints its figures (never a speed check).

The benchmarks need PostgreSQL (and use Redis for limits when it answers), so they run in the
PostgreSQL pass of the suite (MUMBLE_TEST_DATABASE_URL); conftest.py leaves them out on SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("MUMBLE_TEST_DATABASE_URL", "")
REDIS = os.environ.get("MUMBLE_TEST_REDIS_URL", "")

# Figures each benchmark must print in its RESULT line.
EXPECTED = {
    "bench.get_customer": (
        "get_customer_rps",
        "get_customer_p99_ms",
        "get_customer_round_trips",
        "throughput_ratio_vs_bare",
    ),
    "bench.send_text": (
        "send_text_rps",
        "send_text_p50_ms",
        "send_text_p99_ms",
        "send_text_round_trips",
        "throughput_ratio_vs_sandbox_direct",
    ),
    "bench.inbound_statuses": (
        "batch1_statuses_per_s",
        "batch1_round_trips_per_status",
        "batch1_post_ratio_vs_bare",
        "messages_delivered_in_db",
    ),
    "bench.deep_pages": ("customers_last_vs_first_p50", "conversation_middle_vs_first_p50"),
    "bench.memory": ("mumble_peak_rss_mib", "sandbox_peak_rss_mib", "mumble_peak_vs_bare_peak"),
    "bench.inbound_to_webhook": (
        "latency_p50_ms",
        "latency_p99_ms",
        "round_trips_per_message",
        "latency_p99_ratio_vs_inbound_post_p99",
        "delivered",
    ),
    "bench.import_customers": (
        "import_customers_per_s",
        "one_by_one_customers_per_s",
        "import_ratio_vs_one_by_one",
    ),
    "bench.campaign_create": ("create_campaign_median_s", "recipients_queued"),
}


def test_every_benchmark_has_a_smoke_check() -> None:
    assert set(EXPECTED) == set(BENCHMARKS)


@pytest.mark.parametrize("module", BENCHMARKS)
def test_benchmark_runs_quick_and_prints_its_figures(module: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")}
    env["MUMBLE_BENCH_DATABASE_URL"] = SERVER
    env["MUMBLE_BENCH_REDIS_URL"] = REDIS or "memory://"
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, done.stdout[-2000:]
    result = orjson.loads(lines[0].removeprefix("RESULT "))
    for figure in EXPECTED[module]:
        assert isinstance(result.get(figure), int | float), (figure, result)
    assert all(result[figure] > 0 for figure in EXPECTED[module]), result
