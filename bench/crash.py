"""Crash test: a real Home Assistant killed with SIGKILL at random moments.

A GoIP SMS Server (the simulator, in this process) pushes incoming SMS and
send results to Home Assistant's webhook, and retries each push until it is
answered 200, as a gateway that retries does. Meanwhile SMS are sent through
the `send_sms` action (`bench/crash_hass.py` has a small HTTP view for it),
each tried again until an answer with its message ids came back. Home
Assistant is killed (SIGKILL) at a random moment, 0.05 to 2 s after it answered
its first request, and started again, until every push was answered and every
send returned.

Then, from what Home Assistant's own listener wrote as each event fired:

- every SMS whose push was answered 200 fired exactly once;
- every send result whose push was answered 200 fired exactly once (by its
  message id and state), and no report fired twice;
- every message id a send returned is in the entry's database (its later
  reports are matched to it);
- the message history holds each SMS that fired, and each message a send
  returned, exactly once.

    .venv/bin/python bench/crash.py [--pushes 200] [--sends 50] [--seed N]

Exit status 0 when nothing was lost and nothing fired twice.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import json
import os
from pathlib import Path
import random
import signal
import sys
import tempfile
import time
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from harness import PASSWORD, ROOT, USERNAME, free_port, verdict, write_config

from simulator.goip import GoipSimulator

QUIET = ClientTimeout(total=5)
MIN_KILLS = 3


class RetryingGoip(GoipSimulator):
    """Each push again, 50 ms apart, until it is answered 200."""

    def __init__(self) -> None:
        """Four lines; the pushes answered 200, in order."""
        super().__init__(USERNAME, PASSWORD)
        # each push answered 200, with when its last try started and ended
        self.acknowledged: list[tuple[Any, float, float]] = []
        self.session: ClientSession | None = None

    async def push(self, url: str | None, payload: Any) -> int | None:
        """POST `payload` until a 200."""
        assert url and self.session
        while True:
            tried = time.time()
            try:
                async with self.session.post(
                    url, json=payload, timeout=QUIET
                ) as answer:
                    if answer.status == 200:
                        self.acknowledged.append((payload, tried, time.time()))
                        return 200
            except (ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)


class HomeAssistantProcess:
    """`bench/crash_hass.py`, started and killed."""

    def __init__(self, config_dir: Path, http_port: int, sim_port: int) -> None:
        """Not started yet."""
        self.config_dir = config_dir
        self.url = f"http://127.0.0.1:{http_port}"
        self.sim_port = sim_port
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0
        self.up = asyncio.Event()

    async def start(self) -> None:
        """Start it; `up` is set once it answers."""
        self.starts += 1
        with (self.config_dir / "hass.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "bench" / "crash_hass.py"),
                str(self.config_dir),
                str(self.sim_port),
                stdout=log,
                stderr=log,
                cwd=ROOT,
            )

    async def kill(self) -> None:
        """SIGKILL, and wait for the end."""
        assert self.process
        self.up.clear()
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1


async def watch(hass: HomeAssistantProcess, session: ClientSession) -> None:
    """Set `hass.up` whenever the send view answers (it is registered last)."""
    while True:
        if not hass.up.is_set():
            try:
                async with session.get(
                    f"{hass.url}/api/crash/send", timeout=QUIET
                ) as answer:
                    if answer.status == 405:  # the view is there (it takes POST)
                        hass.up.set()
            except (ClientError, TimeoutError):
                pass
        await asyncio.sleep(0.02)


async def killer(
    hass: HomeAssistantProcess, rng: random.Random, done: asyncio.Event
) -> None:
    """Kill at a random moment after each start, until `done`."""
    while not done.is_set():
        await hass.up.wait()
        await asyncio.sleep(rng.uniform(0.05, 2.0))
        if done.is_set():
            return
        await hass.kill()
        await hass.start()


async def pusher(sim: RetryingGoip, count: int, rng: random.Random) -> None:
    """`count` incoming SMS, one after another, each until answered."""
    for index in range(count):
        await sim.inject_incoming(f"G10{1 + index % 4}", "10086", f"crash {index}")
        await asyncio.sleep(rng.uniform(0.005, 0.05))


async def sender(
    hass: HomeAssistantProcess,
    session: ClientSession,
    count: int,
    rng: random.Random,
    sent: dict[str, str],
) -> None:
    """`count` sends, each tried again until it returned its message ids."""
    for index in range(count):
        number = f"1380000{index:04d}"
        while True:
            await hass.up.wait()
            try:
                async with session.post(
                    f"{hass.url}/api/crash/send",
                    json={"number": number, "text": f"send {index}"},
                    timeout=QUIET,
                ) as answer:
                    if answer.status == 200:
                        ids = message_ids(await answer.json())
                        if ids:
                            sent.update(dict.fromkeys(ids, number))
                            break
            except (ClientError, TimeoutError, ValueError):
                pass
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(0.02, 0.2))


def message_ids(response: Any) -> list[str]:
    """Every `message_id` in an action's response."""
    if isinstance(response, dict):
        found = [str(response["message_id"])] if response.get("message_id") else []
        return found + [i for value in response.values() for i in message_ids(value)]
    if isinstance(response, list):
        return [i for value in response for i in message_ids(value)]
    return []


async def advancer(sim: RetryingGoip, stop: asyncio.Event) -> None:
    """The server's sending goes on: results are pushed as they come."""
    while not stop.is_set():
        await sim.advance()
        await asyncio.sleep(0.05)


def witnessed(config_dir: Path) -> list[dict[str, Any]]:
    """The events Home Assistant fired, in every run."""
    path = config_dir / "witness.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def stored(config_dir: Path) -> tuple[set[str], Counter[str], Counter[str]]:
    """What the next start would read: the entry's database with the journal
    lines the last kill left, read into it as a start does. The sent message
    ids kept to match reports; the history's received texts and sent ids."""
    from custom_components.sms_gateway.database import EntryDatabase

    found: set[str] = set()
    received: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for path in (config_dir / ".storage").glob("sms_gateway.*.db"):
        database = EntryDatabase(None, path)  # type: ignore[arg-type]
        database._open()
        found.update(database._read().logs.get("sent", {}))
        db = database._writer
        assert db is not None
        for incoming, text, message_id in db.execute(
            "SELECT incoming, text, message_id FROM message"
        ):
            if incoming:
                received[text] += 1
            else:
                sent[message_id] += 1
        database._close((database._journal, database._spare), database._loop_db)
    return found, received, sent


def unguarded(config_dir: Path) -> list[tuple[float, float]]:
    """For each start: from when Home Assistant's HTTP server answered to when
    the integration registered its webhooks. Home Assistant answers 200 to a
    webhook id nobody registered: a push it answers then is lost to any
    integration (README, Reliability)."""
    moments: dict[int, dict[str, float]] = {}
    path = config_dir / "window.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        moment = json.loads(line)
        pid = moment.pop("pid")
        for name, at in moment.items():
            moments.setdefault(pid, {}).setdefault(name, at)  # the first
    return [
        (times["http"], times["integration"])
        for times in moments.values()
        if len(times) == 2
    ]


def report_key(payload: dict[str, Any]) -> tuple[str, str]:
    """A send result as the integration names its state."""
    state = payload["send"]
    if state == "succeeded":
        state = "delivered" if payload.get("receipt") == "1" else "sent"
    return payload["taskID"], state


async def run(pushes: int, sends: int, seed: int, frontend: bool) -> int:
    rng = random.Random(seed)
    config_dir = Path(tempfile.mkdtemp(prefix="sms-gateway-crash-"))
    http_port = free_port()
    write_config(config_dir, http_port)
    if frontend:  # as most installations: the HTTP server starts with it, early
        with (config_dir / "configuration.yaml").open("a") as config:
            config.write("frontend:\n")
    sim = RetryingGoip()
    await sim.start()
    sim.session = ClientSession()
    hass = HomeAssistantProcess(config_dir, http_port, sim.port)
    session = ClientSession()
    started = time.monotonic()
    await hass.start()  # the first start adds the entry, and stops
    assert hass.process
    await hass.process.wait()
    if not (config_dir / "webhook_id").exists():
        log = (config_dir / "hass.log").read_text().splitlines()
        raise SystemExit("\n".join(["The first start added no entry:", *log[-20:]]))
    webhook = (config_dir / "webhook_id").read_text()
    await hass.start()
    watching = asyncio.create_task(watch(hass, session))
    await hass.up.wait()
    sim.point_pushes(f"{hass.url}/api/webhook/{webhook}")

    done, stop = asyncio.Event(), asyncio.Event()
    sent: dict[str, str] = {}
    kill = asyncio.create_task(killer(hass, rng, done))
    advancing = asyncio.create_task(advancer(sim, stop))
    await asyncio.gather(
        pusher(sim, pushes, rng), sender(hass, session, sends, rng, sent)
    )
    done.set()
    await kill
    # Every send's results pushed (sent, then delivered) and answered.
    expected_reports = 2 * len(sent)
    for _ in range(600):
        results = [p for p, _, _ in sim.acknowledged if "taskID" in p]
        if sum(report_key(p)[0] in sent for p in results) >= expected_reports:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await advancing
    await hass.up.wait()
    await asyncio.sleep(0.2)  # nothing is in flight now; let the last listener write
    await hass.kill()
    watching.cancel()
    await session.close()
    await sim.session.close()
    await sim.stop()

    print(f"{hass.kills} kills in {time.monotonic() - started:.0f} s (seed {seed})")
    if hass.kills < MIN_KILLS:
        print(f"fewer than {MIN_KILLS} kills: the run showed too little")
        return 1
    return judge(config_dir, sim.acknowledged, sent, pushes, sends)


def judge(
    config_dir: Path,
    acknowledged: list[tuple[Any, float, float]],
    sent: dict[str, str],
    pushes: int,
    sends: int,
) -> int:
    """Print what fired against what was acknowledged; the exit status.

    A push that Home Assistant answered before the integration was set up
    (`unguarded`) is Home Assistant's 200, not ours: counted apart.
    """
    windows = unguarded(config_dir)
    theirs = [
        payload
        for payload, tried, answered in acknowledged
        if any(tried <= end and answered >= start for start, end in windows)
    ]
    ours = [payload for payload, _, _ in acknowledged if payload not in theirs]
    events = witnessed(config_dir)
    sms = Counter(e["text"] for e in events if e["type"].endswith("sms_received"))
    reports = Counter(
        (e["message_id"], e["status"])
        for e in events
        if e["type"].endswith("delivery_report")
    )
    acked_sms = [p["content"] for p in ours if "content" in p]
    acked_reports = {report_key(p) for p in ours if "taskID" in p}
    lost = [text for text in acked_sms if sms[text] == 0]
    lost += [key for key in acked_reports if reports[key] == 0]
    twice = [text for text, n in sms.items() if n > 1]
    twice += [key for key, n in reports.items() if n > 1]
    kept, received, history_sent = stored(config_dir)
    unstored = sorted(set(sent) - kept)
    # the history: each SMS that fired once, each sent id once
    unkept = [text for text in sms if received[text] != 1]
    unkept += [mid for mid in sent if history_sent[mid] != 1]
    print(
        f"{len(acked_sms)} SMS pushed and answered, {len(sent)} sends returned,"
        f" {len(acked_reports)} send results pushed and answered"
    )
    spans = sorted(max(0.0, end - start) * 1000 for start, end in windows)
    print(
        f"Home Assistant's HTTP server answered before the integration was set up:"
        f" {spans[len(spans) // 2] if spans else 0:.0f} ms (median),"
        f" {spans[-1] if spans else 0:.0f} ms at most, over {len(spans)} starts;"
        f" {len(theirs)} pushes answered 200 then by Home Assistant"
        f" ({sum(sms[p['content']] for p in theirs if 'content' in p)} of them fired)"
    )
    print(
        f"lost: {len(lost)}  fired twice: {len(twice)}"
        f"  sent ids not stored: {len(unstored)}"
        f"  not once in the history: {len(unkept)}"
    )
    for problem in (*lost[:10], *twice[:10], *unstored[:10], *unkept[:10]):
        print(f"  {problem}")
    failed = int(bool(lost or twice or unstored or unkept))
    if failed:
        print(f"Home Assistant's log and the witness: {config_dir}")
    return verdict(
        f"0 lost, 0 fired twice, every sent id stored, every SMS fired and sent"
        f" id once in the message history, over ≥ {pushes} pushes"
        f" and ≥ {sends} sends",
        failed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=200)
    parser.add_argument("--sends", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4)))
    parser.add_argument(
        "--frontend",
        action="store_true",
        help="with the frontend (scripts/setup --dev)",
    )
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(run(args.pushes, args.sends, args.seed, args.frontend))
    )


if __name__ == "__main__":
    main()
