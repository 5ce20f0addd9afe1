"""What the benchmarks share.

Home Assistant runs in the benchmark's process, set up from a fresh
configuration directory as `hass -c` would, with its real HTTP server; entries
are added through their config flows. The gateways (simulators) run in a
second process (`bench/gateways.py`), driven by JSON lines, so the CPU time
this process spends is Home Assistant's and the integration's alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import platform
import socket
import sys
import tempfile
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

import develop_http  # noqa: E402 (scripts/, on the path from here)

USERNAME, PASSWORD = "admin", "bench-pass"


def rss_mib() -> float:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextlib.contextmanager
def profiling(enabled: bool, name: str) -> Iterator[None]:
    """With `enabled`, profile this process's thread and print what was seen
    once the block is done: pyinstrument's call tree, or with
    BENCH_PROFILER=cprofile, the functions that took the most time."""
    if not enabled:
        yield
        return
    if os.environ.get("BENCH_PROFILER") == "cprofile":
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            yield
        print(f"--- profile: {name}")
        stats = pstats.Stats(profile).sort_stats(
            os.environ.get("BENCH_SORT", "tottime")
        )
        stats.print_stats(*filter(None, [os.environ.get("BENCH_FILTER")]), 30)
        if callers := os.environ.get("BENCH_CALLERS"):
            stats.print_callers(callers)
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print(f"--- profile: {name}")
        print(profiler.output_text(unicode=True, show_all=False))


def verdict(targets: str, missed: int) -> int:
    """Print whether the `targets` were met; the exit status that says it."""
    print(f"targets: {targets}: {'met' if not missed else f'{missed} missed'}")
    return 1 if missed else 0


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


# --- Home Assistant -----------------------------------------------------------


def write_config(
    config_dir: Path, http_port: int, components: tuple[str, ...] = ()
) -> None:
    """configuration.yaml for an instance on `http_port`, with our integration
    (and `components`, set up before its HTTP server starts)."""
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
        f"  server_port: {http_port}\n\n"  # a block of its own: `develop_http`
        "webhook:\n"
        + "".join(f"{component}:\n" for component in components)
        + "logger:\n  default: warning\n  logs:\n"
        "    homeassistant.components.camera: critical\n"
    )
    # The newest version keeps the HTTP settings in its store; unconfirmed
    # there, it restarts its HTTP server five minutes in.
    develop_http.main(config_dir)


async def start_home_assistant(
    config_dir: Path | None = None, components: tuple[str, ...] = ()
) -> tuple[Any, int]:
    """Home Assistant from a configuration directory (a fresh one by default,
    with `components`)."""
    from homeassistant import bootstrap
    from homeassistant.runner import RuntimeConfig

    http_port = free_port()
    if config_dir is None:
        config_dir = Path(tempfile.mkdtemp(prefix="sms-gateway-bench-"))
        write_config(config_dir, http_port, components)
    hass = await bootstrap.async_setup_hass(
        RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
    )
    assert hass is not None
    await hass.async_start()
    return hass, http_port


def form_for(vendor: str, sim_port: int, username: str = USERNAME) -> dict[str, Any]:
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
            form[field.key] = username
    return form


async def add_entry(
    hass: Any, domain: str, form: dict[str, Any] | None = None, step: str | None = None
) -> Any:
    """An entry of `domain`, through its config flow as the frontend does it:
    the menu step `step` first, then `form`, then every further form as it is."""
    flows = hass.config_entries.flow
    result = await flows.async_init(domain, context={"source": "user"})
    if step is not None:
        result = await flows.async_configure(result["flow_id"], {"next_step_id": step})
    if form is not None:
        result = await flows.async_configure(result["flow_id"], form)
    while result["type"] == "form":
        result = await flows.async_configure(result["flow_id"], {})
    if result["type"] != "create_entry":
        raise SystemExit(f"config flow stopped: {result}")
    return result["result"]


async def add_gateway(
    hass: Any, vendor: str, sim_port: int, username: str = USERNAME
) -> Any:
    """An sms_gateway entry for the simulator of `vendor` on `sim_port`."""
    form = form_for(vendor, sim_port, username)
    return await add_entry(hass, "sms_gateway", form, vendor)


def webhook_url(http_port: int, entry: Any) -> str:
    """Where the entry's webhook listens."""
    return f"http://127.0.0.1:{http_port}/api/webhook/{entry.data['webhook_id']}"


# --- the gateways' process ------------------------------------------------------


class Gateways:
    """`bench/gateways.py` in its own process: simulators, and pushes from them."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Use `await Gateways.start()`."""
        self._process = process
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls) -> Gateways:
        """Start the process."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bench" / "gateways.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**28,
        )
        return cls(process)

    async def call(self, op: str, **arguments: Any) -> Any:
        """Ask the process for `op`; its answer."""
        assert self._process.stdin and self._process.stdout
        async with self._lock:
            line = json.dumps({"op": op, **arguments}) + "\n"
            self._process.stdin.write(line.encode())
            await self._process.stdin.drain()
            answer = await self._process.stdout.readline()
        if not answer:
            raise SystemExit(f"the gateways' process ended during {op}")
        return json.loads(answer)

    async def simulator(self, vendor: str, **options: Any) -> tuple[int, int]:
        """A new simulator of `vendor`: its id and port."""
        answer = await self.call("start", vendor=vendor, options=options)
        return answer["id"], answer["port"]

    async def close(self) -> None:
        """End the process."""
        assert self._process.stdin
        self._process.stdin.close()
        await self._process.wait()


async def blast(
    session: Any,
    requests: list[tuple[str, str, dict[str, Any]]],
    concurrency: int,
) -> tuple[list[float], list[int]]:
    """Make `requests` (method, URL, aiohttp arguments), `concurrency` at a
    time; the time each was started and each answer's status, in order."""
    import time

    started = [0.0] * len(requests)
    statuses = [0] * len(requests)
    queue = iter(range(len(requests)))

    async def worker() -> None:
        for index in queue:
            method, url, arguments = requests[index]
            started[index] = time.perf_counter()
            async with session.request(method, url, **arguments) as response:
                await response.read()
                statuses[index] = response.status

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return started, statuses


def uses_digest(recorded: list[Any]) -> bool:
    """Whether requests kept by a simulator carry digest answers."""
    from multidict import CIMultiDict

    return any(
        CIMultiDict(headers).get("Authorization", "").startswith("Digest ")
        for _, _, headers, _ in recorded
    )


async def replay(
    base_url: str,
    recorded: list[Any],
    concurrency: int,
    username: str | None = None,
) -> tuple[float, list[int]]:
    """Requests a simulator kept, made again with a plain aiohttp session,
    `concurrency` at a time: their wall time and answers.

    Method, path, body, content type and a token header are as kept; with
    `username`, digest answers are made anew (a replayed one is refused),
    after one challenge before the clock starts (Dinstar's, the one vendor
    with digest authentication).
    """
    import base64
    import time

    from aiohttp import ClientSession, TCPConnector
    from multidict import CIMultiDict

    from custom_components.sms_gateway.gateways.digest import DigestAuth

    auth = DigestAuth(username or "", PASSWORD)
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for method, path, kept, body in recorded:
        headers = CIMultiDict(kept)
        sent = {
            name: headers[name]
            for name in ("Content-Type", "Authorization")
            if name in headers and not (name == "Authorization" and username)
        }
        requests.append(
            (method, base_url + path, {"data": base64.b64decode(body), "headers": sent})
        )
    async with ClientSession(connector=TCPConnector(limit=0)) as session:
        if username:
            async with session.get(base_url + "/api/query_sms_in_queue") as answer:
                auth.learn(answer.headers.get("WWW-Authenticate"))
            for method, url, arguments in requests:
                header = auth.header(method, url.removeprefix(base_url))
                arguments["headers"]["Authorization"] = header
        start = time.perf_counter()
        _, statuses = await blast(session, requests, concurrency)
        return time.perf_counter() - start, statuses
