"""docker/: the files' structure, checked fast on every test run.

`.ci/docker` builds the images and runs the stack for real in CI; these tests catch a broken
file without an engine. The compose file must parse and describe the stack (replicas, one
worker, a one-shot migration, health checks, only real settings, defaults that agree with the
settings), and the Dockerfile must only copy what exists and what the installed package needs.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from mumble.cli import build_parser
from mumble.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
SETTINGS = {"MUMBLE_" + field.name.upper() for field in dataclasses.fields(Settings)}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return loaded


def _dockerfile(path: Path = DOCKER / "Dockerfile") -> list[tuple[str, str]]:
    """(instruction, arguments) per Dockerfile instruction, continuation lines joined; FROM
    lines with the global ARGs (those before the first FROM) at their defaults, as Docker
    builds them without --build-arg."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [line.strip() for line in text.splitlines()]
    instructions = [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]
    defaults: dict[str, str] = {}
    resolved: list[tuple[str, str]] = []
    for instruction, args in instructions:
        if instruction == "ARG" and not any(i == "FROM" for i, _ in resolved):
            name, _, default = args.partition("=")
            defaults[name] = _expand(default, defaults)
        elif instruction == "FROM":
            args = _expand(args, defaults)
        resolved.append((instruction, args))
    return resolved


def _expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values[m[1] or m[2]], text)


def _stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, FROM first (global ARGs belong to none)."""
    stages: list[list[tuple[str, str]]] = []
    for instruction, args in _dockerfile():
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, args))
    return stages


def test_the_stack_has_its_services_and_several_api_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "api", "worker", "lb"} <= set(services)
    assert services["api"]["deploy"]["replicas"] >= 2
    assert services["worker"].get("deploy", {}).get("replicas", 1) == 1
    assert services["sandbox"]["profiles"] == ["sandbox"]


def test_replicas_neither_migrate_nor_deliver_and_wait_for_the_one_shot_migration(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    api = services["api"]["environment"]
    assert api["MUMBLE_RUN_WORKER"] == "false"
    assert api["MUMBLE_MIGRATE_ON_START"] == "false"
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["worker"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["api"]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_every_process_shares_postgres_and_redis(compose: dict[str, Any]) -> None:
    for name in ("migrate", "api", "worker"):
        env = compose["services"][name]["environment"]
        assert env["MUMBLE_DATABASE_URL"].startswith("postgres://mumble:")
        assert "@postgres:5432/mumble" in env["MUMBLE_DATABASE_URL"]
        assert env["MUMBLE_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"


def test_compose_sets_only_settings_that_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        names = {key for key in service.get("environment") or {} if key.startswith("MUMBLE_")}
        assert names <= SETTINGS, (name, names - SETTINGS)


def test_long_running_services_have_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis", "api", "lb", "sandbox"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])
    # No HTTP in these: the image's HTTP health check would mark them unhealthy.
    for name in ("migrate", "worker"):
        assert services[name]["healthcheck"] == {"disable": True}


def test_compose_commands_are_real_mumble_commands(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for service in compose["services"].values():
        if "build" in service:
            assert (ROOT / "docker" / service["build"]["context"]).resolve() == ROOT
            assert (ROOT / service["build"]["dockerfile"]).is_file()
            parser.parse_args(service["command"])  # exits (fails the test) if unknown


def test_the_load_balancer_reaches_the_api_replicas(compose: dict[str, Any]) -> None:
    conf = (DOCKER / "nginx.conf").read_text()
    assert "set $api http://api:8000;" in conf
    assert "listen 8080;" in conf
    assert compose["services"]["lb"]["ports"] == ["${MUMBLE_HTTP_PORT:-8000}:8080"]
    assert compose["services"]["api"]["environment"]["MUMBLE_PORT"] == "8000"


def test_the_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    stages = _stages()
    assert len(stages) >= 2
    for stage in stages:
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)? AS \w+", stage[0][1]), stage[0]
    runtime = dict(stages[-1])
    user = runtime["USER"].split(":")[0]
    assert user not in ("root", "0")
    assert "useradd --system --uid 10001" in runtime["RUN"]
    assert runtime["ENTRYPOINT"] == '["mumble"]'
    assert runtime["CMD"] == '["serve"]'
    assert "/healthz" in runtime["HEALTHCHECK"]
    # The runtime copies only the built virtualenv, no source tree and no compiler.
    copies = [args for instruction, args in stages[-1] if instruction == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"


def test_every_path_the_dockerfile_copies_exists_and_is_not_ignored() -> None:
    ignored = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    sources = []
    for instruction, args in _dockerfile():
        if instruction == "COPY" and not args.startswith("--from"):
            *paths, _target = shlex.split(args)
            sources += paths
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source.rstrip("/") in kept, f"{source} is excluded by Dockerfile.dockerignore"


def test_every_data_file_of_the_package_is_installed() -> None:
    """The image installs a wheel: a file outside package-data would be missing there."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    for top in ("mumble", "templates_meta"):
        for path in (ROOT / top).rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            package = ".".join(path.parent.relative_to(ROOT).parts)
            patterns = package_data.get(package, []) + package_data.get("*", [])
            name = path.name
            assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), (
                f"{path.relative_to(ROOT)} is not in [tool.setuptools.package-data]"
            )


def test_compose_waits_longer_than_the_graceful_shutdown(compose: dict[str, Any]) -> None:
    """Docker's SIGKILL must not cut the drain short (MUMBLE_SHUTDOWN_GRACE_SECONDS)."""
    grace = Settings().shutdown_grace_seconds
    for name in ("api", "worker"):
        period = compose["services"][name]["stop_grace_period"]
        assert int(period.removesuffix("s")) > grace, name


def test_the_exec_form_instructions_are_valid_json_and_python() -> None:
    runtime = dict(_stages()[-1])
    options, _, command = runtime["HEALTHCHECK"].partition(" CMD ")
    assert "--interval=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    compile(argv[2], "<healthcheck>", "exec")
    assert json.loads(runtime["ENTRYPOINT"]) == ["mumble"]
    assert json.loads(runtime["CMD"]) == ["serve"]


_DEFAULTED = re.compile(r"^\$\{(\w+):-(.*)\}$")
# Where compose deliberately differs from a bare `mumble serve`: it talks to Meta, not to a
# sandbox of its own, and believes X-Forwarded-For from its own network (the load balancer).
_COMPOSE_OWN_DEFAULTS = {
    "MUMBLE_WHATSAPP_API_URL": "https://graph.facebook.com",
    "MUMBLE_TRUSTED_PROXIES": "172.30.0.0/24",
}


def test_images_are_variables_defaulting_to_the_official_images(compose: dict[str, Any]) -> None:
    """A machine without a registry runs images it built (.ci/docker); everyone else pulls."""
    services = compose["services"]
    expected = {
        "postgres": ("MUMBLE_POSTGRES_IMAGE", "postgres:15-alpine"),
        "redis": ("MUMBLE_REDIS_IMAGE", "redis:7-alpine"),
        "lb": ("MUMBLE_NGINX_IMAGE", "nginx:1.27-alpine"),
    }
    for name, (variable, default) in expected.items():
        assert services[name]["image"] == f"${{{variable}:-{default}}}", name
    for name in ("migrate", "api", "worker", "sandbox"):
        assert services[name]["image"] == "${MUMBLE_IMAGE:-mumble:local}", name


def test_compose_defaults_agree_with_the_settings(compose: dict[str, Any]) -> None:
    defaults = Settings()
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            match = _DEFAULTED.match(str(value))
            if not key.startswith("MUMBLE_") or not match or match[1] != key:
                continue
            field = key.removeprefix("MUMBLE_").lower()
            own = getattr(defaults, field)
            expected = str(own).lower() if isinstance(own, bool) else str(own)
            assert match[2] == _COMPOSE_OWN_DEFAULTS.get(key, expected), (name, key)


def test_the_env_example_sets_what_compose_requires_and_nothing_unknown() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    referenced = set(re.findall(r"\$\{(\w+)", text))
    example = (DOCKER / ".env.example").read_text().splitlines()
    set_keys = {line.split("=", 1)[0] for line in example if re.match(r"^[A-Z_]+=", line)}
    mentioned = {m[1] for line in example if (m := re.match(r"^#? ?([A-Z_]+)=", line))}
    assert required <= set_keys
    assert mentioned <= referenced, mentioned - referenced


def test_the_debian_images_build_on_a_base_argument() -> None:
    """docker/debian/: what .ci/docker builds on a debootstrap base, or anyone on Debian's."""
    files = sorted((DOCKER / "debian").glob("*.Dockerfile"))
    assert {f.name for f in files} == {
        "python.Dockerfile",
        "postgres.Dockerfile",
        "redis.Dockerfile",
        "nginx.Dockerfile",
    }
    for path in files:
        instructions = _dockerfile(path)
        assert instructions[0] == ("ARG", "BASE_IMAGE=debian:bookworm-slim"), path.name
        assert instructions[1] == ("FROM", "debian:bookworm-slim"), path.name
        for instruction, args in instructions:
            if instruction == "COPY":
                source = DOCKER / "debian" / shlex.split(args)[0]
                assert source.is_file(), source
                assert source.stat().st_mode & 0o111, f"{source.name} is not executable"
