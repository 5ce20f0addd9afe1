"""Fixtures: the simulators on 127.0.0.1 and entries configured against them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
import contextlib
from datetime import timedelta
from enum import Enum
import hashlib
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import OptionsFlowManager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_gateway.compat import device_by_identifier
from custom_components.sms_gateway.const import CONF_VENDOR, DOMAIN
from custom_components.sms_gateway.coordinator import port_identifier
from custom_components.sms_gateway.gateways import GATEWAYS
from simulator.base import Simulator
from simulator.dinstar import SN, DinstarSimulator
from simulator.goip import GoipSimulator
from simulator.openvox import OpenvoxSimulator

from . import translations

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef"
PASSWORD = "s3cret-Pa55"


def load_fixture(vendor: str, name: str) -> str:
    """A payload from the vendor's document."""
    return (FIXTURES / vendor / name).read_text(encoding="utf-8")


def load_json(vendor: str, name: str) -> Any:
    """A JSON payload from the vendor's document."""
    return json.loads(load_fixture(vendor, name))


# Secrets the suite configures, and tokens gateways hand out during it.
SECRETS: set[str] = set()


class _Collect(logging.Handler):
    """Keeps every record the integration logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if record.exc_info and record.exc_info[1]:
            self.lines.append(repr(record.exc_info[1]))


@pytest.fixture(scope="session", autouse=True)
def nothing_secret_is_logged() -> Iterator[None]:
    """At the end of the suite: no password, md5 of one, or token was logged."""
    logger = logging.getLogger("custom_components.sms_gateway")
    collect = _Collect()
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    yield
    logger.removeHandler(collect)
    passwords = {PASSWORD, "s3cret", "ussdpwd", "sms-gateway-dev"}
    secrets = SECRETS | passwords
    for password in passwords:
        secrets.add(hashlib.md5(password.encode()).hexdigest())
        secrets.add(hashlib.md5(f"{password}-admin".encode()).hexdigest())
    text = "\n".join(collect.lines)
    leaked = sorted(secret for secret in secrets if secret and secret in text)
    assert not leaked, f"secrets in the log: {leaked}"


@pytest.fixture(autouse=True)
def translations_hold_what_was_shown() -> Iterator[None]:
    """Every flow step, error, abort and exception a test showed is in en.json."""
    strings = translations.load("en")
    problems: list[str] = []
    handle_step = FlowManager._async_handle_step
    error_init = HomeAssistantError.__init__

    async def checked_step(
        manager: FlowManager, flow: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = await handle_step(manager, flow, *args, **kwargs)
        if type(flow).__module__.startswith("custom_components."):
            category = (
                "options" if isinstance(manager, OptionsFlowManager) else "config"
            )
            problems.extend(
                f"{key} is missing"
                for key in translations.flow_keys(category, result)
                if not translations.has(strings, key)
            )
        return result

    def checked_error(error: HomeAssistantError, *args: Any, **kwargs: Any) -> None:
        error_init(error, *args, **kwargs)
        if kwargs.get("translation_domain") == DOMAIN:
            problems.extend(
                translations.exception_problems(
                    strings,
                    kwargs["translation_key"],
                    kwargs.get("translation_placeholders"),
                )
            )

    with (
        patch.object(FlowManager, "_async_handle_step", checked_step),
        patch.object(HomeAssistantError, "__init__", checked_error),
    ):
        yield
    assert not problems, f"shown without a translation: {sorted(set(problems))}"


class _Reports(logging.Handler):
    """Home Assistant's frame helper, reporting the integration's own code."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if f"custom integration '{DOMAIN}'" in message:
            self.lines.append(message)


@pytest.fixture(autouse=True)
def nothing_is_reported_against_the_integration() -> Iterator[None]:
    """Home Assistant finds no use of a deprecated or removed API in our code.

    Its frame helper logs "Detected that custom integration 'sms_gateway' ..."
    (on the newest version, for what stops working in a later release).
    """
    reports = _Reports()
    logger = logging.getLogger("homeassistant.helpers.frame")
    logger.addHandler(reports)
    yield
    logger.removeHandler(reports)
    assert not reports.lines, "\n".join(reports.lines)


def device_of(
    hass: HomeAssistant, entry: MockConfigEntry, port: str | None = None
) -> dr.DeviceEntry | None:
    """The entry's gateway device, or the sub-device of one of its ports."""
    identifier = (
        (DOMAIN, entry.entry_id)
        if port is None
        else port_identifier(entry.entry_id, port)
    )
    return device_by_identifier(hass, identifier, entry.entry_id)


@pytest.fixture(autouse=True)
def config_dir_of_its_own(hass: HomeAssistant, tmp_path: Path) -> None:
    """Each test's databases in a folder of its own (not the plugin's)."""
    hass.config.config_dir = str(tmp_path)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration under test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (stable registry entries)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


# What the integration decides of each entity, as the registry keeps it.
ENTITY_FIELDS = (
    "unique_id",
    "has_entity_name",
    "original_name",
    "translation_key",
    "original_device_class",
    "original_icon",
    "entity_category",
    "unit_of_measurement",
    "capabilities",
    "supported_features",
)


def plain(value: Any) -> Any:
    """A value as plain data: enums by their value, mappings with text keys."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    return value


def snapshot_entities(
    hass: HomeAssistant, snapshot: SnapshotAssertion, entry_id: str
) -> None:
    """Each entity of the entry: what the integration decides of it, and its state.

    One set of snapshots for both Home Assistant versions: they hold plain data
    of the integration's own making, not Home Assistant's registry entries and
    states, whose fields and representation change from version to version
    (2026 added `object_id_base`, made `aliases` a list and capability keys
    enums). What Home Assistant itself adds is its own tests' concern.
    """
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    assert entries
    for entry in entries:
        assert entry.disabled_by is None, "enable every entity"
        fields = {field: plain(getattr(entry, field)) for field in ENTITY_FIELDS}
        assert fields == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        shown = {"state": state.state, "attributes": plain(state.attributes)}
        assert shown == snapshot(name=f"{entry.entity_id}-state")


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client session for the library's own tests."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def goip_sim(socket_enabled: None) -> AsyncIterator[GoipSimulator]:
    """A running GoIP SMS Server simulator with four lines."""
    simulator = GoipSimulator(username="admin", password=PASSWORD)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def dinstar_sim(socket_enabled: None) -> AsyncIterator[DinstarSimulator]:
    """A running Dinstar simulator with four ports, on HTTP and HTTPS."""
    simulator = DinstarSimulator(username="admin", password=PASSWORD)
    await simulator.start(https_port=0)
    yield simulator
    await simulator.stop()


def lan_data(vendor: str, simulator: Simulator, **changes: Any) -> dict[str, Any]:
    """Entry data of a LAN gateway pointing at `simulator` over plain HTTP."""
    return {
        CONF_VENDOR: vendor,
        "host": "127.0.0.1",
        "port": simulator.port,
        "username": "admin",
        "password": PASSWORD,
        "ssl": False,
        "verify_ssl": True,
        "webhook_id": WEBHOOK_ID,
        **changes,
    }


def dinstar_data(simulator: DinstarSimulator, **changes: Any) -> dict[str, Any]:
    """Entry data pointing at the Dinstar `simulator` over plain HTTP."""
    return lan_data("dinstar", simulator, **changes)


@pytest.fixture
def dinstar_entry(dinstar_sim: DinstarSimulator) -> MockConfigEntry:
    """A Dinstar entry against the simulator (plain HTTP)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JSMSGATEWAYDINSTAR00000",
        title="DWG",
        unique_id=SN,
        data=dinstar_data(dinstar_sim),
    )


@pytest.fixture
async def dinstar(
    hass: HomeAssistant, dinstar_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The Dinstar entry, set up; unloaded again at the end."""
    async with loaded(hass, dinstar_entry) as entry:
        yield entry


@contextlib.asynccontextmanager
async def loaded(
    hass: HomeAssistant, entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """`entry`, set up; unloaded again at the end if a test left it loaded."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    if hass.config_entries.async_get_entry(entry.entry_id) and entry.state.recoverable:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def set_options(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: Any
) -> None:
    """Change a loaded entry's options as a user does, and let it reload."""
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {**entry.options, **changes}
    )
    assert result["type"] == "create_entry", result
    await hass.async_block_till_done()


async def next_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one poll interval pass and the poll it starts finish."""
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def openvox_sim(socket_enabled: None) -> AsyncIterator[OpenvoxSimulator]:
    """A running OpenVox simulator with four ports."""
    simulator = OpenvoxSimulator(username="admin", password=PASSWORD)
    await simulator.start()
    yield simulator
    SECRETS.update(simulator.issued)
    await simulator.stop()


def goip_data(simulator: GoipSimulator, **changes: Any) -> dict[str, Any]:
    """Entry data pointing at `simulator`."""
    return {
        CONF_VENDOR: "goip",
        "host": "127.0.0.1",
        "port": simulator.port,
        "username": "admin",
        "password": PASSWORD,
        "ssl": False,
        "webhook_id": WEBHOOK_ID,
        **changes,
    }


@pytest.fixture
def mock_config_entry(goip_sim: GoipSimulator) -> MockConfigEntry:
    """A GoIP entry against the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JSMSGATEWAYENTRY0000000",
        title="GoIP SMS Server",
        unique_id=f"127.0.0.1:{goip_sim.port}",
        data=goip_data(goip_sim),
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The entry, set up; unloaded again at the end."""
    async with loaded(hass, mock_config_entry) as entry:
        yield entry


@pytest.fixture(params=sorted(GATEWAYS))
async def vendor_sim(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncIterator[Simulator]:
    """Each vendor's simulator in turn, with four ports where it has ports."""
    from .vendors import VENDORS

    simulator = VENDORS[request.param].simulator(4)
    await simulator.start()
    yield simulator
    SECRETS.update(getattr(simulator, "issued", ()))
    await simulator.stop()


@pytest.fixture
async def vendor_entry(
    hass: HomeAssistant, vendor_sim: Simulator
) -> AsyncIterator[MockConfigEntry]:
    """An entry against `vendor_sim`, set up; unloaded at the end."""
    from .vendors import VENDORS

    entry = MockConfigEntry(
        domain=DOMAIN,
        title=vendor_sim.vendor,
        data=VENDORS[vendor_sim.vendor].data(vendor_sim),
    )
    async with loaded(hass, entry):
        yield entry
        vendor_sim.fault = None  # unloading logs out


async def send_sms(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """The `send_sms` action with `data`; its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the loop (no time passes) until `condition` holds."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")
