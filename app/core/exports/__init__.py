"""Exports of the plans for other programs (calendars, ...): bytes a command writes to a file."""
