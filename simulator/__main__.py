"""Run one simulated gateway: `python -m simulator goip --port 8081`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random

from . import SIMULATORS
from .base import Simulator

SENDERS = ("10086", "+8613800138000", "+447700900123")
TEXTS = (
    "Your balance is 12.50.",
    "尊敬的客户，本次活动已结束，感谢您的支持！【中国移动】",
    "Door code for today: 4711",
)


async def _auto(
    simulator: Simulator, advance_every: float, incoming_every: float
) -> None:
    """Keep a development instance lively: progress sends, receive now and then."""
    elapsed = 0.0
    while True:
        await asyncio.sleep(advance_every)
        await simulator.advance()
        elapsed += advance_every
        if incoming_every and elapsed >= incoming_every:
            elapsed = 0.0
            await simulator.inject_sample_incoming(
                random.choice(SENDERS), random.choice(TEXTS)
            )


async def _main(args: argparse.Namespace) -> None:
    simulator = SIMULATORS[args.vendor](username=args.username, password=args.password)
    if args.first_id is not None:
        simulator.continue_ids(args.first_id)
    port = await simulator.start(args.host, args.port, args.https_port)
    print(f"{args.vendor} simulator on http://{args.host}:{port}", flush=True)
    if args.https_port is not None:
        print(f"  and https://{args.host}:{simulator.https_port}", flush=True)
    try:
        if args.auto:
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
    parser.add_argument("--https-port", type=int, default=None)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--auto", action="store_true", help="advance sends by itself")
    parser.add_argument("--advance-every", type=float, default=2.0)
    parser.add_argument("--incoming-every", type=float, default=30.0)
    parser.add_argument(
        "--first-id",
        type=int,
        default=None,
        help="number sends from here, as a gateway that kept its database",
    )
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
