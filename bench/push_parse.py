"""Pushes per second through each vendor's pure push parser (no HTTP, no HA).

The first of the benchmarks issue 7 asks for; it prints its figures.
"""

from __future__ import annotations

from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.sms_gateway.gateways import GATEWAYS

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
ROUNDS = 20_000


def main() -> None:
    for vendor, gateway in GATEWAYS.items():
        for fixture in sorted((FIXTURES / vendor).glob("push_*.json")):
            body = fixture.read_bytes()
            start = time.perf_counter()
            for _ in range(ROUNDS):
                gateway.parse_push("POST", {}, {}, body)
            elapsed = time.perf_counter() - start
            print(
                f"{vendor:8} {fixture.stem:16} {ROUNDS / elapsed:>10,.0f} pushes/s"
                f"  {elapsed / ROUNDS * 1e6:6.1f} µs each"
            )


if __name__ == "__main__":
    main()
