"""Run one simulated gateway: `python -m simulator goip --port 8081`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random

from . import SIMULATORS
from .goip import GoipSimulator

SENDERS = ("10086", "+8613800138000", "+447700900123")
TEXTS = (
    "Your balance is 12.50.",
    "尊敬的客户，本次活动已结束，感谢您的支持！【中国移动】",
    "Door code for today: 4711",
)


async def _auto(
    simulator: GoipSimulator, advance_every: float, incoming_every: float
) -> None:
    """Keep a development instance lively: progress sends, receive now and then."""
    elapsed = 0.0
    while True:
        await asyncio.sleep(advance_every)
        await simulator.advance()
        elapsed += advance_every
        if incoming_every and elapsed >= incoming_every and simulator.lines:
            elapsed = 0.0
            await simulator.inject_incoming(
                random.choice(list(simulator.lines)),
                random.choice(SENDERS),
                random.choice(TEXTS),
            )


async def _main(args: argparse.Namespace) -> None:
    simulator = SIMULATORS[args.vendor]()
    if isinstance(simulator, GoipSimulator):
        simulator.username, simulator.password = args.username, args.password
    port = await simulator.start(args.host, args.port)
    print(f"{args.vendor} simulator on http://{args.host}:{port}", flush=True)
    try:
        if args.auto and isinstance(simulator, GoipSimulator):
            await _auto(simulator, args.advance_every, args.incoming_every)
        else:
            await asyncio.Event().wait()
    finally:
        await simulator.stop()


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulator")
    parser.add_argument("vendor", choices=sorted(SIMULATORS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--auto", action="store_true", help="advance sends by itself")
    parser.add_argument("--advance-every", type=float, default=2.0)
    parser.add_argument("--incoming-every", type=float, default=30.0)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
