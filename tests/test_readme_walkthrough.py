"""The README's walk-through runs as written on a fresh `make run`.

The blocks fenced as ```sh walkthrough are run in order by bash against a live `mumble serve`
(a subprocess, SQLite in a temporary directory, the embedded sandbox, free ports), after the
shell variables its banner prints. Every curl in them must answer 2xx with the success envelope
(sandbox control calls: 2xx, no error, and every webhook they delivered accepted).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.sandbox.test_cli import _env, _free_port, _wait_until_up

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```(\S*)( walkthrough)?\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ASSIGNED = re.compile(r"^([A-Z_]+)=", re.MULTILINE)

# Every curl goes through this: the answer's status and body are recorded, the body printed as
# curl -s prints it, so `$(curl ... | python3 ...)` in the README works unchanged.
CURL_RECORDER = r"""
curl() {
  local body status url="" arg
  for arg in "$@"; do case $arg in http*) url=$arg ;; esac; done
  body=$(mktemp "$CALLS/body.XXXXXX")
  status=$(command curl --max-time 30 -o "$body" -w '%{http_code}' "$@") || return
  printf '%s\t%s\t%s\n' "$status" "$body" "$url" >> "$CALLS/index"
  cat "$body"
  echo
}
"""


def walkthrough() -> tuple[str, list[str]]:
    """The README's setup block (the one before the first walk-through block) and the blocks."""
    setup, blocks = "", []
    for language, marked, text in BLOCK.findall(README.read_text()):
        if marked:
            blocks.append(text)
        elif language == "sh" and not blocks:
            setup = text
    return setup, blocks


@dataclass
class Banner:
    variables: list[str] = field(default_factory=list)
    first_call: str = ""


async def _read_banner(stdout: asyncio.StreamReader) -> Banner:
    """The variable lines after "walk-through starts from", and the command after "Try:"."""
    banner, section = Banner(), ""
    while line := (await asyncio.wait_for(stdout.readline(), 60)).decode():
        text = line.strip()
        if "walk-through starts from these shell variables" in text:
            section = "variables"
        elif text == "Try:":
            section = "try"
        elif section == "variables":
            banner.variables.append(text)
        elif section == "try":
            banner.first_call = text
            return banner
    raise AssertionError("mumble serve printed no walk-through variables")


@asynccontextmanager
async def _serve(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[Banner]:
    """`mumble serve` as `make run` starts it, on an empty database; yields its banner."""
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mumble", "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=log
    )
    assert proc.stdout is not None
    try:
        banner = await _read_banner(proc.stdout)
        drain = asyncio.create_task(proc.stdout.read())  # the pipe never fills up
        await _wait_until_up(f"http://127.0.0.1:{env['MUMBLE_PORT']}/healthz")
        await _wait_until_up(f"http://127.0.0.1:{env['MUMBLE_SANDBOX_PORT']}/_sandbox/health")
        yield banner
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
    await drain


def _workdir(tmp_path: Path) -> tuple[Path, str]:
    """A directory where `.venv/bin/mumble` and `python3` are this interpreter; and its PATH."""
    work, tools = tmp_path / "work", tmp_path / "tools"
    (work / ".venv" / "bin").mkdir(parents=True)
    tools.mkdir()
    mumble = work / ".venv" / "bin" / "mumble"
    mumble.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mumble "$@"\n')
    mumble.chmod(0o755)
    (tools / "python3").symlink_to(sys.executable)
    return work, f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"


def _script(banner: Banner, blocks: list[str]) -> str:
    parts = ["set -euo pipefail", "shopt -s inherit_errexit", CURL_RECORDER]
    parts += [*banner.variables, banner.first_call]
    for number, block in enumerate(blocks, 1):
        parts += [f"echo '--- walk-through block {number}' >&2", block]
    return "\n".join(parts) + "\n"


def _problem(status: str, body_file: str, url: str) -> str | None:
    """Why one recorded call is not a success, or None."""
    text = Path(body_file).read_text()
    if not status.startswith("2"):
        return f"{url} answered {status}: {text}"
    try:
        answer: Any = json.loads(text)
    except ValueError:
        return f"{url} answered no JSON: {text}"
    if not isinstance(answer, dict):
        return f"{url} answered {text}"
    if "/mumbleapi/" in url:
        # create-template keeps the reference's success shape, {"error": false, ...}.
        if answer.get("success") is not True and answer.get("error") is not False:
            return f"{url} answered {text}"
        return None
    delivery = answer.get("delivery", [])
    deliveries = delivery if isinstance(delivery, list) else [delivery]
    if "error" in answer or any(code != 200 for code in deliveries):
        return f"{url} (sandbox) answered {text}"
    return None


async def test_the_readme_walkthrough_runs_as_written_on_a_fresh_serve(tmp_path: Path) -> None:
    setup, blocks = walkthrough()
    assert len(blocks) >= 4, "the README's ```sh walkthrough blocks are missing"
    work, path = _workdir(tmp_path)
    calls = tmp_path / "calls"
    calls.mkdir()
    env = _env(
        database_url=f"sqlite://{tmp_path / 'var' / 'mumble.sqlite3'}",
        port=str(_free_port()),
        sandbox_port=str(_free_port()),
    ) | {"PATH": path, "CALLS": str(calls)}

    async with _serve(tmp_path, env) as banner:
        bash = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            _script(banner, blocks),
            cwd=work,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(bash.communicate(), 180)

    recorded = [line.split("\t") for line in (calls / "index").read_text().splitlines()]
    problems = [p for status, body, url in recorded if (p := _problem(status, body, url))]
    output = f"stderr:\n{err.decode()}\nstdout:\n{out.decode()}"
    # The refused calls first: a refusal is usually what stopped the script.
    assert (problems, bash.returncode) == ([], 0), "\n".join([*problems, output])
    # Every curl of the README ran (none skipped by a shell mistake), the banner's first one too.
    assert len(recorded) == 1 + sum(block.count("curl ") for block in blocks), output
    # The README's setup block sets what the banner prints, by the same names.
    assert ASSIGNED.findall(setup) == ASSIGNED.findall("\n".join(banner.variables))
    assert banner.first_call in setup
