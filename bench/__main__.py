"""Run the benchmarks listed in BENCHES (or those named on the command line): `python -m bench [name ...]`."""

from __future__ import annotations

import importlib
import sys

BENCHES = ("media_ladder",)


def main(argv: list[str]) -> int:
    for name in argv or BENCHES:
        print(f"=== bench.{name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
