"""Campaigns: one approved template to an audience, each recipient sent exactly once."""
