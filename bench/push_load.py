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
import os
from pathlib import Path
import socket
import sys
import tempfile
import time
from typing import Any

from homeassistant.core import callback

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECEIVING = ("goip", "dinstar", "openvox", "cloud_apiv1")
USERNAME, PASSWORD = "admin", "bench-pass"
PORTS = 4


def rss_mib() -> float:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def write_config(config_dir: Path, http_port: int) -> None:
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / "sms_gateway").symlink_to(
        ROOT / "custom_components" / "sms_gateway"
    )
    url = f"http://127.0.0.1:{http_port}"
    (config_dir / "configuration.yaml").write_text(
        "homeassistant:\n"
        "  name: bench\n  latitude: 0\n  longitude: 0\n  elevation: 0\n"
        "  unit_system: metric\n  time_zone: UTC\n  currency: EUR\n"
        f"  internal_url: {url}\n  external_url: {url}\n"
        "http:\n  server_host: 127.0.0.1\n"
        f"  server_port: {http_port}\n"
        "webhook:\n"
        "logger:\n  default: warning\n  logs:\n    homeassistant.components.camera: critical\n"
    )


def form_for(vendor: str, sim_port: int) -> dict[str, Any]:
    """The vendor's config form, filled in for the simulator."""
    from custom_components.sms_gateway.gateways import GATEWAYS
    from custom_components.sms_gateway.gateways.base import FieldKind

    form: dict[str, Any] = {}
    for field in GATEWAYS[vendor].config_fields:
        if field.kind is FieldKind.PORT:
            form[field.key] = sim_port
        elif field.kind is FieldKind.URL:
            form[field.key] = f"http://127.0.0.1:{sim_port}"
        elif field.kind is FieldKind.PASSWORD and field.required:
            form[field.key] = PASSWORD
        elif field.kind is FieldKind.BOOL:
            form[field.key] = False
        elif field.key == "host":
            form[field.key] = "127.0.0.1"
        elif field.required:
            form[field.key] = USERNAME
    return form


async def add_entry(hass: Any, vendor: str, sim_port: int) -> Any:
    """Through the config flow, as the frontend does."""
    flows = hass.config_entries.flow
    result = await flows.async_init("sms_gateway", context={"source": "user"})
    result = await flows.async_configure(result["flow_id"], {"next_step_id": vendor})
    result = await flows.async_configure(result["flow_id"], form_for(vendor, sim_port))
    while result["type"] == "form":
        result = await flows.async_configure(result["flow_id"], {})
    if result["type"] != "create_entry":
        raise SystemExit(f"config flow stopped: {result}")
    return result["result"]


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


async def start_home_assistant(vendor: str, sim_port: int) -> tuple[Any, Any, int]:
    """Home Assistant from a fresh configuration directory, with the entry."""
    from homeassistant import bootstrap
    from homeassistant.runner import RuntimeConfig

    config_dir = Path(tempfile.mkdtemp(prefix="sms-gateway-load-"))
    http_port = free_port()
    write_config(config_dir, http_port)
    hass = await bootstrap.async_setup_hass(
        RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
    )
    assert hass is not None
    await hass.async_start()
    entry = await add_entry(hass, vendor, sim_port)
    await hass.async_block_till_done()
    return hass, entry, http_port


async def run(vendor: str, rate: int, seconds: int) -> int:
    from custom_components.sms_gateway.const import EVENT_SMS_RECEIVED
    from custom_components.sms_gateway.inbound import MAX_SEEN

    generator, sim_port = await start_generator(vendor, rate, seconds)
    hass, entry, http_port = await start_home_assistant(vendor, sim_port)
    tally = Tally(rate * seconds)
    hass.bus.async_listen(EVENT_SMS_RECEIVED, tally.count)
    gc.collect()
    memory = [("before", rss_mib())]

    async def sample() -> None:
        while True:
            await asyncio.sleep(15)
            memory.append((f"{tally.unique:>6} in", rss_mib()))

    sampler = asyncio.create_task(sample())
    url = f"http://127.0.0.1:{http_port}/api/webhook/{entry.data['webhook_id']}"
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
    return 0 if lost == duplicated == 0 else 1


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
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(asyncio.run(run(args.vendor, args.rate, args.seconds)))


if __name__ == "__main__":
    main()
