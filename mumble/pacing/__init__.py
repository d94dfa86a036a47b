"""Outbound pacing: the one gate every send to Meta passes (throughput, pair rate, limits).

- `pacer.Pacer`: `acquire(send, now)` admits a send or raises `errors.Paced` (wait
  `retry_after`, then try again) / `errors.MarketingHeld` (131049: no marketing to that user for
  24 h); `slow_down(send, code, now, retry_after)` after Meta's back-pressure codes.
- `pacer.Outbound`: one send as the pacer sees it; `channel.outbound(account, user, ...)` builds
  it from the account's pace columns.
- `rules`: the arithmetic (GCRA, the rolling messaging limit, tiers, back-off), pure.
- `store`: the gates in memory or Redis (one Lua script per decision).
- `channel`: the pace Meta reports (Graph fields, quality and capability webhooks, failed
  statuses) and an admin's override; `sync`: the periodic Graph refresh.
"""
