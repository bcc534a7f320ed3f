"""Benchmarks on the real stack (PostgreSQL, Redis, gunicorn on loopback): `python -m bench [name ...]`."""
