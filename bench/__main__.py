"""Run every benchmark module of this package (or those named on the command line): `python -m bench [name ...]`.

Each module under bench/ that defines main() is a benchmark; it prints its own figures (ratios and
medians) and returns a dict of them. A failing benchmark is reported and the others still run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def bench_modules() -> list[str]:
    package_dir = Path(__file__).resolve().parent
    return sorted(info.name for info in pkgutil.iter_modules([str(package_dir)]) if not info.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or bench_modules()
    unknown = sorted(set(names) - set(bench_modules()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(bench_modules())}")
        return 2
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"=== bench.{name} ===", flush=True)
        started = time.monotonic()
        try:
            module.main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"=== bench.{name}: {time.monotonic() - started:.1f} s ===\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
