"""Outbound pacing: the one gate every send to Meta passes (throughput, pair rate, limits)."""
