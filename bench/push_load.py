"""Load: 1,000 incoming SMS a second for a minute through Home Assistant's real
HTTP server, pushed by a simulated gateway in its own process.

Home Assistant runs in this process, set up from a configuration directory as
`hass -c` would, with the integration added through its config flow. A second
process runs the vendor's simulator and makes it receive SMS at the rate
asked for; each SMS is pushed to the webhook as the gateway would push it.
Printed: pushes made and their answers, events fired per second, lost and
duplicated events (both must be 0, else the exit status is 1), and the
memory of this process before, during and after (it must level off once the
bounded stores are full).

    .venv/bin/python bench/push_load.py [--vendor goip] [--rate 1000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import gc
import json
import sys
import time
from typing import Any

from harness import (
    PASSWORD,
    USERNAME,
    add_gateway,
    rss_mib,
    start_home_assistant,
    verdict,
    webhook_url,
)
from homeassistant.core import callback

RECEIVING = ("goip", "dinstar", "openvox", "cloud_apiv1")
PORTS = 4


# --- the gateway's process ---------------------------------------------------


async def generate(vendor: str, rate: int, seconds: int) -> None:
    """Start the simulator, print its port, wait for the webhook URL, push."""
    from simulator import SIMULATORS

    sim = SIMULATORS[vendor](username=USERNAME, password=PASSWORD)
    await sim.start()
    print(f"PORT {sim.port}", flush=True)
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    sim.point_pushes(line.split()[1])
    total = rate * seconds
    tasks = []
    start = loop.time()
    for index in range(total):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(
                sim.receive(
                    index % PORTS, f"1380000{index % 10000:04d}", f"load {index}"
                )
            )
        )
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    statuses = Counter(str(status) for _, _, status in sim.pushes)
    print(json.dumps({"pushed": total, "seconds": elapsed, "statuses": statuses}))
    await sim.stop()


# --- Home Assistant's process ------------------------------------------------


class Tally:
    """How often each SMS's event fired: one byte per SMS, as this process is
    the one whose memory is measured."""

    def __init__(self, total: int) -> None:
        self.fired = bytearray(total)
        self.stray = 0
        self.first = self.last = 0.0

    @callback
    def count(self, event: Any) -> None:
        text = str(event.data["text"])
        index = int(text[5:]) if text.startswith("load ") else -1
        if 0 <= index < len(self.fired):
            self.fired[index] = min(self.fired[index] + 1, 255)
        else:
            self.stray += 1
        self.last = time.perf_counter()
        self.first = self.first or self.last

    @property
    def unique(self) -> int:
        return sum(map(bool, self.fired))

    @property
    def events(self) -> int:
        return sum(self.fired) + self.stray


async def start_generator(vendor: str, rate: int, seconds: int) -> tuple[Any, int]:
    """The gateway's process, and the port its simulator listens on."""
    generator = await asyncio.create_subprocess_exec(
        *(sys.executable, __file__, "--generate", "--vendor", vendor),
        *("--rate", str(rate), "--seconds", str(seconds)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    return generator, int((await generator.stdout.readline()).split()[1])


async def run(vendor: str, rate: int, seconds: int) -> int:
    from custom_components.sms_gateway.const import EVENT_SMS_RECEIVED
    from custom_components.sms_gateway.store import MAX_SEEN

    generator, sim_port = await start_generator(vendor, rate, seconds)
    hass, http_port = await start_home_assistant()
    entry = await add_gateway(hass, vendor, sim_port)
    await hass.async_block_till_done()
    tally = Tally(rate * seconds)
    hass.bus.async_listen(EVENT_SMS_RECEIVED, tally.count)
    gc.collect()
    memory = [("before", rss_mib())]

    async def sample() -> None:
        while True:
            await asyncio.sleep(15)
            memory.append((f"{tally.unique:>6} in", rss_mib()))

    sampler = asyncio.create_task(sample())
    url = webhook_url(http_port, entry)
    generator.stdin.write(f"GO {url}\n".encode())
    await generator.stdin.drain()
    report = json.loads(await generator.stdout.readline())
    await generator.wait()
    await hass.async_block_till_done()
    sampler.cancel()
    gc.collect()
    memory.append(("after", rss_mib()))
    seen = len(entry.runtime_data.inbound.seen.items)
    await hass.async_stop()

    pushed = report["pushed"]
    lost = pushed - tally.unique
    duplicated = tally.events - tally.unique
    span = (tally.last - tally.first) or float("nan")
    print(f"vendor {vendor}: {pushed:,} SMS pushed in {report['seconds']:.1f} s")
    print(f"  answers       {dict(report['statuses'])}")
    print(f"  events        {tally.events:,} ({tally.unique / span:,.0f} per second)")
    print(f"  lost          {lost}")
    print(f"  duplicated    {duplicated}")
    print(f"  dedupe store  {seen:,} keys (bound {MAX_SEEN:,})")
    for label, mib in memory:
        print(f"  memory {label:>10}  {mib:7.1f} MiB")
    print(f"  memory growth {memory[-1][1] - memory[0][1]:+.1f} MiB")
    return verdict("none lost, none duplicated", lost + duplicated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", default="goip", choices=RECEIVING)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        asyncio.run(generate(args.vendor, args.rate, args.seconds))
        return
    sys.exit(asyncio.run(run(args.vendor, args.rate, args.seconds)))


if __name__ == "__main__":
    main()
