"""Benchmarks for the hub: a driver (`bench.run`) and a separate load generator (`bench.loadgen`).

Benchmarks are not tests: nothing here is collected by pytest, and nothing here imports from
tests/. See bench/README.md.
"""
