"""Scheduled sends: template sends stored with a `send_at`, made once when they come due."""
