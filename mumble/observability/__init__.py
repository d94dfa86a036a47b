"""Operating Mumble: health and readiness probes, Prometheus metrics, their routes.

`metrics` holds every metric family (counted where things happen: the request middleware, the
send pipeline, the Graph client, the limiter, the webhook worker, the inbound webhook); `health`
holds the readiness checks; `routes` serves /healthz, /readyz and /metrics outside /mumbleapi.
"""
