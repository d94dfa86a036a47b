"""Write schema migrations for model changes (`make migrations`), against a scratch SQLite file."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tortoise.cli import main as tortoise_main

from mumble.db import tortoise_config

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        config_module = Path(scratch) / "scratch_config.py"
        url = f"sqlite://{Path(scratch) / 'scratch.sqlite3'}"
        config_module.write_text(f"TORTOISE_ORM = {tortoise_config(url)!r}\n")
        sys.path.insert(0, scratch)
        sys.argv = ["tortoise", "-c", "scratch_config.TORTOISE_ORM", "makemigrations"]
        tortoise_main()
