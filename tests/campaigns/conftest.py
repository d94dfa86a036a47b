"""The API tests (test_api_*) inspect campaigns as create-campaign left them: their app runs no
campaign runner. The runner tests (test_run_*) choose their own senders."""

from __future__ import annotations

import dataclasses

import pytest

from mumble.settings import Settings


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if request.module.__name__.rsplit(".", 1)[-1].startswith("test_api_"):
        return dataclasses.replace(settings, run_worker=False)
    return settings
