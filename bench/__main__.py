"""Benchmarks, run by hand: `make bench BENCH=<name>` runs bench/<name>.py's main().

They print figures; they are not tests. Each builds its data in a throw-away
database of its own (`bench_<name>`) on the same PostgreSQL server.
"""

import importlib
import os
import sys
from pathlib import Path


def main() -> int:
    names = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_"))
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print(f"usage: make bench BENCH=<{'|'.join(names) or 'name'}>")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    module = importlib.import_module(f"bench.{sys.argv[1]}")
    return module.main(sys.argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main())
