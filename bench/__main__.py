"""`python -m bench [speed|quality|concurrency …]`: run the benchmarks (all of them without arguments)."""

from __future__ import annotations

import importlib
import sys

SUITES = {"speed": "bench.dispatch_speed", "quality": "bench.dispatch_quality",
          "concurrency": "bench.dispatch_concurrency", "respond": "bench.respond_latency",
          "deploy": "bench.deploy_latency", "duty": "bench.duty_speed",
          "board": "bench.board_speed"}


def main(argv: list[str]) -> int:
    names = argv or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"Error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(SUITES)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        failed |= importlib.import_module(SUITES[name]).main() or 0
    return failed


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
