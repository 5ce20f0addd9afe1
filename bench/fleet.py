"""Polling at scale and start-up: 8 Dinstar gateways of 32 ports, and one of
every other vendor.

Polling: every entry is polled POLLS times while nothing changes at the
gateways. Printed per vendor: HTTP requests per poll per gateway (target: the
vendor's least, 2 for Dinstar), state writes per unchanged poll (target 0),
and this process's CPU time per poll per gateway.

Start-up: every entry is unloaded, then all are set up again at once, timed,
while the simulators keep the requests they get; the same requests are then
made bare (each gateway's in turn, all gateways at once) and the two times
compared. Then Home Assistant itself is started twice from the same
configuration directory, in a process of its own: once as it is, once with one
Dinstar gateway answering 5 seconds late. Target: Home Assistant has
started as soon with the slow gateway as without (within a second), and the
slow gateway's entry is set up, its entities unavailable until its first poll
answers (printed: first polls still out at the start, and WAIT s later).

    .venv/bin/python bench/fleet.py [--polls 100]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
import json
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

from harness import (
    Gateways,
    add_gateway,
    free_port,
    profiling,
    replay,
    start_home_assistant,
    uses_digest,
    verdict,
    write_config,
)

DINSTARS = 8
FLEET: list[tuple[str, dict[str, Any]]] = [
    *(("dinstar", {"ports": 32, "sn": f"DA00-BENCH-{n:04d}"}) for n in range(DINSTARS)),
    ("goip", {}),
    ("openvox", {}),
    ("cloud_467890", {}),
    ("cloud_apiv1", {}),
]
LEAST_PER_POLL = {"dinstar": 2}
STARTED_WITHIN = 1.0
WAIT = 3.0  # how long after the start the first polls are waited for


async def poll_all(entries: list[Any]) -> None:
    """One poll of every entry, all at once."""
    await asyncio.gather(
        *(entry.runtime_data.coordinator.async_refresh() for entry in entries)
    )


async def polling(hass: Any, gateways: Gateways, fleet: list[Any], polls: int) -> int:
    """Poll `polls` times; print requests, writes and CPU per poll."""
    from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
    from homeassistant.core import callback

    entries = [entry for _, _, entry in fleet]
    await poll_all(entries)  # anything still settling from the set-up
    await hass.async_block_till_done()
    writes: Counter[str] = Counter()

    @callback
    def count(event: Any) -> None:
        writes[event.data["entity_id"]] += 1

    @callback
    def every(data: Any) -> bool:
        return True

    listeners = [
        hass.bus.async_listen(kind, count, event_filter=every)
        for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
    ]
    before = (await gateways.call("requests"))["requests"]
    cpu = time.process_time()
    for _ in range(polls):
        await poll_all(entries)
    await hass.async_block_till_done()
    cpu = time.process_time() - cpu
    after = (await gateways.call("requests"))["requests"]
    for remove in listeners:
        remove()

    by_vendor: dict[str, list[float]] = defaultdict(list)
    writes_by_vendor: Counter[str] = Counter()
    entities = {
        entity.entity_id: vendor
        for vendor, _, entry in fleet
        for entity in _entities(hass, entry)
    }
    for (vendor, sim_id, _), _entry in zip(fleet, entries, strict=True):
        by_vendor[vendor].append((after[sim_id] - before[sim_id]) / polls)
    for entity_id, times in writes.items():
        writes_by_vendor[entities.get(entity_id, "other")] += times
    print(f"{polls} polls of {len(entries)} gateways, nothing changing")
    print(
        f"{'':14} {'gateways':>8} {'entities':>8} {'requests/poll':>13}"
        f" {'least':>5} {'writes/poll':>11}"
    )
    failed = 0
    for vendor, rates in by_vendor.items():
        count_entities = sum(1 for v in entities.values() if v == vendor)
        least = LEAST_PER_POLL.get(vendor)
        per_poll = sum(rates) / len(rates)
        written = writes_by_vendor[vendor] / polls
        print(
            f"{vendor:14} {len(rates):8} {count_entities:8} {per_poll:13.2f}"
            f" {least if least else '':>5} {written:11.2f}"
        )
        if (least and per_poll > least) or written:
            failed += 1
    print(
        f"CPU per poll per gateway: {cpu / polls / len(entries) * 1000:.2f} ms"
        f" (all {len(entries)}: {cpu / polls * 1000:.1f} ms a poll)"
    )
    return verdict("Dinstar's least requests, no state written", failed)


def _entities(hass: Any, entry: Any) -> list[Any]:
    from homeassistant.helpers import entity_registry as er

    return er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)


async def setup_time(
    hass: Any, gateways: Gateways, fleet: list[Any], profile: bool
) -> int:
    """Set every entry up again at once; against their requests made bare."""
    from homeassistant.config_entries import ConfigEntryState

    entries = [entry for _, _, entry in fleet]
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for _, sim_id, _ in fleet:
        await gateways.call("record", id=sim_id)
    with profiling(profile, "set-up"):
        start = time.perf_counter()
        await asyncio.gather(
            *(hass.config_entries.async_setup(entry.entry_id) for entry in entries)
        )
        ours = time.perf_counter() - start
        await hass.async_block_till_done()
    kept = [(await gateways.call("recorded", id=s))["requests"] for _, s, _ in fleet]
    ports = (await gateways.call("ports"))["ports"]
    start = time.perf_counter()
    results = await asyncio.gather(
        *(
            replay(
                f"http://127.0.0.1:{ports[sim_id]}",
                recorded,
                1,
                entry.data.get("username") if uses_digest(recorded) else None,
            )
            for (_, sim_id, entry), recorded in zip(fleet, kept, strict=True)
        )
    )
    bare = time.perf_counter() - start
    statuses = {status for _, answers in results for status in answers}
    loaded = sum(entry.state is ConfigEntryState.LOADED for entry in entries)
    entities = sum(len(_entities(hass, entry)) for entry in entries)
    print(
        f"set-up of {len(entries)} entries at once ({loaded} loaded):"
        f" {ours:.2f} s, {ours / entities * 1e6:.0f} µs for each of {entities:,}"
        " entities"
    )
    print(
        f"their {sum(map(len, kept))} requests made bare: {bare:.2f} s"
        f" (answers {sorted(statuses)}); ratio {bare / ours:.2f}"
    )
    return 0 if loaded == len(entries) and statuses == {200} else 1


async def start_up(config_dir: Path, gateways: Gateways, slow_id: int) -> int:
    """Home Assistant started in a process of its own, without and with a slow
    gateway."""
    figures = {}
    for label, fault in (("as it is", None), ("one gateway slow", "slow")):
        await gateways.call("fault", id=slow_id, mode=fault)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--start",
            str(config_dir),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        figures[label] = json.loads(out.decode().strip().splitlines()[-1])
    await gateways.call("fault", id=slow_id, mode=None)
    for label, figure in figures.items():
        print(
            f"Home Assistant started ({label}): {figure['started']:.2f} s, with"
            f" {figure['loaded']}/{figure['entries']} entries loaded and"
            f" {figure['unanswered']} first polls still out;"
            f" {figure['waiting']} unanswered at {figure['answered']:.2f} s"
        )
    late = figures["one gateway slow"]["started"] - figures["as it is"]["started"]
    met = (
        late < STARTED_WITHIN
        and figures["one gateway slow"]["loaded"]
        == (figures["one gateway slow"]["entries"])
    )
    return verdict(
        f"started within {STARTED_WITHIN:.0f} s of the time without a slow gateway"
        f" (it was {late:+.2f} s), every entry set up",
        0 if met else 1,
    )


async def measure_start(config_dir: Path) -> None:
    """In the process of its own: start, and tell how long it took, and how
    long until every gateway had answered its first poll (at most WAIT s)."""
    from homeassistant.config_entries import ConfigEntryState

    start = time.perf_counter()
    hass, _ = await start_home_assistant(config_dir)
    started = time.perf_counter() - start
    entries = hass.config_entries.async_entries("sms_gateway")
    loaded = sum(entry.state is ConfigEntryState.LOADED for entry in entries)

    def waiting() -> int:
        return sum(
            not entry.runtime_data.coordinator.last_update_success for entry in entries
        )

    unanswered = waiting()
    # a clock reading, nothing to wait on
    while waiting() and time.perf_counter() - start < started + WAIT:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    answered = time.perf_counter() - start
    print(
        json.dumps(
            {
                "started": started,
                "loaded": loaded,
                "entries": len(entries),
                "unanswered": unanswered,
                "answered": answered,
                "waiting": waiting(),
            }
        )
    )
    await hass.async_stop()


async def run(polls: int, profile: bool) -> int:
    gateways = await Gateways.start()
    config_dir = Path(tempfile.mkdtemp(prefix="sms-gateway-fleet-"))
    write_config(config_dir, free_port())
    hass, _ = await start_home_assistant(config_dir)
    hass.loop.set_debug(False)
    fleet = []
    for index, (vendor, options) in enumerate(FLEET):
        username = f"bench{index}"
        sim_id, port = await gateways.simulator(vendor, username=username, **options)
        entry = await add_gateway(hass, vendor, port, username)
        fleet.append((vendor, sim_id, entry))
    await hass.async_block_till_done()
    failed = await polling(hass, gateways, fleet, polls)
    failed += await setup_time(hass, gateways, fleet, profile)
    await hass.async_stop()
    failed += await start_up(config_dir, gateways, fleet[0][1])
    await gateways.close()
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="profile the set-up")
    parser.add_argument("--start", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.start:
        asyncio.run(measure_start(args.start))
        return
    raise SystemExit(asyncio.run(run(args.polls, args.profile)))


if __name__ == "__main__":
    main()
