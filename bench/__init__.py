"""Benchmarks on the real stack; `python -m bench` (make bench) runs them all."""
