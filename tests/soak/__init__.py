"""The fault soak: `python -m tests.soak` (run by `.ci/soak` in CI).

Two `mumble serve` processes and one `mumble worker` on PostgreSQL + Redis, the sandbox as Meta
with 10% of sends faulted and status webhooks duplicated and reordered, an event receiver that
fails a third of the events, one kill -9 of an API process and one of the worker mid-run. It
prints five figures computed from what is stored, what the sandbox received and what the
receiver saw, and exits non-zero unless every one is 0 (or when it runs out of time).

No module here is named test_*: pytest does not collect the soak.
"""
