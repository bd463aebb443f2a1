"""Benchmarks that print figures; run them with `make bench` or `python -m bench`."""
