"""Where the `mumble` servers listen: sockets bound before anything starts, or a clear exit.

`mumble serve` binds the API's socket and the sandbox's before it migrates, opens the database
or starts uvicorn. A port that is taken then ends the command at once, non-zero, with a message
naming the address, the port and the setting that chose it; nothing has started that could hang
(a uvicorn that lost its bind logs "running" and serves nothing, while the database thread keeps
the process alive). The sandbox's control API has no authentication, so the sandbox is bound to
a loopback address only, whatever the API's host.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

WILDCARDS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback(host: str) -> str:
    """Where a local process reaches a server bound to `host` (a wildcard means loopback)."""
    if host == "::":
        return "::1"
    return "127.0.0.1" if host in WILDCARDS else host


def url_host(host: str) -> str:
    """`host` as it stands in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


class PortUnavailable(SystemExit):
    """The address could not be bound; exits 1 with the message on stderr."""


def bind(host: str, port: int, setting: str) -> socket.socket:
    """A listening TCP socket on (host, port); exits with a message naming `setting` if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # As uvicorn does: a restart may rebind a port whose old connections are in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        sys.stderr.write(
            f"error: cannot listen on {url_host(host)}:{port} ({exc.strerror or exc}); "
            f"set {setting} to a free port, or stop the process using it\n"
        )
        sys.stderr.flush()
        raise PortUnavailable(1) from None
    sock.set_inheritable(True)
    return sock
