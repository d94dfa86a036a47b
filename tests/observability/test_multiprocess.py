"""PROMETHEUS_MULTIPROC_DIR: several processes count into one directory and /metrics sums them.

Multi-process mode is chosen when prometheus-client is imported, so every process here is a
real subprocess with the variable set (this test process stays in single-process mode).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.observability.test_serve import running_serve

_COUNT = """
from mumble.observability import metrics
for _ in range({n}):
    metrics.count_rate_limited("ip")
    metrics.observe_request("GET", "/healthz", 200, 0.003)
"""
_RENDER = """
import sys
from mumble.observability import metrics
assert metrics.is_multiprocess()
sys.stdout.write(metrics.render().decode())
"""


async def _python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def _sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


async def test_counts_of_separate_processes_are_summed(tmp_path: Path) -> None:
    await _python(_COUNT.format(n=2), tmp_path)
    await _python(_COUNT.format(n=3), tmp_path)

    text = await _python(_RENDER, tmp_path)

    assert _sample(text, "mumble_rate_limit_rejections_total", layer="ip") == 5
    route = {"method": "GET", "route": "/healthz"}
    assert _sample(text, "mumble_http_request_duration_seconds_count", **route) == 5
    assert _sample(text, "mumble_http_request_duration_seconds_bucket", **route, le="0.005") == 5


async def test_served_metrics_include_other_processes_and_drop_live_gauges_at_exit(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    async with running_serve(tmp_path, extra_env=env) as serve, httpx.AsyncClient() as http:
        await _python(_COUNT.format(n=4), directory)  # another process on the same host
        assert (await http.get(serve.api + "/healthz")).status_code == 200
        text = (await http.get(serve.api + "/metrics")).text
        live = sorted(path.name for path in directory.glob("gauge_livesum_*.db"))
        serve.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(serve.proc.wait(), 30) == 0

    assert _sample(text, "mumble_rate_limit_rejections_total", layer="ip") == 4
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    # The served process's own request (4 from the other process, >= 2 from the probes here).
    assert _sample(text, "mumble_http_requests_total", **healthz) >= 6
    # The scrape counts itself as in progress; the outbox gauge comes from the database.
    assert _sample(text, "mumble_http_requests_in_progress") == 1
    assert _sample(text, "mumble_webhook_outbox_depth", status="pending") == 0
    # The server's live gauge file existed while it ran and is gone once it stopped.
    own = f"gauge_livesum_{serve.proc.pid}.db"
    assert own in live
    assert not (directory / own).exists()
