"""Queue tests call the queue directly: no background worker may compete for the rows."""

from __future__ import annotations

import dataclasses

import pytest

from mumble.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, run_worker=False)
