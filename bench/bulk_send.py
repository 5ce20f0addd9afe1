"""Bulk send: `sms_gateway.send_sms` to 10,000 recipients, against a bare loop.

For each vendor, the action sends one message to N recipients through the
vendor's simulator (in the gateways' process). The simulator counts and keeps
the requests it gets; the number must be the least the vendor allows:
ceil(N / recipients per request), or N where a request takes one recipient.
Then a bare aiohttp loop in this process makes the very same requests (the
same method, path, body and content type; digest answers made anew, as a
replay would be refused) to the same simulator, as many at a time as the
integration does. Printed: both wall times, the best of ROUNDS sends each,
and their ratio (target: the bare loop's time is at least 0.8 of ours).

Also printed, as "ceiling": the bare loop's time against the same plus the
least an action that answers with, and keeps, a message id per recipient
(DESIGN.md) must do for each recipient after the requests: one answer row and
one kept entry. No integration that does so can have a better ratio.

    .venv/bin/python bench/bulk_send.py [--count 10000] [--vendor goip ...]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from typing import Any

from harness import (
    USERNAME,
    Gateways,
    add_gateway,
    profiling,
    replay,
    start_home_assistant,
    uses_digest,
    verdict,
)

TARGET_RATIO = 0.8
ROUNDS = 3


def rows_and_kept(recipients: list[str]) -> float:
    """The time to make one answer row and one kept entry per recipient."""
    start = time.perf_counter()
    now = time.time()
    rows = [
        {
            "recipient": number,
            "message_id": number,
            "accepted": True,
            "reason": None,
            "task_id": None,
        }
        for number in recipients
    ]
    kept = {
        number: {"at": now, "recipient": number, "port": None, "status": None}
        for number in recipients
    }
    elapsed = time.perf_counter() - start
    del rows, kept
    return elapsed


async def run(vendors: list[str], count: int, profile: bool) -> int:
    from custom_components.sms_gateway.gateways import GATEWAYS
    from custom_components.sms_gateway.gateways.base import SEND_CONCURRENCY
    from custom_components.sms_gateway.gateways.models import Capability

    gateways = await Gateways.start()
    hass, _ = await start_home_assistant()
    hass.loop.set_debug(False)
    recipients = [f"138{index:08d}" for index in range(count)]
    failed = 0
    print(f"one message to {count:,} recipients; {SEND_CONCURRENCY} requests at a time")
    print(
        f"{'':12} {'requests':>8} {'least':>6} {'ours s':>7} {'bare s':>7}"
        f" {'ratio':>6} {'ceiling':>8} {'accepted':>9}"
    )
    for vendor in vendors:
        gateway = GATEWAYS[vendor]
        sim_id, sim_port = await gateways.simulator(vendor)
        entry = await add_gateway(hass, vendor, sim_port)
        await hass.async_block_till_done()
        data: dict[str, Any] = {
            "device_id": entry.runtime_data.inbound.device_id,
            "recipients": recipients,
        }
        if Capability.CHOOSE_DELIVERY_REPORT in gateway.capabilities:
            data["delivery_report"] = False
        best: dict[str, float] = {}
        made = 0
        for round_ in range(ROUNDS):  # each sends anew: the texts differ
            data["message"] = f"bulk {round_}"
            await gateways.call("fund", id=sim_id)
            before = (await gateways.call("requests"))["requests"][sim_id]
            await gateways.call("record", id=sim_id)
            with profiling(profile and round_ == 0, vendor):
                start = time.perf_counter()
                response = await hass.services.async_call(
                    "sms_gateway",
                    "send_sms",
                    data,
                    blocking=True,
                    return_response=True,
                )
                ours = time.perf_counter() - start
            made = (await gateways.call("requests"))["requests"][sim_id] - before
            recorded = (await gateways.call("recorded", id=sim_id))["requests"]
            digest = uses_digest(recorded)
            await gateways.call("fund", id=sim_id)
            theirs, statuses = await replay(
                f"http://127.0.0.1:{sim_port}",
                recorded,
                SEND_CONCURRENCY,
                USERNAME if digest else None,
            )
            best["ours"] = min(ours, best.get("ours", ours))
            best["bare"] = min(theirs, best.get("bare", theirs))
            rows = rows_and_kept(recipients)
            best["rows"] = min(rows, best.get("rows", rows))
        least = math.ceil(count / gateway.max_recipients_per_request)
        ours, theirs = best["ours"], best["bare"]
        accepted = sum(result["accepted"] for result in response["messages"])
        ratio = theirs / ours
        ceiling = theirs / (theirs + best["rows"])
        print(
            f"{vendor:12} {made:8,} {least:6,} {ours:7.3f} {theirs:7.3f}"
            f" {ratio:6.2f} {ceiling:8.2f} {accepted:9,}"
        )
        if set(statuses) != {200}:
            print(f"  the bare loop got answers {sorted(set(statuses))}")
            failed += 1
        if made != least or ratio < TARGET_RATIO or accepted != count:
            failed += 1
    await hass.async_stop()
    await gateways.close()
    return verdict(
        f"requests = the least, bare/ours ≥ {TARGET_RATIO}, all accepted", failed
    )


def main() -> None:
    from custom_components.sms_gateway.gateways import GATEWAYS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--vendor", nargs="*", default=sorted(GATEWAYS))
    parser.add_argument("--profile", action="store_true", help="profile ours")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.vendor, args.count, args.profile)))


if __name__ == "__main__":
    main()
