"""A flow bot's document: its nodes, checked completely on save, and the rules a run follows.

A flow is `{"start": "<node id>", "nodes": {"<node id>": {"type": ..., ...}}}`. Nodes that send
or change something name the node after them in `next`; `wait` stops the run until the customer
answers (`next`) or `timeout_seconds` pass (`on_timeout`); `branch` picks a target from the last
answer; `handoff` and `end` finish the run. `problems` lists every problem of a document at
once, so a client fixes a flow in one round; it is pure (what it must know of the account, the
approved templates and the teams and agents, is passed in). Reply buttons and lists are checked
by the same code as send-interactive-message, so a flow that saves sends what Meta accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mumble.customers.fields import CONVERSATION_STATUS_SET, is_custom_field_name
from mumble.errors import MumbleError
from mumble.messages.interactive import InteractiveRequest, build_interactive
from mumble.messages.media_types import media_type_for
from mumble.urlguard import is_http_url

NODE_TYPES = (
    "send_text",
    "send_media",
    "send_template",
    "send_buttons",
    "send_list",
    "wait",
    "branch",
    "set_label",
    "set_field",
    "set_status",
    "handoff",
    "end",
)
SENDS = frozenset({"send_text", "send_media", "send_template", "send_buttons", "send_list"})
# Nodes that finish a run: nothing follows them.
FINAL = frozenset({"handoff", "end"})
NODES_MAX = 200
NODE_ID_MAX = 64
TEXT_MAX = 4096
MEDIA_KINDS = ("image", "video", "audio", "document")
# A wait may last up to Meta's 24-hour window (a later timeout could send nothing anyway).
TIMEOUT_MAX = 24 * 3600
PATTERN_MAX = 200
# Only this much of an answer is matched against a regular expression: with a bounded pattern
# free of nested quantifiers, a bounded text keeps any match cheap.
MATCHED_TEXT_MAX = 1000
# A quantified group holding a quantifier, as in (a+)+ or (\w*)*: the shape of catastrophic
# backtracking, refused on save.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
DEFAULT_HANDOFF_KEYWORDS = ("agent", "human")


@dataclass(frozen=True)
class Known:
    """What a flow may name in the account: its approved templates, teams and agents (ids)."""

    approved_templates: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()


@dataclass
class _Problems:
    found: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.found.append(text)

    def text(self, where: str, value: Any, maximum: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(f"{where} is required")
            return
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where} must be a non-empty text")
        elif len(value) > maximum:
            self.add(f"{where} must be at most {maximum} characters")


def targets(node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every (field, target) a node names: `next`, `on_timeout`, branch cases and `default`."""
    for name in ("next", "on_timeout", "default"):
        if name in node:
            yield name, node[name]
    cases = node.get("cases")
    if isinstance(cases, list):
        for i, case in enumerate(cases):
            if isinstance(case, dict):
                yield f"cases[{i}].next", case.get("next")


def _interactive(problems: _Problems, where: str, node: Mapping[str, Any], kind: str) -> None:
    request = InteractiveRequest(
        kind=kind,
        body=node.get("body"),
        header=node.get("header"),
        footer=node.get("footer"),
        buttons=node.get("buttons"),
        button=node.get("button"),
        sections=node.get("sections"),
    )
    try:
        build_interactive(request)
    except MumbleError as exc:
        for detail in exc.details or [exc.message]:
            problems.add(f"{where}: {detail}")


def _regex(problems: _Problems, where: str, pattern: Any) -> None:
    if not isinstance(pattern, str) or not pattern:
        problems.add(f"{where}.regex must be a non-empty text")
        return
    if len(pattern) > PATTERN_MAX:
        problems.add(f"{where}.regex must be at most {PATTERN_MAX} characters")
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.add(f"{where}.regex does not compile: {exc}")
        return
    if _NESTED_QUANTIFIER.search(pattern):
        problems.add(f"{where}.regex nests a quantifier inside a quantified group")


def _branch(problems: _Problems, where: str, node: Mapping[str, Any]) -> None:
    cases = node.get("cases")
    if not isinstance(cases, list) or not cases:
        problems.add(f"{where}.cases must be a non-empty list")
        cases = []
    for i, case in enumerate(cases):
        at = f"{where}.cases[{i}]"
        if not isinstance(case, dict):
            problems.add(f"{at} must be an object")
            continue
        kinds = [k for k in ("button", "keyword", "regex") if k in case]
        if len(kinds) != 1:
            problems.add(f"{at} must have exactly one of button, keyword, regex")
        elif kinds[0] == "regex":
            _regex(problems, at, case["regex"])
        elif kinds[0] == "keyword":
            words = case["keyword"] if isinstance(case["keyword"], list) else [case["keyword"]]
            if not words or not all(isinstance(w, str) and w.strip() for w in words):
                problems.add(f"{at}.keyword must be a word or a list of words")
        else:
            problems.text(f"{at}.button", case["button"], 256)
        if "next" not in case:
            problems.add(f"{at} has no target (next)")
    if "default" not in node:
        problems.add(f"{where} has no default target")


def _node(problems: _Problems, where: str, node: Mapping[str, Any], known: Known) -> None:
    kind = node["type"]
    if kind not in FINAL and kind != "branch" and "next" not in node:
        problems.add(f"{where} has no target (next)")
    if kind == "send_text":
        problems.text(f"{where}.text", node.get("text"), TEXT_MAX)
    elif kind == "send_media":
        if node.get("media_type") not in MEDIA_KINDS:
            problems.add(f"{where}.media_type must be one of: {', '.join(MEDIA_KINDS)}")
        link = node.get("link")
        if not isinstance(link, str) or not is_http_url(link):
            problems.add(f"{where}.link must be an http(s) URL")
        else:
            try:
                media_type_for(node.get("filename"), link)
            except MumbleError as exc:
                problems.add(f"{where}.link: {exc.message}")
        problems.text(f"{where}.caption", node.get("caption"), 1024, required=False)
    elif kind == "send_template":
        template = node.get("template_id")
        if not isinstance(template, str) or template not in known.approved_templates:
            problems.add(f"{where}.template_id is not an approved template of the account")
        values = node.get("variables", [])
        if not isinstance(values, list | dict):
            problems.add(f"{where}.variables must be a list or an object")
    elif kind == "send_buttons":
        _interactive(problems, where, node, "button")
    elif kind == "send_list":
        _interactive(problems, where, node, "list")
    elif kind == "wait":
        timeout = node.get("timeout_seconds")
        if timeout is not None:
            if not isinstance(timeout, int) or isinstance(timeout, bool):
                problems.add(f"{where}.timeout_seconds must be a whole number")
            elif not 1 <= timeout <= TIMEOUT_MAX:
                problems.add(f"{where}.timeout_seconds must be 1 to {TIMEOUT_MAX}")
            if "on_timeout" not in node:
                problems.add(f"{where} has a timeout but no timeout target (on_timeout)")
        elif "on_timeout" in node:
            problems.add(f"{where}.on_timeout needs timeout_seconds")
    elif kind == "branch":
        _branch(problems, where, node)
    elif kind == "set_label":
        problems.text(f"{where}.label", node.get("label"), 100)
    elif kind == "set_field":
        name = node.get("field")
        if not isinstance(name, str) or not is_custom_field_name(name):
            problems.add(f"{where}.field must be a custom field name")
        problems.text(f"{where}.value", node.get("value"), 1000)
    elif kind == "set_status":
        if node.get("status") not in CONVERSATION_STATUS_SET:
            problems.add(f"{where}.status is not a conversation status")
    elif kind == "handoff":
        team, agent = node.get("team_id"), node.get("agent_id")
        if team is not None and team not in known.teams:
            problems.add(f"{where}.team_id is not a team of the account")
        if agent is not None and agent not in known.agents:
            problems.add(f"{where}.agent_id is not an agent of the account")


def _reachable(start: str, nodes: Mapping[str, Any]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        node = nodes.get(todo.pop())
        if not isinstance(node, dict):
            continue
        for _, target in targets(node):
            if isinstance(target, str) and target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def problems(flow: Any, known: Known) -> list[str]:
    """Every problem of a flow document, in document order; empty when it may be saved."""
    found = _Problems()
    if not isinstance(flow, dict):
        return ["flow must be an object with start and nodes"]
    nodes = flow.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        return ["flow.nodes must be a non-empty object of nodes by id"]
    if len(nodes) > NODES_MAX:
        found.add(f"flow.nodes holds at most {NODES_MAX} nodes")
    start = flow.get("start")
    if not isinstance(start, str) or not start:
        found.add("flow has no start node (start)")
    elif start not in nodes:
        found.add(f"flow.start names an unknown node {start!r}")
    for node_id, node in nodes.items():
        where = f"nodes.{node_id}"
        if not node_id or len(node_id) > NODE_ID_MAX:
            found.add(f"{where}: node ids are 1 to {NODE_ID_MAX} characters")
        if not isinstance(node, dict):
            found.add(f"{where} must be an object")
            continue
        if node.get("type") not in NODE_TYPES:
            found.add(f"{where}.type {node.get('type')!r} is not a node type")
            continue
        _node(found, where, node, known)
        if node["type"] in FINAL and "next" in node:
            found.add(f"{where}: a {node['type']} node has no next")
        for name, target in targets(node):
            if not isinstance(target, str) or target not in nodes:
                found.add(f"{where}.{name} names an unknown node {target!r}")
    if isinstance(start, str) and start in nodes:
        unreachable = [n for n in nodes if n not in _reachable(start, nodes)]
        found.found.extend(f"nodes.{n} is unreachable from the start node" for n in unreachable)
    return found.found


def counts_as_keyword(text: str | None, keywords: tuple[str, ...] | list[str]) -> bool:
    """True when the whole answer (any case, outer spaces and punctuation aside) is a keyword."""
    if not text:
        return False
    word = text.strip().strip(".!?").strip().casefold()
    return any(word == keyword.strip().casefold() for keyword in keywords)


def branch_target(node: Mapping[str, Any], reply: Mapping[str, Any]) -> str:
    """The target a branch node picks for the last answer: the first case that matches (a
    button or list id, a keyword, a regular expression on the first characters), else default."""
    text = reply.get("text") or ""
    choice = reply.get("choice_id")
    for case in node["cases"]:
        if "button" in case and choice is not None and choice == case["button"]:
            return str(case["next"])
        if "keyword" in case:
            words = case["keyword"] if isinstance(case["keyword"], list) else [case["keyword"]]
            if counts_as_keyword(text, words):
                return str(case["next"])
        if "regex" in case and re.search(case["regex"], text[:MATCHED_TEXT_MAX]):
            return str(case["next"])
    return str(node["default"])
