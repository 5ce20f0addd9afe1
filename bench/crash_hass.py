"""The Home Assistant process of `bench/crash.py`, killed and started again.

    python bench/crash_hass.py CONFIG_DIR SIM_PORT

Home Assistant as `hass -c CONFIG_DIR` runs it, with two additions for the
test (neither part of the integration):

- a witness: a listener on the integration's events, registered before any
  integration is set up, that appends each event to `CONFIG_DIR/witness.jsonl`
  with one `os.write` as it fires (the kernel keeps it when the process is
  killed right after);
- `POST /api/crash/send` (no auth, 127.0.0.1 only): calls `sms_gateway.send_sms`
  and answers its response once the action returned.

At the first start the GoIP entry is added through its config flow; its
webhook id is written to `CONFIG_DIR/webhook_id`.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import sys
import time
from typing import Any

from harness import add_gateway

WITNESSED = ("sms_gateway_sms_received", "sms_gateway_delivery_report")


def witness(config_dir: Path) -> None:
    """Every Home Assistant made from now on records the events it fires, and
    when its HTTP server and the integration were each up (`window.jsonl`)."""
    from homeassistant import core
    from homeassistant.components import http

    window = os.open(
        config_dir / "window.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT
    )

    def moment(name: str) -> None:
        line = json.dumps({"pid": os.getpid(), name: time.time()}) + "\n"
        os.write(window, line.encode())

    start = http.HomeAssistantHTTP.start

    async def started(server: http.HomeAssistantHTTP) -> None:
        await start(server)
        moment("http")

    http.HomeAssistantHTTP.start = started  # type: ignore[method-assign]

    from homeassistant.components import webhook

    register = webhook.async_register

    def registered(
        hass: core.HomeAssistant, domain: str, *args: Any, **kw: Any
    ) -> None:
        if domain == "sms_gateway":
            moment("integration")
        register(hass, domain, *args, **kw)

    webhook.async_register = registered

    fd = os.open(config_dir / "witness.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    original = core.HomeAssistant.__init__

    def record(event: core.Event) -> None:
        line = {"type": event.event_type, **event.data}
        os.write(fd, (json.dumps(line) + "\n").encode())

    def init(hass: core.HomeAssistant, *args: Any, **kwargs: Any) -> None:
        original(hass, *args, **kwargs)
        for event_type in WITNESSED:
            hass.bus.async_listen(event_type, core.callback(record))

    core.HomeAssistant.__init__ = init  # type: ignore[method-assign]


async def main(config_dir: Path, sim_port: int) -> None:
    from aiohttp import web
    from homeassistant import bootstrap
    from homeassistant.components.http import HomeAssistantView
    from homeassistant.runner import RuntimeConfig

    witness(config_dir)
    hass = await bootstrap.async_setup_hass(
        RuntimeConfig(config_dir=str(config_dir), skip_pip=True, log_no_color=True)
    )
    assert hass is not None
    await hass.async_start()
    if not hass.config_entries.async_entries("sms_gateway"):
        # The first start: the entry is added, and Home Assistant stops as it
        # should (its stores written), for `bench/crash.py` to start it again.
        entry = await add_gateway(hass, "goip", sim_port)
        await hass.async_stop()
        (config_dir / "webhook_id").write_text(entry.data["webhook_id"])
        return

    class Send(HomeAssistantView):
        url = "/api/crash/send"
        name = "api:crash:send"
        requires_auth = False

        async def post(self, request: web.Request) -> web.Response:
            body = await request.json()
            response = await hass.services.async_call(
                "sms_gateway",
                "send_sms",
                {"recipients": [body["number"]], "message": body["text"]},
                blocking=True,
                return_response=True,
            )
            return self.json(response)

    hass.http.register_view(Send())
    stopped = asyncio.Event()
    hass.bus.async_listen_once("homeassistant_close", lambda _: stopped.set())
    await stopped.wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
