"""The benchmark harness behind `make bench` (see benchmarks/bench.py)."""
