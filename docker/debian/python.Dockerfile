# Python 3.11 from Debian's packages: the BASE_IMAGE of docker/Dockerfile where the official
# python:3.11-slim-bookworm cannot be pulled (.ci/docker builds this on a debootstrap base).
#   DOCKER_BUILDKIT=1 docker build -f docker/debian/python.Dockerfile -t mumble-ci/python docker/debian
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# python-is-python3: `python` on PATH, as in the official image (the HEALTHCHECK calls it);
# netbase and tzdata: /etc/services, /etc/protocols and zoneinfo, as the official image has.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv python-is-python3 ca-certificates netbase tzdata \
    && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
