"""Pacing tests: the app with a small default throughput and pair burst, so a handful of sends
reaches each limit, and no messaging rate limit in the way."""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from mumble.settings import Settings

REDIS_URL = os.environ.get("MUMBLE_TEST_REDIS_URL", "")
DEFAULT_MPS = 2
PAIR_BURST = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        rate_limit_messaging="unlimited",
        pace_default_mps=DEFAULT_MPS,
        pace_pair_burst=PAIR_BURST,
    )


@pytest.fixture
def redis_url() -> str:
    """Redis at MUMBLE_TEST_REDIS_URL (required to be up when set), else the test is skipped."""
    if not REDIS_URL:
        pytest.skip("MUMBLE_TEST_REDIS_URL is not set")
    return REDIS_URL


def prefix() -> str:
    return f"mumble-test-{uuid.uuid4().hex}"
