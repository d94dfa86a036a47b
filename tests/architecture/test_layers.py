"""Dependencies point one way: the layers of the README's architecture section, enforced.

Each module of `mumble/` and `templates_meta/` belongs to one layer; a module imports only from
its own layer or those below. Within a layer the packages form no cycle, and no module
anywhere is part of an import cycle.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

import pytest

from tests.architecture.imports import cycles, graph

# A module's layer is the first of these whose patterns match its name (so the composition's
# `mumble.openapi.routes` is not taken for a domain's routes).
LAYERS: dict[str, tuple[str, ...]] = {
    # Facts and tools that know no domain: settings, errors, text and clocks, Meta's rules and
    # its Graph API, the ORM models and the database, metrics.
    "foundation": (
        "templates_meta*",
        "mumble",
        "mumble.settings",
        "mumble.clock",
        "mumble.logs",
        "mumble.errors",
        "mumble.text",
        "mumble.phones",
        "mumble.paging",
        "mumble.permissions",
        "mumble.network",
        "mumble.urlguard",
        "mumble.wakeup",
        "mumble.tasks",
        "mumble.openapi",
        "mumble.openapi.schema",
        "mumble.observability",
        "mumble.observability.metrics",
        "mumble.whatsapp*",
        "mumble.db*",
        "mumble.models*",
    ),
    # What every request and worker uses: reading parameters, keys, limits, idempotency, the
    # event outbox and its delivery, the service graph.
    "infrastructure": (
        "mumble.body",
        "mumble.forms",
        "mumble.params",
        "mumble.auth",
        "mumble.ratelimit",
        "mumble.ratecount",
        "mumble.idempotency",
        "mumble.services",
        "mumble.accounts*",
        "mumble.events*",
        "mumble.pacing*",
    ),
    # What puts it all together.
    "composition": (
        "mumble.app",
        "mumble.middleware",
        "mumble.openapi.*",
        "mumble.cli*",
        "mumble.__main__",
    ),
    # The HTTP layer's own module, then every domain's routes and the probes.
    "http": (
        "mumble.endpoint",
        "mumble.*.routes",
        "mumble.*.routes_*",
        "mumble.messages.params",
        "mumble.search.params",
    ),
    # The rules: one package per domain, services and flows.
    "domains": (
        "mumble.customers*",
        "mumble.labels*",
        "mumble.team*",
        "mumble.bots*",
        "mumble.channels*",
        "mumble.messages*",
        "mumble.conversations*",
        "mumble.templates*",
        "mumble.inbound*",
        "mumble.webhooks*",
        "mumble.search*",
        "mumble.consent*",
        "mumble.scheduled*",
        "mumble.campaigns*",
        "mumble.observability.health",
    ),
    # The Cloud API emulator: beside the app, sharing only Meta's side of things.
    "sandbox": ("mumble.sandbox*",),
}
# Order of the layers from the bottom; the HTTP layer sits above the domains it calls.
ORDER = ("foundation", "infrastructure", "domains", "http", "composition")
# What the sandbox may use of ours: Meta's rules, payload shapes and signatures, the clock.
SANDBOX_ALLOWED = (
    "mumble.sandbox*",
    "mumble.clock",
    "mumble.whatsapp.payloads",
    "mumble.whatsapp.signature",
    "templates_meta*",
)
# The Graph API adapter knows nothing of ours but its own modules and the metrics it counts.
WHATSAPP_ALLOWED = ("mumble.whatsapp*", "mumble.observability.metrics")
# Leaves of the foundation that import nothing of ours (or only what is listed).
LEAVES = {
    "mumble.settings": (),
    "mumble.clock": (),
    "mumble.errors": ("mumble.logs",),
    "mumble.openapi.schema": (),
    "templates_meta*": ("templates_meta*",),
    "mumble.models*": ("mumble.models*",),
}


def layer_of(module: str) -> str:
    for layer, patterns in LAYERS.items():
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _matches(module: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns)


def _domain_package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """`a -> b` for each import from a lower layer into a higher one (sandbox aside)."""
    found = []
    for source, targets in edges.items():
        source_layer = layer_of(source)
        for target in targets:
            target_layer = layer_of(target)
            if source_layer == "sandbox" or target_layer == "sandbox":
                continue
            if ORDER.index(target_layer) > ORDER.index(source_layer):
                found.append(f"{source} ({source_layer}) -> {target} ({target_layer})")
    return sorted(found)


def routes_imported_by_others(edges: dict[str, set[str]]) -> list[str]:
    """Routes are assembled by the app only: no routes module is imported by anything else."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in edges.items()
        for target in targets
        if target.rsplit(".", 1)[-1].startswith("routes") and source != "mumble.app"
    )


def package_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Cycles between the domain packages (mumble.customers, mumble.messages, ...)."""
    packages: dict[str, set[str]] = {}
    for source, targets in edges.items():
        if layer_of(source) not in ("domains", "infrastructure"):
            continue
        mine = _domain_package(source)
        packages.setdefault(mine, set())
        for target in targets:
            theirs = _domain_package(target)
            if theirs != mine and layer_of(target) in ("domains", "infrastructure"):
                packages[mine].add(theirs)
    return cycles(packages)


def confined(edges: dict[str, set[str]]) -> list[str]:
    """Imports out of the modules whose dependencies are listed (sandbox, adapter, leaves)."""
    rules = [("mumble.sandbox*", SANDBOX_ALLOWED), ("mumble.whatsapp*", WHATSAPP_ALLOWED)]
    rules += [(leaf, allowed) for leaf, allowed in LEAVES.items()]
    found = []
    for source, targets in edges.items():
        for pattern, allowed in rules:
            if fnmatch.fnmatchcase(source, pattern):
                found += [f"{source} -> {t}" for t in targets if not _matches(t, allowed)]
    return sorted(found)


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return graph()


def test_every_module_has_a_layer(edges: dict[str, set[str]]) -> None:
    for module in edges:
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it(edges: dict[str, set[str]]) -> None:
    assert upward_imports(edges) == []


def test_routes_are_imported_by_the_app_only(edges: dict[str, set[str]]) -> None:
    assert routes_imported_by_others(edges) == []


def test_domain_packages_form_no_cycle(edges: dict[str, set[str]]) -> None:
    assert package_cycles(edges) == []


def test_no_import_cycle_anywhere(edges: dict[str, set[str]]) -> None:
    assert cycles(edges) == []


def test_the_sandbox_the_adapter_and_the_leaves_import_only_what_they_may(
    edges: dict[str, set[str]],
) -> None:
    assert confined(edges) == []


@pytest.mark.parametrize(
    ("source", "target", "rule"),
    [
        # The arrows the architecture review found, each caught by one rule.
        ("mumble.whatsapp.client", "mumble.errors", confined),
        ("mumble.whatsapp.errors", "mumble.errors", confined),
        ("mumble.idempotency", "mumble.endpoint", upward_imports),
        ("mumble.messages.flows", "mumble.endpoint", upward_imports),
        ("mumble.conversations.routes", "mumble.messages.routes", routes_imported_by_others),
        ("mumble.middleware", "mumble.observability.routes", routes_imported_by_others),
        ("mumble.sandbox.graph", "mumble.messages.service", confined),
    ],
)
def test_each_arrow_the_review_found_would_fail(
    edges: dict[str, set[str]], source: str, target: str, rule: Callable[..., list[str]]
) -> None:
    assert rule(edges) == []
    assert rule({**edges, source: {*edges[source], target}}) != []


def test_a_cycle_between_domain_packages_or_modules_would_fail(
    edges: dict[str, set[str]],
) -> None:
    back = "mumble.conversations.service"
    looped = {**edges, "mumble.messages.service": {*edges["mumble.messages.service"], back}}
    assert package_cycles(looped) != []
    sandbox = {**edges, "mumble.sandbox.graph": {*edges["mumble.sandbox.graph"], "mumble.sandbox"}}
    sandbox["mumble.sandbox"] = {*edges["mumble.sandbox"], "mumble.sandbox.app"}
    sandbox["mumble.sandbox.app"] = {*edges["mumble.sandbox.app"], "mumble.sandbox.graph"}
    assert cycles(sandbox) != []
