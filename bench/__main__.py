"""Run every benchmark module of this package (or those named on the command line): `python -m bench [name ...]`.

A benchmark is a module under bench/ with a main(); it prints its own figures.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def bench_modules() -> list[str]:
    package_dir = Path(__file__).resolve().parent
    names = sorted(info.name for info in pkgutil.iter_modules([str(package_dir)]) if not info.name.startswith("_"))
    # Read, not imported: a benchmark may set its environment (database, settings) before Django loads.
    return [name for name in names if "\ndef main(" in (package_dir / f"{name}.py").read_text()]


def main(argv: list[str]) -> int:
    # Options (--scale large ...) are read by each benchmark from sys.argv; names select benchmarks.
    available = bench_modules()
    names = [arg for arg in argv if arg in available]
    for name in names or available:
        print(f"=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
