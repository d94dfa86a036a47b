"""Campaigns: one approved template to an audience, each recipient accounted for.

The API side (create, list, counts, pause/resume/cancel) lives here beside the runner that
sends the queued recipients; `transitions` is the state machine both obey.
"""
