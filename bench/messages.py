"""The Messages panel's reads, over Home Assistant's websocket.

One Home Assistant instance, one GoIP gateway whose history holds 10,000
messages in 500 conversations: 499 of 16 messages, and one of 2,016 (a long
thread). An administrator's websocket (a real connection, from this process)
asks, REPEAT times each:

- `ping`: Home Assistant's cheapest command, the reference;
- the first page of conversations (50, with their last messages and unread
  counts);
- the newest 50 messages of a conversation of 16;
- the newest 50 messages of the long thread, and a page from its middle
  (`before`): a long thread is read a page at a time, never whole.

Targets (the issue's): the first page of conversations and the newest 50
messages of a conversation each under 20 ms (median, request to answer); a
page of the long thread costs at most twice a page of a short one (it does
not grow with the thread). Ratios to `ping` are printed beside.

    .venv/bin/python bench/messages.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp
from harness import (
    Gateways,
    add_gateway,
    percentile,
    start_home_assistant,
    verdict,
)

CONVERSATIONS = 500
SHORT = 16
LONG = 10_000 - (CONVERSATIONS - 1) * SHORT  # 2,016
PAGE = 50
TARGET_MS = 20.0
TARGET_LONG_RATIO = 2.0


def fill(inbound: Any) -> str:
    """10,000 messages in 500 conversations, journalled as pushes are; the
    long thread's name."""
    history = inbound.history
    at = time.time() - 86400
    for index in range(CONVERSATIONS):
        count = LONG if index == 0 else SHORT
        thread = f"1360000{index:04d}"
        for message in range(count):
            history.received(
                thread, thread, "G101", at, f"message {message} " * 4, None
            )
            at += 0.01
        inbound.commit()
    return "13600000000"


class Socket:
    """An administrator's websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Authenticated."""
        self.ws = ws
        self.next_id = 1

    async def ask(self, kind: str, **data: Any) -> tuple[float, Any]:
        """One command's time (ms) and result."""
        message = {"id": self.next_id, "type": kind, **data}
        self.next_id += 1
        start = time.perf_counter()
        await self.ws.send_json(message)
        answer = await self.ws.receive_json()
        elapsed = (time.perf_counter() - start) * 1000
        if not answer.get("success") and answer.get("type") != "pong":
            raise SystemExit(f"{kind}: {answer}")
        return elapsed, answer.get("result")


async def admin_token(hass: Any) -> str:
    """An access token of a new administrator."""
    user = await hass.auth.async_create_user("bench", group_ids=["system-admin"])
    refresh = await hass.auth.async_create_refresh_token(
        user, client_id="http://127.0.0.1/"
    )
    token: str = hass.auth.async_create_access_token(refresh)
    return token


async def run(repeat: int) -> int:
    gateways = await Gateways.start()
    hass, http_port = await start_home_assistant(components=("websocket_api",))
    _, sim_port = await gateways.simulator("goip")
    entry = await add_gateway(hass, "goip", sim_port)
    inbound = entry.runtime_data.inbound
    long_thread = fill(inbound)
    await inbound.database.async_flush()
    token = await admin_token(hass)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"http://127.0.0.1:{http_port}/api/websocket") as ws,
    ):
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            raise SystemExit("not authenticated")
        socket = Socket(ws)
        first = await socket.ask("sms_gateway/conversations", limit=PAGE)
        short_thread = first[1]["conversations"][1]["thread"]
        middle = (
            await socket.ask(
                "sms_gateway/thread",
                entry_id=entry.entry_id,
                thread=long_thread,
                limit=1,
            )
        )[1]["messages"][0]["id"] - LONG // 2
        asks = {
            "ping": ("ping", {}),
            "conversations, first page": (
                "sms_gateway/conversations",
                {"limit": PAGE},
            ),
            f"thread of {SHORT}, newest {PAGE}": (
                "sms_gateway/thread",
                {"entry_id": entry.entry_id, "thread": short_thread, "limit": PAGE},
            ),
            f"thread of {LONG:,}, newest {PAGE}": (
                "sms_gateway/thread",
                {"entry_id": entry.entry_id, "thread": long_thread, "limit": PAGE},
            ),
            f"thread of {LONG:,}, a page in the middle": (
                "sms_gateway/thread",
                {
                    "entry_id": entry.entry_id,
                    "thread": long_thread,
                    "limit": PAGE,
                    "before": middle,
                },
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in asks}
        sizes: dict[str, int] = {}
        for _ in range(repeat):
            for name, (kind, data) in asks.items():
                elapsed, result = await socket.ask(kind, **data)
                times[name].append(elapsed)
                if isinstance(result, dict):
                    sizes[name] = len(
                        result.get("conversations", result.get("messages", []))
                    )
    await hass.async_stop()
    await gateways.close()
    print(
        f"{len(inbound.history.threads):,} conversations,"
        f" {inbound.history.next_id - 1:,} messages; median of {repeat} asks"
    )
    print(f"{'':40} {'median ms':>9} {'p95 ms':>7} {'× ping':>7} {'items':>6}")
    ping = percentile(times["ping"], 0.5)
    medians = {}
    for name, found in times.items():
        medians[name] = median = percentile(found, 0.5)
        print(
            f"{name:40} {median:9.2f} {percentile(found, 0.95):7.2f}"
            f" {median / ping:7.1f} {sizes.get(name, '')!s:>6}"
        )
    short = medians[f"thread of {SHORT}, newest {PAGE}"]
    long_ratio = (
        max(
            medians[f"thread of {LONG:,}, newest {PAGE}"],
            medians[f"thread of {LONG:,}, a page in the middle"],
        )
        / short
    )
    print(f"a page of the long thread against one of a short: {long_ratio:.2f}")
    missed = sum(
        (
            medians["conversations, first page"] >= TARGET_MS,
            short >= TARGET_MS,
            long_ratio > TARGET_LONG_RATIO,
            sizes.get(f"thread of {LONG:,}, a page in the middle") != PAGE,
        )
    )
    return verdict(
        f"first page of conversations and newest {PAGE} messages under {TARGET_MS:.0f} ms,"
        f" a page of a long thread within {TARGET_LONG_RATIO}× a short one's",
        missed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.repeat)))


if __name__ == "__main__":
    main()
