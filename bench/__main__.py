"""Run every benchmark module of this package (or those named on the command line): `python -m bench [name ...]`.

Each module under bench/ that defines main() is a benchmark; it prints its own figures (ratios and
medians) and returns a dict of them. A failing benchmark is reported and the others still run.
Options (`--scale large`, ...) are left in sys.argv for the benchmarks to read.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

# Options of the benchmarks that take no value.
FLAGS = {"--reseed", "-h", "--help"}


def bench_modules() -> list[str]:
    package_dir = Path(__file__).resolve().parent
    names = sorted(info.name for info in pkgutil.iter_modules([str(package_dir)]) if not info.name.startswith("_"))
    # Read, not imported: a benchmark may set its environment (database, settings) before Django loads.
    return [name for name in names if "\ndef main(" in (package_dir / f"{name}.py").read_text()]


def main(argv: list[str]) -> int:
    available = bench_modules()
    names, skip_value = [], False
    for arg in argv:
        if skip_value:
            skip_value = False
        elif arg.startswith("-"):
            # `--scale large`: the word after an option is its value (`--reseed`-style flags take none).
            skip_value = "=" not in arg and arg not in FLAGS
        else:
            names.append(arg)
    unknown = sorted(set(names) - set(available))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = []
    for name in names or available:
        print(f"=== bench.{name} ===", flush=True)
        started = time.monotonic()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"=== bench.{name}: {time.monotonic() - started:.1f} s ===\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
