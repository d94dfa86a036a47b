"""Mumble: an open-source WhatsApp conversational messaging backend."""

__version__ = "0.1.0"
