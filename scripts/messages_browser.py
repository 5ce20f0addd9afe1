"""The Messages panel and the SMS card in a real browser, against `scripts/develop`.

Headless Chromium, signed in as the development user: opens *Messages* from
the sidebar's address, has the Dinstar simulator receive an SMS and waits for
it to appear live, answers it from the thread's reply box, checks that the
simulator was asked to send exactly that reply, has the simulator deliver it
and waits for the delivered mark; starts a conversation with **New** (the
gateway chosen, a number) and finds it by searching its text; then puts the SMS card on a dashboard of its
own and loads that dashboard three times (the card registration race), each
time seeing the card render the conversation. Saves the README's screenshots
(light and dark, desktop and phone width) into `--out`. Any step that does not
happen within a minute fails the run.

    .venv/bin/python scripts/messages_browser.py --ha URL --dinstar URL [--out DIR]
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import time
from typing import Any

import aiohttp
from screenshots import (  # beside this script
    HEIGHT,
    WAIT,
    WIDTH,
    Page,
    chromium,
    command_line,
    sign_in_page,
)

SENDER = "13800138000"
NEW_NUMBER = "13900139000"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844


async def websocket(
    session: aiohttp.ClientSession, ha: str, token: str, message: dict[str, Any]
) -> Any:
    """One websocket command's result, as the frontend would send it."""
    async with session.ws_connect(f"{ha}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        await ws.receive_json()
        await ws.send_json({"id": 1, **message})
        answer = await ws.receive_json()
    if not answer.get("success"):
        raise RuntimeError(f"{message['type']}: {answer}")
    return answer.get("result")


async def in_panel(page: Page, script: str) -> Any:
    """`script` with `root`, the panel's shadow root."""
    return await page.run(
        "(() => { const panel = [...walk(document)].find("
        "(el) => el.localName === 'sms-gateway-panel');"
        " if (!panel) return null; const root = panel.shadowRoot;"
        f" return ({script}); }})()"
    )


async def until(what: str, check: Any, explain: Any = None) -> Any:
    """Poll `check()` (a coroutine) until it gives something true; past the
    wait, fail with what `explain()` (a coroutine) tells of the state."""
    deadline = time.monotonic() + WAIT
    while not (found := await check()):
        if time.monotonic() > deadline:
            detail = f": {await explain()}" if explain is not None else ""
            raise TimeoutError(f"{what} did not happen{detail}")
        await asyncio.sleep(0.3)
    return found


async def listed_and_stored(page: Page) -> str:
    """The panel's list, and Home Assistant's newest conversations: whether an
    SMS missing from the list was kept and not told, or never kept."""
    listed = await in_panel(page, "root.querySelector('#conversations').textContent")
    stored = await in_panel(
        page,
        "root.host.hass.connection.sendMessagePromise("
        "{type: 'sms_gateway/conversations', limit: 5}).then((answer) =>"
        " JSON.stringify(answer.conversations.map((c) => c.last && c.last.text)))",
    )
    return f"the panel lists {listed!r}; Home Assistant's newest: {stored}"


async def sim_sends(session: aiohttp.ClientSession, dinstar: str) -> list[Any]:
    """What the Dinstar simulator was asked to send."""
    async with session.get(f"{dinstar}/_control/state") as response:
        state = await response.json()
    return list(state["outgoing"])


HOST = "root.host"
SHOWN = "getComputedStyle(root.querySelector('{}')).display !== 'none'"


def _dark(color: str) -> bool:
    """An `rgb(r, g, b)` of little light."""
    values = [int(part) for part in color[color.index("(") + 1 : -1].split(",")[:3]]
    return sum(values) / 3 < 80


async def theme(page: Page, dark: bool) -> None:
    """Home Assistant's theme as a user picks it in their profile."""
    await page.run(
        "localStorage.setItem('selectedTheme',"
        f" JSON.stringify({{theme: 'default', dark: {json.dumps(dark)}}}))"
    )


async def size(page: Page, phone: bool) -> None:
    await page.call(
        "Emulation.setDeviceMetricsOverride",
        width=PHONE_WIDTH if phone else WIDTH,
        height=PHONE_HEIGHT if phone else HEIGHT,
        deviceScaleFactor=1,
        mobile=phone,
    )


async def open_panel(page: Page, ha: str) -> None:
    await page.go(f"{ha}/sms-messages")
    await until(
        "the panel's conversation list",
        lambda: in_panel(page, "root && !!root.querySelector('#conversations li')"),
    )


async def run(ha: str, dinstar: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    async with aiohttp.ClientSession() as session, chromium(session) as page:
        token = await sign_in_page(session, page, ha)
        await theme(page, dark=False)
        await conversation(page, session, ha, dinstar, out)
        await new_conversation(page, session, ha, dinstar)
        await looks(page, ha, out)
        await card(page, session, ha, token, out)


async def conversation(
    page: Page, session: aiohttp.ClientSession, ha: str, dinstar: str, out: Path
) -> None:
    """An SMS arrives live, is answered, and the answer is delivered."""
    text = f"Is the heating on? ({int(time.time()) % 100000})"
    reply = "Yes, 21 °C — 暖气已开"
    await open_panel(page, ha)

    # an SMS arrives: in the list without a reload
    async with session.post(
        f"{dinstar}/_control/incoming",
        json={"port": 1, "number": SENDER, "text": text},
    ) as response:
        response.raise_for_status()
    await until(
        "the SMS in the list",
        lambda: in_panel(
            page,
            f"root.querySelector('#conversations').textContent.includes({json.dumps(text)})",
        ),
        lambda: listed_and_stored(page),
    )
    print("the SMS appeared live")

    # open it, answer it
    await in_panel(
        page,
        "[...root.querySelectorAll('#conversations li')].find((li) =>"
        f" li.textContent.includes({json.dumps(text)})).click()",
    )
    await until(
        "the thread",
        lambda: in_panel(
            page,
            f"root.querySelector('#messages').textContent.includes({json.dumps(text)})",
        ),
    )
    await in_panel(
        page,
        "(() => { const box = root.querySelector('#text');"
        f" box.value = {json.dumps(reply)};"
        " box.dispatchEvent(new Event('input')); return true; })()",
    )
    counter = await in_panel(page, "root.querySelector('#counter').textContent")
    assert counter.startswith(f"{len(reply)}/70 · 1 SMS · UCS-2"), counter
    before = len(await sim_sends(session, dinstar))
    await in_panel(page, "root.querySelector('#send').click()")
    sent = await until(
        "the reply at the gateway",
        lambda: _new_sends(session, dinstar, before),
    )
    assert [(s["number"], s["text"]) for s in sent] == [(SENDER, reply)], sent
    print("the gateway was asked to send the reply")
    await until(
        "the reply's bubble",
        lambda: in_panel(
            page,
            f"root.querySelector('#messages .out') && root.querySelector('#messages').textContent.includes({json.dumps(reply)})",
        ),
    )

    # the gateway sends and delivers it (a step each time it is told to
    # advance): the mark changes without a reload
    async def delivered() -> bool:
        async with session.post(f"{dinstar}/_control/advance") as response:
            response.raise_for_status()
        return bool(
            await in_panel(
                page,
                "[...root.querySelectorAll('#messages .out .mark')]"
                ".some((m) => m.title === 'Delivered')",
            )
        )

    await until("the delivered mark", delivered)
    print("the delivered mark appeared")
    await page.save(out / "messages-light.png")


async def new_conversation(
    page: Page, session: aiohttp.ClientSession, ha: str, dinstar: str
) -> None:
    """**New**, a number, a text: sent from the chosen gateway, the new
    conversation opened; then found by searching its text."""
    text = f"Hello from Home Assistant ({int(time.time()) % 100000})"
    await open_panel(page, ha)
    await in_panel(page, "root.querySelector('#new').click()")
    await until(
        "the new-message form",
        lambda: in_panel(page, "!!root.querySelector('#number')"),
    )
    dinstar_gateway = await in_panel(
        page,
        "(() => { const select = root.querySelector('#gateway');"
        " const option = [...select.options].find((o) => o.text.startsWith('DWG'));"
        " select.value = option.value; select.dispatchEvent(new Event('change'));"
        " return option.value; })()",
    )
    assert dinstar_gateway, "no Dinstar gateway to send from"
    await in_panel(
        page,
        "(() => { for (const [id, value] of"
        f" [['#number', {json.dumps(NEW_NUMBER)}], ['#text', {json.dumps(text)}]]) {{"
        " const field = root.querySelector(id); field.value = value;"
        " field.dispatchEvent(new Event('input')); } return true; })()",
    )
    before = len(await sim_sends(session, dinstar))
    await in_panel(page, "root.querySelector('#send').click()")
    sent = await until(
        "the new SMS at the gateway", lambda: _new_sends(session, dinstar, before)
    )
    assert [(s["number"], s["text"]) for s in sent] == [(NEW_NUMBER, text)], sent
    await until(
        "the new conversation, open",
        lambda: in_panel(
            page,
            "root.querySelector('h2') && root.querySelector('h2').textContent"
            f".includes({json.dumps(NEW_NUMBER)})",
        ),
    )
    print("a new conversation was started and sent")
    await in_panel(
        page,
        "(() => { const box = root.querySelector('#search');"
        f" box.value = {json.dumps(text[:20])};"
        " box.dispatchEvent(new Event('input')); return true; })()",
    )
    await until(
        "the search's one conversation",
        lambda: in_panel(
            page,
            "root.querySelectorAll('#conversations li[data-index]').length === 1"
            " && root.querySelector('#conversations').textContent"
            f".includes({json.dumps(NEW_NUMBER)})",
        ),
    )
    print("the search found it")


async def looks(page: Page, ha: str, out: Path) -> None:
    """Dark (Home Assistant's dark background behind the panel), and at a
    phone's width: the list alone, then the conversation alone."""
    await theme(page, dark=True)
    await open_panel(page, ha)
    await in_panel(page, "root.querySelector('#conversations li').click()")
    await asyncio.sleep(1)
    background = await in_panel(page, f"getComputedStyle({HOST}).backgroundColor")
    assert _dark(background), f"not dark: {background}"
    await page.save(out / "messages-dark.png")
    await size(page, phone=True)
    await open_panel(page, ha)
    assert await in_panel(page, SHOWN.format(".list")), "the list is not shown"
    assert not await in_panel(page, SHOWN.format(".thread")), (
        "list and thread both shown"
    )
    await page.save(out / "messages-phone-list.png")
    await in_panel(page, "root.querySelector('#conversations li').click()")
    await asyncio.sleep(1)
    assert await in_panel(page, SHOWN.format(".thread")), "the thread is not shown"
    assert not await in_panel(page, SHOWN.format(".list")), "thread and list both shown"
    await page.save(out / "messages-phone-thread.png")
    await size(page, phone=False)
    await theme(page, dark=False)


async def card(
    page: Page, session: aiohttp.ClientSession, ha: str, token: str, out: Path
) -> None:
    """The card on a dashboard of its own, loaded three times."""

    # the card, on a dashboard of its own, loaded three times
    dashboards = await websocket(
        session, ha, token, {"type": "lovelace/dashboards/list"}
    )
    if not any(d["url_path"] == "sms-card" for d in dashboards):
        await websocket(
            session,
            ha,
            token,
            {
                "type": "lovelace/dashboards/create",
                "url_path": "sms-card",
                "title": "SMS card",
                "mode": "storage",
            },
        )
    await websocket(
        session,
        ha,
        token,
        {
            "type": "lovelace/config/save",
            "url_path": "sms-card",
            "config": {
                "views": [
                    {
                        "title": "SMS",
                        "cards": [{"type": "custom:sms-gateway-card", "limit": 4}],
                    }
                ]
            },
        },
    )
    for attempt in range(3):
        await page.go(f"{ha}/sms-card/0")
        await until(
            f"the card (load {attempt + 1})",
            lambda: page.run(
                "[...walk(document)].some((el) => el.localName === 'sms-gateway-card'"
                f" && el.shadowRoot && el.shadowRoot.textContent.includes({json.dumps(SENDER)}))"
            ),
        )
        broken = await page.run(
            "[...walk(document)].some((el) => el.localName === 'hui-error-card')"
        )
        assert not broken, "an error card instead of the SMS card"
    print("the card rendered at each of 3 loads")
    await asyncio.sleep(1)
    await page.save(out / "sms-card.png")


async def _new_sends(
    session: aiohttp.ClientSession, dinstar: str, before: int
) -> list[Any]:
    return (await sim_sends(session, dinstar))[before:]


def main() -> None:
    command_line(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    main()
