"""Run every benchmark in turn: `python -m bench [--quick]` (each in its own process)."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "bench.get_customer",
    "bench.send_text",
    "bench.inbound_statuses",
    "bench.deep_pages",
    "bench.memory",
    "bench.inbound_to_webhook",
    "bench.import_customers",
    "bench.campaign_create",
)


def main() -> int:
    """Runs each benchmark with this command's arguments; non-zero if any failed."""
    failed = []
    for module in BENCHMARKS:
        print(f"\n### python -m {module} {' '.join(sys.argv[1:])}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *sys.argv[1:]], check=False).returncode:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
