"""Sync between stores through bundle files: site keys, the bundle container, merge, exchange."""
