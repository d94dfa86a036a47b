"""The local Cloud API sandbox: `from mumble.sandbox import Sandbox`."""

from mumble.sandbox.app import Sandbox, SandboxConfig

__all__ = ["Sandbox", "SandboxConfig"]
