"""Take the README's screenshots from a running `scripts/develop` instance.

Drives headless Chromium over the DevTools protocol: signs in as the
development user, opens the add-integration dialog (the vendor menu), picks
Dinstar (the vendor form), opens the Dinstar gateway's device page, has the
simulator deliver an SMS and opens the incoming-SMS event entity. Each view is
saved as a PNG in `--out`. Run by `scripts/screenshots`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import itertools
import json
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any

import aiohttp
from develop_bootstrap import PASSWORD, USERNAME  # beside this script

WIDTH, HEIGHT = 1280, 860
WAIT = 60.0
SMS_SENDER, SMS_TEXT = "10010", "尊敬的客户，您的账户余额为 52.30 元。"

# Finds elements through every shadow root: Home Assistant's frontend is made
# of web components.
DEEP = """
function* walk(root) {
  for (const el of root.querySelectorAll('*')) {
    yield el;
    if (el.shadowRoot) yield* walk(el.shadowRoot);
  }
}
function deepFind(text, selector) {
  let best = null;
  for (const el of walk(document)) {
    if (selector && !el.matches(selector)) continue;
    const own = (el.textContent || '').trim();
    if (own.includes(text) && (!best || own.length <= best.textContent.trim().length))
      best = el;
  }
  return best;
}
"""


class Page:
    """One Chromium tab over the DevTools protocol."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """A protocol command; its result (events on the way are dropped)."""
        ident = next(self._ids)
        await self._socket.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await self._socket.receive_json(timeout=WAIT)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def run(self, script: str) -> Any:
        """The value of `script` in the page, awaited when it is a promise."""
        result = await self.call(
            "Runtime.evaluate",
            expression=f"{DEEP}\n{script}",
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{script}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def go(self, url: str) -> None:
        """Open `url`."""
        await self.call("Page.navigate", url=url)

    async def wait_for(self, text: str, selector: str = "") -> None:
        """Until an element with `text` is on the page, then for it to settle."""
        deadline = time.monotonic() + WAIT
        found = f"!!deepFind({json.dumps(text)}, {json.dumps(selector)})"
        while not await self.run(found):
            if time.monotonic() > deadline:
                seen = Path(tempfile.gettempdir()) / "screenshots-timeout.png"
                await self.save(seen)
                raise TimeoutError(f"{text!r} did not appear; the page: {seen}")
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.5)  # dialogs and cards animate in

    async def click(self, text: str, selector: str = "") -> None:
        """Click the smallest element with `text`."""
        clicked = await self.run(
            f"(() => {{ const el = deepFind({json.dumps(text)}, {json.dumps(selector)});"
            " if (!el) return false; el.click(); return true; })()"
        )
        if not clicked:
            raise RuntimeError(f"nothing to click with {text!r}")

    async def fill(self, label: str, value: str) -> None:
        """Type `value` into the text field whose label has `label` in it."""
        filled = await self.run(
            "(() => { for (const el of walk(document)) {"
            f" if ((el.label || '').includes({json.dumps(label)}) && 'value' in el) {{"
            f" el.value = {json.dumps(value)};"
            " el.dispatchEvent(new Event('input', {bubbles: true, composed: true}));"
            " return true; } } return false; })()"
        )
        if not filled:
            raise RuntimeError(f"no field labelled {label!r}")

    async def save(self, path: Path) -> None:
        """A PNG of the viewport."""
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        print(f"saved {path}")


async def sign_in(session: aiohttp.ClientSession, ha: str) -> dict[str, Any]:
    """Tokens of the development user, as the frontend keeps them."""
    client_id = f"{ha}/"
    async with session.post(
        f"{ha}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{ha}/?auth_callback=1",
        },
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{ha}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": USERNAME, "password": PASSWORD},
    ) as response:
        code = (await response.json())["result"]
    async with session.post(
        f"{ha}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
    ) as response:
        tokens = await response.json()
    tokens.update(
        hassUrl=ha,
        clientId=client_id,
        expires=int(time.time() * 1000) + tokens["expires_in"] * 1000,
    )
    return dict(tokens)


async def sign_in_page(session: aiohttp.ClientSession, page: Page, ha: str) -> str:
    """The development user signed in, in `page` (its tokens where the frontend
    keeps them); their access token."""
    tokens = await sign_in(session, ha)
    await page.go(f"{ha}/manifest.json")  # the origin, to store the tokens
    await page.run(
        f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))})"
    )
    return str(tokens["access_token"])


@contextlib.asynccontextmanager
async def chromium(session: aiohttp.ClientSession) -> AsyncIterator[Page]:
    """A headless Chromium with one tab."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    # Chromium's helper processes may still write to the profile as it ends.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            binary,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--lang=en-US",
            f"--window-size={WIDTH},{HEIGHT}",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + WAIT
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline:
                    raise TimeoutError("chromium did not start")
                await asyncio.sleep(0.2)
            port = port_file.read_text().split()[0]
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            url = next(t for t in targets if t["type"] == "page")[
                "webSocketDebuggerUrl"
            ]
            async with session.ws_connect(url, max_msg_size=0) as socket:
                page = Page(socket)
                await page.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=WIDTH,
                    height=HEIGHT,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                yield page
        finally:
            process.terminate()
            await process.wait()


async def template(
    session: aiohttp.ClientSession, ha: str, token: str, text: str
) -> str:
    """A template rendered by Home Assistant."""
    async with session.post(
        f"{ha}/api/template",
        json={"template": text},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return await response.text()


async def run(ha: str, dinstar: str, out: Path) -> None:
    """Sign in, then save each view."""
    out.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession() as session, chromium(session) as page:
        token = await sign_in_page(session, page, ha)

        await page.go(f"{ha}/config/integrations/dashboard/add?domain=sms_gateway")
        await page.wait_for("Do you want to set up SMS Gateway?")
        await page.click("OK", "mwc-button, ha-button, button")
        await page.wait_for("Choose your SMS gateway")
        await page.save(out / "vendor-menu.png")
        await page.click("Dinstar DWG/UC GSM gateway")
        await page.wait_for("Verify the certificate")
        await page.save(out / "vendor-form.png")

        event = (
            "{{ integration_entities('sms_gateway')"
            " | select('search', 'dwg.*incoming_sms') | first }}"
        )
        entity_id = await template(session, ha, token, event)
        device_id = await template(
            session, ha, token, f"{{{{ device_id('{entity_id}') }}}}"
        )
        await page.go(f"{ha}/config/devices/device/{device_id}")
        await page.wait_for("Incoming SMS")
        await page.save(out / "gateway-device.png")

        await page.go(f"{ha}/developer-tools/event")
        await page.wait_for("Listen to events")
        await page.fill("subscribe", "sms_gateway_sms_received")
        # Only this SMS: the simulators' own SMS may come in the same second.
        await page.fill("Filter events", SMS_TEXT)
        await page.click("Start listening", "mwc-button, ha-button, button")
        await page.wait_for("Stop listening")
        async with session.post(
            f"{dinstar}/_control/incoming",
            json={"port": 1, "number": SMS_SENDER, "text": SMS_TEXT},
        ) as response:
            response.raise_for_status()
        await page.wait_for(SMS_TEXT)
        await page.run(
            f"deepFind({json.dumps(SMS_TEXT)}).scrollIntoView({{block: 'center'}})"
        )
        await asyncio.sleep(1)
        await page.save(out / "incoming-sms.png")


def command_line(
    description: str, take: Callable[[str, str, Path], Awaitable[None]]
) -> None:
    """`take(ha, dinstar, out)` with the command line's addresses and folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--ha", required=True)
    parser.add_argument("--dinstar", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    asyncio.run(take(args.ha, args.dinstar, args.out))


def main() -> None:
    """Take them."""
    command_line(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    main()
