"""The compose stack end to end, over real HTTP through 127.0.0.1 (run by .ci/docker).

Given a running stack (`up -d` with the sandbox profile) and the webhook receiver beside it:
every health check passes; an account and key are made with the `migrate` service; a customer is
added, writes in through the sandbox (whose webhook crosses the load balancer), gets a text that
reaches `delivered`; the signed `message.received` event arrives at the receiver; each replica
answers /readyz and /metrics. Then one replica is killed mid-traffic: no request is lost beyond
those it had in flight, every acknowledged write is stored, and after `up -d` the stack is whole
again and the restarted replica serves. Standard library only; any failed check exits non-zero.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

PHONE_NUMBER_ID = "100000000000017"
WABA_ID = "200000000000017"
CUSTOMER = "972501234567"
# Requests go straight to 127.0.0.1, never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Failed(Exception):
    """A check that did not hold."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failed(message)


def log(message: str) -> None:
    sys.stdout.write(f"[e2e {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


def http(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15.0,
) -> tuple[int, bytes]:
    """(status, body) of one request; HTTP errors are answers too, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_json(method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    status, raw = http(method, url, **kwargs)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_for(what: str, probe: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (OSError, ValueError) as exc:  # not answering yet
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    raise Failed(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@dataclasses.dataclass
class Stack:
    compose: list[str]
    docker: list[str]
    project: str
    api: str  # the load balancer, http://127.0.0.1:PORT
    sandbox: str
    receiver: str
    receiver_url: str  # the receiver as the stack's worker sees it

    def run(self, *argv: str, timeout: float = 120) -> str:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise Failed(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def cli_json(self, *argv: str) -> dict[str, Any]:
        """A `mumble` admin command through the migrate service, as the README shows it."""
        out = self.run(*self.compose, "run", "--rm", "-T", "migrate", *argv, "--json")
        lines = [line for line in out.splitlines() if line.strip().startswith("{")]
        check(lines, f"no JSON from mumble {' '.join(argv)}: {out!r}")
        return json.loads(lines[-1])  # type: ignore[no-any-return]

    def containers(self) -> list[dict[str, Any]]:
        """`docker inspect` of the project's service containers (not `run` one-offs)."""
        ids = self.run(
            *self.docker, "ps", "-aq",
            "--filter", f"label=com.docker.compose.project={self.project}",
            "--filter", "label=com.docker.compose.oneoff=False",
        ).split()  # fmt: skip
        if not ids:
            return []
        return json.loads(self.run(*self.docker, "inspect", *ids))  # type: ignore[no-any-return]

    def api_replicas(self) -> list[dict[str, Any]]:
        return [c for c in self.containers() if _service(c) == "api"]

    def exec_python(self, container: str, code: str) -> Any:
        return json.loads(self.run(*self.docker, "exec", container, "python", "-c", code))


def _service(container: dict[str, Any]) -> str:
    return str(container["Config"]["Labels"].get("com.docker.compose.service", ""))


def _state(container: dict[str, Any]) -> str:
    state = container["State"]
    if state["Status"] == "exited":
        return f"exited({state['ExitCode']})"
    health = (state.get("Health") or {}).get("Status")
    return f"{state['Status']}/{health}" if health else str(state["Status"])


def wait_healthy(stack: Stack, replicas: int, timeout: float = 240) -> None:
    """Every long-running service running and healthy, `replicas` API replicas, migrate done."""
    expected = {"postgres", "redis", "migrate", "worker", "lb", "sandbox", "api"}

    def probe() -> bool:
        containers = stack.containers()
        states = {c["Name"].lstrip("/"): (_service(c), _state(c)) for c in containers}
        services = {service for service, _ in states.values()}
        probe.last = states  # type: ignore[attr-defined]
        for service, state in states.values():
            if service == "migrate":
                if state.startswith("exited(") and state != "exited(0)":
                    raise Failed(f"migrate failed: {state}")
                if state != "exited(0)":
                    return False
            elif service in ("worker",):
                if state != "running":
                    return False
            elif state != "running/healthy":
                return False
        return expected <= services and len(stack.api_replicas()) == replicas

    try:
        wait_for("every health check", probe, timeout, every=1)
    except Failed:
        for name, (_, state) in sorted(getattr(probe, "last", {}).items()):
            log(f"  {name}: {state}")
        raise
    for name, (_, state) in sorted(probe.last.items()):  # type: ignore[attr-defined]
        log(f"  {name}: {state}")


def verify_webhook(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """The README's receiver recipe (Standard Webhooks), verbatim."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:  # refuse replays of old requests
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, sig) for sig in headers["webhook-signature"].split())


_REPLICA_PROBE = """
import json, urllib.request
def get(path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:8000" + path, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
ready, metrics = get("/readyz"), get("/metrics")
print(json.dumps({"readyz": ready, "metrics": metrics}))
"""


def served_get_customer(metrics: str) -> float:
    """How many get-customer requests this process answered, from its Prometheus text."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("mumble_http_requests_total{") and "get-customer" in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def check_replicas(stack: Stack) -> dict[str, float]:
    """/readyz and /metrics on each replica, from inside it; get-customer counts by container."""
    counts = {}
    for container in stack.api_replicas():
        name = container["Name"].lstrip("/")
        seen = stack.exec_python(container["Id"], _REPLICA_PROBE)
        (ready_status, ready), (metrics_status, metrics) = seen["readyz"], seen["metrics"]
        check(ready_status == 200, f"{name} /readyz {ready_status}: {ready}")
        checks = json.loads(ready)["checks"]
        check(all(c["ok"] for c in checks.values()), f"{name} /readyz: {checks}")
        check(metrics_status == 200, f"{name} /metrics {metrics_status}")
        check("mumble_http_requests_total{" in metrics, f"{name} /metrics has no request counter")
        counts[name] = served_get_customer(metrics)
        log(f"  {name}: /readyz 200 {sorted(checks)}; /metrics 200, {len(metrics)} bytes")
    return counts


@dataclasses.dataclass
class Outcome:
    method: str
    start: float
    end: float
    status: int | None
    error: str = ""


def traffic(
    stack: Stack, key: str, seconds: float, kill: Callable[[], None] | None, batch: int
) -> dict:
    """Readers (get-customer) and writers (add-new-customer) through the load balancer for
    `seconds`; `kill` runs a third of the way in; `batch` keeps the new phone numbers apart
    from another call's. Returns the outcomes and when `kill` began and returned (monotonic)."""
    headers = {"Mumble-Api-Key": key}
    outcomes: list[Outcome] = []
    created: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def one(method: str, url: str, body: dict[str, Any] | None) -> int | None:
        start = time.monotonic()
        status, error = None, ""
        try:
            status, _ = http(method, url, body=body, headers=headers, timeout=30)
        except OSError as exc:
            error = repr(exc)
        with lock:
            outcomes.append(Outcome(method, start, time.monotonic(), status, error))
        return status

    def reader() -> None:
        while not stop.is_set():
            one("GET", f"{stack.api}/mumbleapi/get-customer?customer_phone={CUSTOMER}", None)

    def writer(number: int) -> None:
        serial = 0
        while not stop.is_set():
            serial += 1
            phone = f"97250{batch * 2 + number}{serial:06d}"
            body = {"customer_phone": phone, "name": f"Load {number}-{serial}"}
            if one("POST", f"{stack.api}/mumbleapi/add-new-customer", body) == 200:
                with lock:
                    created.append(phone)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    threads += [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    kill_began = kill_ended = None
    try:
        if kill is not None:
            time.sleep(seconds / 3)
            kill_began = time.monotonic()
            kill()
            kill_ended = time.monotonic()
            time.sleep(seconds * 2 / 3)
        else:
            time.sleep(seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return {
        "outcomes": outcomes,
        "created": created,
        "kill_began": kill_began,
        "kill_ended": kill_ended,
        "writers": 2,
        "elapsed": time.monotonic() - started,
    }


def kill_a_replica_mid_traffic(stack: Stack, key: str) -> None:
    victim = stack.api_replicas()[0]
    name = victim["Name"].lstrip("/")

    def kill() -> None:
        stack.run(*stack.docker, "kill", victim["Id"])
        log(f"  docker kill {name}")

    result = traffic(stack, key, 12, kill, batch=0)
    outcomes: list[Outcome] = result["outcomes"]
    began, ended = result["kill_began"], result["kill_ended"]
    failed = [o for o in outcomes if o.status != 200]
    after = [o for o in outcomes if o.start > ended and o.status == 200]
    slowest = max(o.end - o.start for o in outcomes)
    log(
        f"  {len(outcomes)} requests in {result['elapsed']:.1f}s "
        f"({sum(o.method == 'GET' for o in outcomes)} GET, "
        f"{sum(o.method == 'POST' for o in outcomes)} POST); `docker kill` took "
        f"{ended - began:.3f}s; {len(after)} answered 200 after it, {len(failed)} failed, "
        f"slowest {slowest:.2f}s"
    )
    for o in failed:
        log(
            f"  failed: {o.method} {o.status} {o.error} from {o.start - began:+.3f}s "
            f"to {o.end - began:+.3f}s after `docker kill` began"
        )
    check(after, "no request succeeded after the kill")
    check(
        not [o for o in failed if o.method == "GET"],
        "a GET failed: nginx should have retried it on another replica",
    )
    # A POST is not retried by nginx once sent: only those in flight while the replica was
    # being killed may fail, one per writer at most, and only with the load balancer's 502.
    in_flight = [o for o in failed if o.start <= ended and o.end >= began and o.status == 502]
    check(
        len(failed) == len(in_flight) <= result["writers"],
        f"{len(failed)} failed requests, only {len(in_flight)} of them in flight at the kill",
    )
    # Every write the API acknowledged is stored.
    headers = {"Mumble-Api-Key": key}
    for phone in result["created"]:
        status, _ = http(
            "GET", f"{stack.api}/mumbleapi/get-customer?customer_phone={phone}", headers=headers
        )
        check(status == 200, f"customer {phone} was acknowledged but is not stored ({status})")
    log(f"  every one of the {len(result['created'])} acknowledged new customers is stored")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compose", required=True, help="JSON list: the compose command")
    parser.add_argument("--docker", required=True, help="JSON list: the docker command")
    parser.add_argument("--project", required=True)
    parser.add_argument("--http-port", required=True)
    parser.add_argument("--sandbox-port", required=True)
    parser.add_argument("--receiver-port", required=True)
    parser.add_argument("--receiver-url", required=True)
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args()
    stack = Stack(
        compose=json.loads(args.compose),
        docker=json.loads(args.docker),
        project=args.project,
        api=f"http://127.0.0.1:{args.http_port}",
        sandbox=f"http://127.0.0.1:{args.sandbox_port}/_sandbox",
        receiver=f"http://127.0.0.1:{args.receiver_port}",
        receiver_url=args.receiver_url,
    )
    try:
        run(stack, args.replicas)
    except Failed as exc:
        log(f"FAILED: {exc}")
        return 1
    log("the stack passed every check")
    return 0


def run(stack: Stack, replicas: int) -> None:
    log("health: every service")
    wait_healthy(stack, replicas)
    status, _ = http("GET", f"{stack.api}/healthz")
    check(status == 200, f"the load balancer's /healthz: {status}")

    log("provisioning with the migrate service: account and key")
    account = stack.cli_json(
        "account", "create", "CI Docker", "--phone-number-id", PHONE_NUMBER_ID,
        "--waba-id", WABA_ID, "--access-token", "EAAci-docker-token",
    )  # fmt: skip
    key = stack.cli_json(
        "key", "create", "--account", account["id"], "--rate-limit", "unlimited", "--label", "ci"
    )["key"]
    log(f"  account {account['id']}, key {key[:8]}…")
    headers = {"Mumble-Api-Key": key}
    api = f"{stack.api}/mumbleapi"

    status, body = http_json(
        "POST", f"{stack.sandbox}/channels",
        body={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
    )  # fmt: skip
    check(status == 200, f"sandbox channels: {status} {body}")
    # Sent, then delivered: the last status the sandbox reports is the one to see.
    status, body = http_json(
        "POST", f"{stack.sandbox}/config", body={"auto_statuses": ["sent", "delivered"]}
    )
    check(status == 200, f"sandbox config: {status} {body}")

    log("an event webhook to the receiver")
    status, body = http_json(
        "POST", f"{api}/add-webhook", headers=headers,
        body={"url": stack.receiver_url, "events": ["message.received"]},
    )  # fmt: skip
    check(status == 200 and body.get("secret", "").startswith("whsec_"), f"add-webhook: {body}")
    secret = body["secret"]

    log("add-new-customer")
    status, body = http_json(
        "POST", f"{api}/add-new-customer", headers=headers,
        body={"customer_phone": CUSTOMER, "name": "CI Customer"},
    )  # fmt: skip
    check(status == 200 and body.get("success"), f"add-new-customer: {status} {body}")

    log("the customer writes in: the sandbox's webhook crosses the load balancer")
    status, body = http_json(
        "POST", f"{stack.sandbox}/inbound",
        body={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "name": "CI Customer",
              "type": "text", "text": "Hello from the container stack"},
    )  # fmt: skip
    check(status == 200 and body.get("delivery") == [200], f"sandbox inbound: {status} {body}")
    inbound_id = body["id"]

    log("the signed message.received event reaches the receiver")

    def received() -> dict[str, Any] | None:
        _, records = http_json("GET", f"{stack.receiver}/received")
        for record in records:
            raw = base64.b64decode(record["body"])
            event = json.loads(raw)
            if event.get("type") == "message.received" and inbound_id in raw.decode():
                return {"record": record, "raw": raw, "event": event}
        return None

    hit = wait_for("the message.received event", received, timeout=60)
    record_headers = hit["record"]["headers"]
    check(verify_webhook(secret, record_headers, hit["raw"]), "the event's signature is wrong")
    check(not verify_webhook("whsec_" + base64.b64encode(b"x" * 24).decode(), record_headers,
                             hit["raw"]), "a wrong secret verifies")  # fmt: skip
    check(record_headers["webhook-id"] == hit["event"]["id"], "webhook-id is not the event id")
    check("Hello from the container stack" in hit["raw"].decode(), "the event lacks the text")
    log(f"  event {hit['event']['id']} verified with the endpoint's secret")

    log("send-text-message, then get-message until delivered")
    status, body = http_json(
        "POST", f"{api}/send-text-message", headers=headers,
        body={"customer_phone": CUSTOMER, "text": "Hi, from the replicas"},
    )  # fmt: skip
    check(status == 200 and body.get("message_wa_id"), f"send-text-message: {status} {body}")
    wamid = body["message_wa_id"]

    def delivered() -> str | None:
        status, body = http_json("GET", f"{api}/get-message?message_wa_id={wamid}", headers=headers)
        check(status == 200, f"get-message: {status} {body}")
        found = body["message"]["status"]
        return found if found == "delivered" else None

    wait_for("status delivered", delivered, timeout=30)
    log(f"  {wamid}: delivered")

    log("/readyz and /metrics on each replica")
    check_replicas(stack)

    log("docker kill one API replica mid-traffic")
    kill_a_replica_mid_traffic(stack, key)

    log("healing: `up -d` brings the killed replica back")
    stack.run(*stack.compose, "up", "-d", timeout=240)
    wait_healthy(stack, replicas)
    every_replica_serves(stack, key, batch=1)

    log(f"scaling: `up -d --scale api={replicas + 1}`")
    stack.run(*stack.compose, "up", "-d", "--scale", f"api={replicas + 1}", timeout=240)
    wait_healthy(stack, replicas + 1)
    every_replica_serves(stack, key, batch=2)


def every_replica_serves(stack: Stack, key: str, batch: int) -> None:
    """Traffic through the load balancer: all answered, and every replica answered some."""
    # nginx re-resolves `api` every 2 s: give it a moment, then spread requests over them all.
    time.sleep(3)
    before = check_replicas(stack)
    result = traffic(stack, key, 4, None, batch=batch)
    bad = [o for o in result["outcomes"] if o.status != 200]
    check(not bad, f"{len(bad)} requests failed: {bad[:3]}")
    after = check_replicas(stack)
    idle = [name for name in after if after[name] <= before.get(name, 0)]
    check(not idle, f"replicas not serving through the load balancer: {idle}")
    count = len(result["outcomes"])
    log(f"  {count} requests, all 200, each of the {len(after)} replicas served some")


if __name__ == "__main__":
    sys.exit(main())
