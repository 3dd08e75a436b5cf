"""Benchmarks of the core against a pure-Python baseline: `make bench` (python -m benches.run)."""
