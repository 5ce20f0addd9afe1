"""Memory: 100,000 incoming SMS through the dedupe path stay within the bounds.

Home Assistant runs with a GoIP entry; 100,000 distinct pushes, as the
gateway makes them, go through the vendor's parser and `Inbound.process`
(dedupe key, store, events, event entity). Python's heap (tracemalloc) and
this process's resident memory are printed before, at 10,000 pushes (the
dedupe store is full), halfway and after; so are the stores' sizes against
their bounds, and the size of the files they are saved to. Then the entry
reads its full store as at a start, against Home Assistant's JSON store (what
earlier versions kept the keys in) loading the same keys. Target: the stores
at or under their bounds, the heap after 100,000 within 10 % of the heap
halfway (nothing grows once the bounds are reached; between 10,000 and
halfway, the store's table settles at its working size; each sample is taken
once the journal's lines are in the database), and a start from the full
store within START_RATIO of the JSON store's.

    .venv/bin/python bench/memory.py [--count 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
from typing import Any

from harness import Gateways, add_gateway, rss_mib, start_home_assistant, verdict

TOLERANCE = 0.10
# SQLite hands back a row in ~0.7 µs where orjson builds one in ~0.2 µs: some
# 20 ms more for 10,000 keys, in the executor.
START_RATIO = 15.0


def heap_mib() -> float:
    """Python's heap now, after a full collection."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 2**20


async def start_times(hass: Any, entry_id: str, inbound: Any) -> tuple[float, float]:
    """How long an entry takes to read its full store at start (the median of
    five), and how long Home Assistant's JSON store (what earlier versions kept
    the keys in) takes to load the same data."""
    from homeassistant.helpers.storage import Store

    from custom_components.sms_gateway.database import DATABASES
    from custom_components.sms_gateway.inbound import Inbound

    data = {name: log.items for name, log in inbound._logs().items()}
    store: Store[Any] = Store(hass, 1, "sms_gateway_bench_reference")
    await store.async_save(data)
    loads, references = [], []
    for _ in range(5):
        await hass.data[DATABASES].async_close_all()
        started = time.perf_counter()
        await Inbound(hass, entry_id, "goip").async_load()
        loads.append(time.perf_counter() - started)
        fresh: Store[Any] = Store(hass, 1, "sms_gateway_bench_reference")
        started = time.perf_counter()
        await fresh.async_load()
        references.append(time.perf_counter() - started)
    return sorted(loads)[2], sorted(references)[2]


async def run(count: int) -> int:
    from custom_components.sms_gateway.store import MAX_SEEN, MAX_SENT

    gateways = await Gateways.start()
    hass, _ = await start_home_assistant()
    hass.loop.set_debug(False)
    _, sim_port = await gateways.simulator("goip")
    entry = await add_gateway(hass, "goip", sim_port)
    await hass.async_block_till_done()
    gateway, inbound = entry.runtime_data.gateway, entry.runtime_data.inbound

    def push(index: int) -> bytes:
        return json.dumps(
            {
                "goip_line": f"G10{index % 4 + 1}",
                "from_number": f"+86138{index % 100_000:08d}",
                "content": f"memory {index}",
                "recv_time": "2026-11-22 10:00:00",
            }
        ).encode()

    tracemalloc.start()
    samples: list[tuple[str, float, float]] = [("before", heap_mib(), rss_mib())]
    checkpoints = {MAX_SEEN: f"{MAX_SEEN:,}", count // 2: f"{count // 2:,}"}
    fired = 0
    for index in range(count):
        fired += inbound.process(gateway.parse_push("POST", {}, {}, push(index)))
        if index + 1 in checkpoints:
            await inbound.database.async_flush()
            await hass.async_block_till_done()
            samples.append((checkpoints[index + 1], heap_mib(), rss_mib()))
        if index % 1000 == 999:
            await asyncio.sleep(0)  # let the loop run, as between real pushes
    await inbound.database.async_flush()
    await hass.async_block_till_done()
    samples.append(("after", heap_mib(), rss_mib()))
    tracemalloc.stop()
    await inbound.database.async_flush()
    stored = inbound.database.path
    load, reference = await start_times(hass, entry.entry_id, inbound)
    sizes: dict[str, Any] = {
        "seen": (len(inbound.seen.items), MAX_SEEN),
        "sent": (len(inbound.sent.items), MAX_SENT),
        "references": (len(inbound.references.items), MAX_SENT),
    }
    print(f"{count:,} distinct SMS pushed, {fired:,} events fired")
    print(f"{'pushes':>10} {'heap MiB':>9} {'RSS MiB':>8}")
    for label, heap, rss in samples:
        print(f"{label:>10} {heap:9.1f} {rss:8.1f}")
    full, halfway, after = samples[1][1], samples[2][1], samples[-1][1]
    growth = (after - halfway) / halfway
    print(f"heap growth, full store to halfway: {(halfway - full) / full:+.1%}")
    print(f"heap growth, halfway to after: {growth:+.1%} (at most {TOLERANCE:.0%})")
    per_key = (after - samples[0][1]) * 2**20 / max(1, len(inbound.seen.items))
    print(f"heap per dedupe key: {per_key:,.0f} bytes")
    for name, (size, bound) in sizes.items():
        print(f"store {name:10} {size:7,} keys (bound {bound:,})")
    files = [stored, stored.with_name(f"{stored.name}-wal")]
    size = sum(path.stat().st_size for path in files if path.exists())
    print(f"store files (database and WAL) {size / 1024:,.0f} KiB")
    print(
        f"start from the full store: {load * 1000:.1f} ms; the JSON store of earlier"
        f" versions with the same keys: {reference * 1000:.1f} ms"
        f" (ratio {load / reference:.2f}, at most {START_RATIO})"
    )
    within = all(size <= bound for size, bound in sizes.values())
    await hass.async_stop()
    await gateways.close()
    return verdict(
        "stores within their bounds, the heap level once they are full,"
        f" an event for each SMS, a start within {START_RATIO:.0f}× the JSON store's",
        (not within)
        + (growth > TOLERANCE)
        + (fired != count)
        + (load / reference > START_RATIO),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    raise SystemExit(asyncio.run(run(parser.parse_args().count)))


if __name__ == "__main__":
    main()
