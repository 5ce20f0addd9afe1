"""The message history: stored, threaded, counted, and served over the websocket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.sms_gateway import history_db
from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.gateways import GATEWAYS
from custom_components.sms_gateway.gateways.models import RecipientResult
from custom_components.sms_gateway.history import (
    DATA_FOLLOWERS,
    History,
    number_of,
    thread_of,
)
from custom_components.sms_gateway.websocket import _before
from simulator.dinstar import DinstarSimulator
from simulator.goip import GoipSimulator

from .conftest import WEBHOOK_ID, send_sms, set_options
from .stored import on_disk

Client = Any


@pytest.fixture
async def pushing(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> MockConfigEntry:
    """The GoIP entry, its simulator pushing to the real webhook."""
    # before the HTTP server starts (then its routes are frozen)
    assert await async_setup_component(hass, "websocket_api", {})
    client = await hass_client_no_auth()
    goip_sim.point_pushes(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")))
    return init_integration


@pytest.fixture
async def ws(
    hass: HomeAssistant, pushing: MockConfigEntry, hass_ws_client: WebSocketGenerator
) -> AsyncIterator[Client]:
    """An administrator's websocket."""
    yield await hass_ws_client(hass)


# what subscriptions pushed while a command's answer was awaited, by socket
EVENTS: dict[int, list[dict[str, Any]]] = {}


async def answer_to(ws: Client, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The answer to one command; events that come first are kept (`event`)."""
    await ws.send_json_auto_id({"type": f"{DOMAIN}/{kind}", **data})
    while (message := await ws.receive_json())["type"] == "event":
        EVENTS.setdefault(id(ws), []).append(message["event"])
    return message  # type: ignore[no-any-return]


async def event(ws: Client) -> dict[str, Any]:
    """The next change a subscription pushed."""
    if kept := EVENTS.get(id(ws)):
        return kept.pop(0)
    message = await ws.receive_json()
    assert message["type"] == "event", message
    return message["event"]  # type: ignore[no-any-return]


async def command(ws: Client, kind: str, **data: Any) -> Any:
    """One command's result; fails on an error."""
    answer = await answer_to(ws, kind, data)
    assert answer["success"], answer
    return answer["result"]


async def refused(ws: Client, kind: str, **data: Any) -> dict[str, Any]:
    """One command's error."""
    answer = await answer_to(ws, kind, data)
    assert not answer["success"], answer
    error: dict[str, Any] = answer["error"]
    return error


async def test_a_received_sms_is_a_conversation(
    hass: HomeAssistant, goip_sim: GoipSimulator, pushing: MockConfigEntry, ws: Client
) -> None:
    """On disk when the push is answered; then listed, with its unread count."""
    await goip_sim.inject_incoming("G102", "+86 136 0000 0000", "余额 12.50")
    stored = on_disk(hass, pushing.entry_id)["messages"]
    assert [(m["thread"], m["number"], m["text"], m["port"]) for m in stored] == [
        ("+8613600000000", "+86 136 0000 0000", "余额 12.50", "G102")
    ]
    result = await command(ws, "conversations")
    assert result["next"] is None
    [conversation] = result["conversations"]
    assert conversation["entry_id"] == pushing.entry_id
    assert conversation["number"] == "+8613600000000"
    assert conversation["unread"] == 1
    assert conversation["last"]["text"] == "余额 12.50"
    assert conversation["last"]["incoming"] is True
    thread = await command(
        ws, "thread", entry_id=pushing.entry_id, thread=conversation["thread"]
    )
    assert [m["text"] for m in thread["messages"]] == ["余额 12.50"]
    assert thread["unread"] == 1


async def test_a_reply_and_its_delivery(
    hass: HomeAssistant, goip_sim: GoipSimulator, pushing: MockConfigEntry, ws: Client
) -> None:
    """A reply is sent as `send_sms` sends; its marks follow its reports, live."""
    await goip_sim.inject_incoming("G101", "10086", "balance?")
    await command(ws, "subscribe")
    answer = await command(
        ws,
        "send",
        entry_id=pushing.entry_id,
        thread="10086",
        message="余额",
        port="G101",
    )
    assert [(m["recipient"], m["accepted"]) for m in answer["messages"]] == [
        ("10086", True)
    ]
    change = await event(ws)
    assert change["type"] == "message"
    assert change["message"]["incoming"] is False
    assert change["message"]["status"] == "pending"
    assert change["message"]["message_id"] == answer["messages"][0]["message_id"]
    for _ in range(3):  # sending, sent, delivered
        await goip_sim.advance()
    await hass.async_block_till_done()
    states = [await event(ws) for _ in range(2)]
    assert [(s["type"], s["status"]) for s in states] == [
        ("status", "sent"),
        ("status", "delivered"),
    ]
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10086")
    assert [(m["incoming"], m["status"]) for m in thread["messages"]] == [
        (False, "delivered"),
        (True, None),
    ]


async def test_a_reply_is_checked_as_send_sms_checks(
    pushing: MockConfigEntry, ws: Client
) -> None:
    """The same refusals, with their translation keys."""
    error = await refused(
        ws, "send", entry_id=pushing.entry_id, thread="10086", message="  "
    )
    assert error["translation_key"] == "empty_message"
    error = await refused(
        ws, "send", entry_id=pushing.entry_id, recipients=["x"], message="hi"
    )
    assert error["translation_key"] == "invalid_number"
    error = await refused(ws, "send", entry_id="nope", thread="1", message="hi")
    assert error["translation_key"] == "gateway_not_loaded"


async def test_reading_and_deleting(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    pushing: MockConfigEntry,
    ws: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Read markers and deletions move the unread count; the sensors follow."""
    for text in ("one", "two", "three"):
        await goip_sim.inject_incoming("G101", "10086", text, None)
        freezer.tick(1)
    await goip_sim.inject_incoming("G101", "10010", "other", None)
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.goip_sms_server_unread_sms").state == "4"
    assert hass.states.get("sensor.goip_sms_server_sms_received").state == "4"
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10086")
    first = thread["messages"][-1]["id"]
    await command(ws, "subscribe")
    await command(ws, "delete", entry_id=pushing.entry_id, thread="10086", ids=[first])
    await command(ws, "mark_read", entry_id=pushing.entry_id, thread="10010")
    changes = [await event(ws) for _ in range(2)]
    assert [(c["type"], c["thread"]) for c in changes] == [
        ("deleted", "10086"),
        ("read", "10010"),
    ]
    assert changes[0]["ids"] == [first]
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.goip_sms_server_unread_sms").state == "2"
    conversations = (await command(ws, "conversations"))["conversations"]
    assert [(c["thread"], c["unread"]) for c in conversations] == [
        ("10010", 0),
        ("10086", 2),
    ]
    await command(ws, "delete", entry_id=pushing.entry_id, thread="10086")
    assert (await event(ws))["ids"] is None  # the whole conversation
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.goip_sms_server_unread_sms").state == "0"
    assert hass.states.get("sensor.goip_sms_server_sms_received").state == "4"
    conversations = (await command(ws, "conversations"))["conversations"]
    assert [c["thread"] for c in conversations] == ["10010"]


async def test_pages(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    pushing: MockConfigEntry,
    ws: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Conversations and a thread's messages, page by page, none twice."""
    for number in range(7):
        await goip_sim.inject_incoming("G101", f"1000{number}", "hi", None)
        freezer.tick(1)
    for index in range(5):
        await goip_sim.inject_incoming("G101", "10000", f"more {index}", None)
        freezer.tick(1)
    seen: list[str] = []
    before = None
    while True:
        page = await command(
            ws, "conversations", limit=3, **({"before": before} if before else {})
        )
        seen += [c["thread"] for c in page["conversations"]]
        if (before := page["next"]) is None:
            break
    assert seen == ["10000", "10006", "10005", "10004", "10003", "10002", "10001"]
    texts: list[str] = []
    before = None
    while True:
        page = await command(
            ws,
            "thread",
            entry_id=pushing.entry_id,
            thread="10000",
            limit=2,
            **({"before": before} if before else {}),
        )
        texts += [m["text"] for m in page["messages"]]
        if (before := page["next"]) is None:
            break
    assert texts == ["more 4", "more 3", "more 2", "more 1", "more 0", "hi"]
    found = await command(ws, "conversations", search="more 3")
    assert [c["thread"] for c in found["conversations"]] == ["10000"]
    found = await command(ws, "conversations", search="1000_")
    assert found["conversations"] == []  # `_` is a character, not a wildcard


async def test_every_command_is_for_administrators(
    hass: HomeAssistant,
    pushing: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
) -> None:
    """Whatever the panel's visibility: a user who is no administrator gets
    nothing."""
    ws = await hass_ws_client(hass, hass_read_only_access_token)
    for kind, data in (
        ("gateways", {}),
        ("conversations", {}),
        ("thread", {"entry_id": pushing.entry_id, "thread": "1"}),
        ("subscribe", {}),
        ("mark_read", {"entry_id": pushing.entry_id, "thread": "1"}),
        ("delete", {"entry_id": pushing.entry_id, "thread": "1"}),
        ("send", {"entry_id": pushing.entry_id, "thread": "1", "message": "x"}),
    ):
        error = await refused(ws, kind, **data)
        assert error["code"] == "unauthorized", kind


async def test_the_gateways_to_send_from(pushing: MockConfigEntry, ws: Client) -> None:
    """The compose box's choices: each loaded gateway and its ports."""
    [gateway] = (await command(ws, "gateways"))["gateways"]
    assert gateway["entry_id"] == pushing.entry_id
    assert [p["port"] for p in gateway["ports"]] == ["G101", "G102", "G103", "G104"]
    assert gateway["history"] is True


async def test_kept_across_a_restart_and_counted(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    pushing: MockConfigEntry,
    ws: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    await goip_sim.inject_incoming("G101", "10086", "before")
    freezer.tick(1)
    await command(
        ws, "send", entry_id=pushing.entry_id, recipients=["10010"], message="x"
    )
    await hass.config_entries.async_reload(pushing.entry_id)
    await hass.async_block_till_done()
    conversations = (await command(ws, "conversations"))["conversations"]
    assert [(c["thread"], c["unread"]) for c in conversations] == [
        ("10010", 0),
        ("10086", 1),
    ]
    await goip_sim.inject_incoming("G101", "10086", "after")
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.goip_sms_server_unread_sms").state == "2"
    assert hass.states.get("sensor.goip_sms_server_sms_received").state == "2"
    assert hass.states.get("sensor.goip_sms_server_sms_sent").state == "1"


async def test_retention(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    pushing: MockConfigEntry,
    ws: Client,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At most N messages, N days; 0 keeps no text at all."""
    await set_options(hass, pushing, history_messages=3, history_days=2)
    for index in range(5):
        await goip_sim.inject_incoming("G101", "10086", f"m{index}", None)
        freezer.tick(1)
    await pushing.runtime_data.inbound.database.async_flush()
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10086")
    assert [m["text"] for m in thread["messages"]] == ["m4", "m3", "m2"]
    assert thread["unread"] == 3
    freezer.tick(timedelta(days=2, seconds=1))
    await goip_sim.inject_incoming("G101", "10010", "new", None)
    conversations = (await command(ws, "conversations"))["conversations"]
    assert [c["thread"] for c in conversations] == ["10010"]  # went at the write
    assert pushing.runtime_data.inbound.history.unread == 1
    # without any write: within the hour
    freezer.tick(timedelta(days=2, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (await command(ws, "conversations"))["conversations"] == []
    assert pushing.runtime_data.inbound.history.unread == 0
    await set_options(hass, pushing, history_messages=0)
    assert (await command(ws, "conversations"))["conversations"] == []
    await goip_sim.inject_incoming("G101", "10086", "not kept", None)
    assert on_disk(hass, pushing.entry_id)["messages"] == []
    assert (await command(ws, "gateways"))["gateways"][0]["history"] is False


async def test_refused_recipients_are_kept_as_failed(
    hass: HomeAssistant, pushing: MockConfigEntry, ws: Client
) -> None:
    """A recipient the gateway refused (a request of a bulk send refused) is
    a failed message of its conversation, with the refusal's code."""
    pushing.runtime_data.inbound.track_refused(
        [
            RecipientResult("10010", None, accepted=False, reason="none_line"),
            RecipientResult("10086", "7.10086", accepted=True),
        ],
        None,
        "x",
    )
    conversations = (await command(ws, "conversations"))["conversations"]
    assert [
        (c["thread"], c["last"]["status"], c["last"]["error"]) for c in conversations
    ] == [("10010", "failed", "none_line")]


@pytest.mark.parametrize(
    ("vendor", "numbers", "threads"),
    [
        # a platform sends within one country: the country code is left out
        ("cloud_apiv1", ["+86 136 0000 0000", "13600000000"], 1),
        ("cloud_467890", ["008613600000000", "136-0000-0000"], 1),
        # a GSM gateway dials what it is given: two numbers
        ("goip", ["+86 136 0000 0000", "13600000000"], 2),
        ("openvox", ["+8613600000000", "13600000000"], 2),
    ],
)
def test_conversations_follow_the_vendors_number_rules(
    vendor: str, numbers: list[str], threads: int
) -> None:
    normalize = GATEWAYS[vendor](None, {}).normalize_recipient  # type: ignore[arg-type]
    assert len({thread_of(normalize, number, None) for number in numbers}) == threads


def test_extensions_and_names_are_threads_of_their_own() -> None:
    normalize = GATEWAYS["cloud_apiv1"](None, {}).normalize_recipient  # type: ignore[arg-type]
    assert thread_of(normalize, "+8613600000000", "12") == "13600000000#12"
    assert number_of("13600000000#12") == ("13600000000", "12")
    assert number_of("13600000000") == ("13600000000", None)
    assert thread_of(normalize, " BANK ", None) == "BANK"


def test_a_cursor_bounds_each_gateway_in_the_order_of_the_list() -> None:
    """Time, then gateway, then thread, all descending: at the cursor's time,
    a gateway listed after the cursor's keeps its threads, one before does not."""
    cursor = [100.0, "entry-b", "555"]
    assert _before(cursor, "entry-b") == (100.0, "555")
    assert _before(cursor, "entry-a") == (100.0, "\U0010ffff")
    assert _before(cursor, "entry-c") == (100.0, "")
    assert _before(None, "entry-a") is None


def test_unreadable_counters_are_left_out(hass: HomeAssistant) -> None:
    history = History(hass, "entry")
    problems = history.load(
        {},
        {"count_received": {"": 3, "1": 2}, "count_sent": "many", "count_failed": None},
    )
    assert problems == ["count_sent"]
    assert history.counters["received"] == {"": 3, "1": 2}
    assert history.counters["sent"] == {}


async def test_a_send_tracked_twice_is_one_message(
    pushing: MockConfigEntry, ws: Client
) -> None:
    """A vendor whose ids are its own keeps them before the request leaves and
    passes them again with the answer (Dinstar): one message each."""
    inbound = pushing.runtime_data.inbound
    results = [RecipientResult("10010", "9.10010", accepted=True)]
    inbound.track_sent(results, None, "x")
    inbound.track_sent(results, None, "x")
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10010")
    assert [m["message_id"] for m in thread["messages"]] == ["9.10010"]


async def test_a_message_kept_before_its_refused_request_is_failed(
    pushing: MockConfigEntry, ws: Client
) -> None:
    """Ids kept before the request left (Dinstar), the request then refused:
    that message, failed with the refusal, not a second one."""
    inbound = pushing.runtime_data.inbound
    inbound.track_sent([RecipientResult("10010", "77", accepted=True)], None, "x")
    inbound.track_refused(
        [RecipientResult("10010", None, accepted=False, reason="none_line")],
        None,
        "x",
        since=0.0,
    )
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10010")
    assert [(m["message_id"], m["status"], m["error"]) for m in thread["messages"]] == [
        ("77", "failed", "none_line")
    ]
    assert inbound.pending_message_ids() == []


async def test_a_send_that_fails_leaves_no_message_pending(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    """Dinstar's ids are kept before the request leaves; the gateway then
    fails the request: the message is failed, with the error, not pending."""
    dinstar_sim.fault = "http500"
    with pytest.raises(HomeAssistantError):
        await send_sms(hass, recipients=["13800000000"], message="x")
    inbound = dinstar.runtime_data.inbound
    [message] = await inbound.database.async_query(
        history_db.messages, "13800000000", 10, None
    )
    assert message["status"] == "failed"
    assert message["error"]
    assert inbound.pending_message_ids() == []


async def test_changes_are_told_while_someone_follows(
    hass: HomeAssistant, goip_sim: GoipSimulator, pushing: MockConfigEntry, ws: Client
) -> None:
    """A change is made into a message for the subscribers only while there
    are some: an SMS costs nothing more when no panel or card is open."""
    assert not hass.data.get(DATA_FOLLOWERS)
    subscription = (await answer_to(ws, "subscribe", {}))["id"]
    assert hass.data[DATA_FOLLOWERS] == 1
    await goip_sim.inject_incoming("G101", "10086", "told")
    change = await event(ws)
    assert (change["type"], change["message"]["text"]) == ("message", "told")
    await ws.send_json_auto_id(
        {"type": "unsubscribe_events", "subscription": subscription}
    )
    assert (await ws.receive_json())["success"]
    assert hass.data[DATA_FOLLOWERS] == 0
    await goip_sim.inject_incoming("G101", "10086", "kept, not told")
    await hass.async_block_till_done()
    thread = await command(ws, "thread", entry_id=pushing.entry_id, thread="10086")
    assert {m["text"] for m in thread["messages"]} == {"told", "kept, not told"}
    assert not EVENTS.get(id(ws))
