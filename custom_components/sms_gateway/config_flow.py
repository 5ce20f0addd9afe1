"""Config flow: vendor menu, vendor form, connection test, webhook URL.

Reauth, reconfigure and the options flow are here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_VERIFY_SSL, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.network import NoURLAvailableError
import voluptuous as vol

from .compat import OptionsFlowWithReload
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_CONFIGURE_PUSH,
    CONF_DEFAULT_PORT,
    CONF_DEFAULT_RECIPIENTS,
    CONF_KEEP_DAYS,
    CONF_KEEP_MESSAGES,
    CONF_LOCAL_ONLY,
    CONF_PIN_SOURCE,
    CONF_POLL_INTERVAL,
    CONF_RECEIVE_MODE,
    CONF_TIME_ZONE,
    CONF_VENDOR,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
    RECEIVE_BOTH,
    RECEIVE_POLL,
    RECEIVE_PUSH,
)
from .coordinator import SmsGatewayConfigEntry
from .gateways import GATEWAYS, Gateway
from .gateways.base import ConfigField, FieldKind
from .gateways.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayTlsError,
)
from .gateways.models import Capability, GatewayInfo
from .history import DEFAULT_KEEP_DAYS, DEFAULT_KEEP_MESSAGES

_SELECTORS: dict[FieldKind, Any] = {
    FieldKind.TEXT: selector.TextSelector(),
    FieldKind.PASSWORD: selector.TextSelector(
        selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
    ),
    FieldKind.PORT: vol.All(
        selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=1, max=65535, mode=selector.NumberSelectorMode.BOX
            )
        ),
        vol.Coerce(int),
    ),
    FieldKind.BOOL: selector.BooleanSelector(),
    FieldKind.URL: selector.TextSelector(
        selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
    ),
}


def _schema(fields: tuple[ConfigField, ...], keep_secrets: bool = False) -> vol.Schema:
    """A form of the vendor's declared fields.

    With `keep_secrets`, secret fields may stay empty: the stored value stays.
    """
    schema: dict[vol.Marker, Any] = {}
    for field in fields:
        secret = field.kind is FieldKind.PASSWORD
        marker = (
            vol.Required
            if field.required and not (secret and keep_secrets)
            else vol.Optional
        )
        key = (
            marker(field.key)
            if field.default is None
            else marker(field.key, default=field.default)
        )
        schema[key] = _SELECTORS[field.kind]
    return vol.Schema(schema)


def _gateway(hass: HomeAssistant, data: Mapping[str, Any]) -> Gateway:
    """A client for the gateway `data` describes."""
    return GATEWAYS[data[CONF_VENDOR]](
        async_get_clientsession(hass, verify_ssl=data.get(CONF_VERIFY_SSL, True)), data
    )


async def _async_configure_push(
    hass: HomeAssistant, data: Mapping[str, Any], url: str
) -> dict[str, str]:
    """Write the webhook into the gateway's push settings; the form's errors."""
    gateway = _gateway(hass, data)
    try:
        await gateway.async_configure_push(url)
    except GatewayError as err:
        LOGGER.debug("Writing the push settings failed: %s", err)
        return {"base": "push_setup_failed"}
    finally:
        await gateway.async_close()
    return {}


async def _async_identify(gateway: Gateway) -> GatewayInfo:
    """Who the gateway is; a login the probe made is ended."""
    try:
        return await gateway.async_get_info()
    finally:
        await gateway.async_close()


async def _async_probe(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> tuple[Gateway, GatewayInfo | None, dict[str, str]]:
    """Connect with `data`; the gateway's identity or the form's errors."""
    gateway = _gateway(hass, data)
    try:
        return gateway, await _async_identify(gateway), {}
    except GatewayAuthError:
        return gateway, None, {"base": "invalid_auth"}
    except GatewayTlsError:
        return gateway, None, {"base": "tls_error"}
    except GatewayConnectionError:
        return gateway, None, {"base": "cannot_connect"}
    except GatewayError:
        return gateway, None, {"base": "unexpected_answer"}
    except Exception:
        LOGGER.exception("Unexpected error while connecting to the gateway")
        return gateway, None, {"base": "unknown"}


def _shown(
    fields: tuple[ConfigField, ...], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Values to pre-fill a form with: never a stored secret."""
    return {
        field.key: values[field.key]
        for field in fields
        if field.key in values and field.kind is not FieldKind.PASSWORD
    }


async def _async_cloud_active(hass: HomeAssistant) -> bool:
    """Whether Home Assistant Cloud is set up with an active subscription."""
    if "cloud" not in hass.config.components:
        return False
    from homeassistant.components import cloud

    return bool(cloud.async_active_subscription(hass))


def webhook_url(hass: HomeAssistant, webhook_id: str, local: bool) -> str:
    """The URL the gateway pushes to; the path alone when no URL is known."""
    try:
        return webhook.async_generate_url(
            hass, webhook_id, allow_external=not local, prefer_external=not local
        )
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


class SmsGatewayConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a gateway: pick the vendor, enter its details, note the webhook URL."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._data: dict[str, Any] = {}
        self._title = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SmsGatewayOptionsFlow:
        """Options of an entry."""
        return SmsGatewayOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The menu of vendors."""
        return self.async_show_menu(step_id="user", menu_options=list(GATEWAYS))

    async def async_step_goip(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """GoIP lines behind the DBL SMS Server."""
        return await self._async_step_vendor("goip", user_input)

    async def async_step_dinstar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Dinstar DWG/UC gateways."""
        return await self._async_step_vendor("dinstar", user_input)

    async def async_step_cloud_467890(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The 467890 cloud SMS platform."""
        return await self._async_step_vendor("cloud_467890", user_input)

    async def async_step_cloud_apiv1(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """An api/v1 cloud SMS platform."""
        return await self._async_step_vendor("cloud_apiv1", user_input)

    async def async_step_openvox(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """OpenVox SWG/VS-GWP wireless gateways."""
        return await self._async_step_vendor("openvox", user_input)

    async def _async_step_vendor(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**user_input, CONF_VENDOR: vendor}
            gateway, info, errors = await _async_probe(self.hass, data)
            if info is not None:
                await self.async_set_unique_id(info.serial or gateway.location)
                self._abort_if_unique_id_configured()
                self._data = {**data, CONF_WEBHOOK_ID: webhook.async_generate_id()}
                self._title = self._unique_title(info.model, gateway.location)
                return await self.async_step_webhook()
        return self.async_show_form(
            step_id=vendor,
            data_schema=self.add_suggested_values_to_schema(
                _schema(GATEWAYS[vendor].config_fields), user_input
            ),
            errors=errors,
        )

    def _unique_title(self, model: str, location: str) -> str:
        """The model; with the address when another entry has that title."""
        taken = {entry.title for entry in self._async_current_entries()}
        return model if model not in taken else f"{model} {location}"

    async def async_step_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show where the gateway must push to (or write it there); create the entry."""
        gateway = GATEWAYS[self._data[CONF_VENDOR]]
        if Capability.PUSH not in gateway.capabilities:
            return self.async_create_entry(title=self._title, data=self._data)
        if not gateway.local_push:
            return await self.async_step_webhook_internet()
        url = webhook_url(self.hass, self._data[CONF_WEBHOOK_ID], gateway.local_push)
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_CONFIGURE_PUSH):
                errors = await _async_configure_push(self.hass, self._data, url)
            if not errors:
                return self.async_create_entry(title=self._title, data=self._data)
        schema = (
            vol.Schema({vol.Required(CONF_CONFIGURE_PUSH, default=True): bool})
            if Capability.PUSH_SETUP in gateway.capabilities
            else vol.Schema({})
        )
        return self.async_show_form(
            step_id="webhook",
            data_schema=schema,
            description_placeholders={"webhook_url": url},
            errors=errors,
        )

    async def async_step_webhook_internet(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A platform on the internet pushes to an address reachable from there.

        With a Home Assistant Cloud subscription, a cloudhook is that address.
        """
        if user_input is not None:
            return self.async_create_entry(title=self._title, data=self._data)
        webhook_id = self._data[CONF_WEBHOOK_ID]
        if CONF_CLOUDHOOK_URL not in self._data and await _async_cloud_active(
            self.hass
        ):
            from homeassistant.components import cloud

            self._data[CONF_CLOUDHOOK_URL] = await cloud.async_create_cloudhook(
                self.hass, webhook_id
            )
        url = self._data.get(CONF_CLOUDHOOK_URL) or webhook_url(
            self.hass, webhook_id, local=False
        )
        return self.async_show_form(
            step_id="webhook_internet", description_placeholders={"webhook_url": url}
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The gateway refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the credentials again."""
        entry = self._get_reauth_entry()
        gateway = GATEWAYS[entry.data[CONF_VENDOR]]
        fields = tuple(
            f for f in gateway.config_fields if f.key in gateway.credential_keys
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            _, info, errors = await _async_probe(
                self.hass, {**entry.data, **user_input}
            )
            if info is not None:
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                _schema(fields), _shown(fields, user_input or entry.data)
            ),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address or credentials of the same gateway."""
        entry = self._get_reconfigure_entry()
        fields = GATEWAYS[entry.data[CONF_VENDOR]].config_fields
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input = {k: v for k, v in user_input.items() if v not in (None, "")}
            gateway, info, errors = await _async_probe(
                self.hass, {**entry.data, **user_input}
            )
            if info is not None:
                if info.serial is not None:
                    await self.async_set_unique_id(info.serial)
                    self._abort_if_unique_id_mismatch(reason="wrong_gateway")
                else:
                    # Known by its address only: the new address is its new id.
                    await self.async_set_unique_id(gateway.location)
                    if gateway.location != entry.unique_id:
                        self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry, unique_id=self.unique_id, data_updates=user_input
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _schema(fields, keep_secrets=True),
                _shown(fields, {**entry.data, **(user_input or {})}),
            ),
            errors=errors,
        )


def _count(most: int, unit: str | None = None) -> Any:
    """A whole number from 0 to `most`, typed in a box."""
    config = selector.NumberSelectorConfig(
        min=0, max=most, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return vol.All(selector.NumberSelector(config), vol.Coerce(int))


class SmsGatewayOptionsFlow(OptionsFlowWithReload):
    """Poll interval, defaults for sending, and who may push."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One form of options."""
        entry: SmsGatewayConfigEntry = self.config_entry
        gateway = GATEWAYS[entry.data[CONF_VENDOR]]
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.pop(CONF_CONFIGURE_PUSH, False):
                url = webhook_url(
                    self.hass, entry.data[CONF_WEBHOOK_ID], gateway.local_push
                )
                errors = await _async_configure_push(self.hass, entry.data, url)
            if not errors:
                return self.async_create_entry(data=user_input)
        schema: dict[vol.Marker, Any] = {
            vol.Required(CONF_POLL_INTERVAL, default=DEFAULT_POLL_INTERVAL): vol.All(
                selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=MIN_POLL_INTERVAL,
                        max=MAX_POLL_INTERVAL,
                        unit_of_measurement="s",
                        mode=selector.NumberSelectorMode.BOX,
                    )
                ),
                vol.Coerce(int),
            ),
            vol.Optional(CONF_DEFAULT_RECIPIENTS): selector.TextSelector(),
        }
        if Capability.PORT_ROUTING in gateway.capabilities:
            ports = (
                [
                    selector.SelectOptionDict(value=port_id, label=port.name)
                    for port_id, port in entry.runtime_data.coordinator.data.ports.items()
                ]
                if entry.state is ConfigEntryState.LOADED
                else []
            )
            schema[vol.Optional(CONF_DEFAULT_PORT)] = selector.SelectSelector(
                selector.SelectSelectorConfig(options=ports, custom_value=True)
            )
        if Capability.INBOX_POLL in gateway.capabilities:
            schema[vol.Required(CONF_RECEIVE_MODE, default=RECEIVE_PUSH)] = (
                selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[RECEIVE_PUSH, RECEIVE_POLL, RECEIVE_BOTH],
                        translation_key=CONF_RECEIVE_MODE,
                    )
                )
            )
        if Capability.PUSH in gateway.capabilities:
            schema[vol.Required(CONF_LOCAL_ONLY, default=gateway.local_push)] = (
                selector.BooleanSelector()
            )
        if Capability.PUSH in gateway.capabilities and gateway.local_push:
            schema[vol.Required(CONF_PIN_SOURCE, default=False)] = (
                selector.BooleanSelector()
            )
        zones = await self.hass.async_add_executor_job(available_timezones)
        schema[vol.Optional(CONF_TIME_ZONE)] = selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=sorted(zones), mode=selector.SelectSelectorMode.DROPDOWN
            )
        )
        schema[vol.Required(CONF_KEEP_DAYS, default=DEFAULT_KEEP_DAYS)] = _count(
            3650, "d"
        )
        schema[vol.Required(CONF_KEEP_MESSAGES, default=DEFAULT_KEEP_MESSAGES)] = (
            _count(100_000)
        )
        if Capability.PUSH_SETUP in gateway.capabilities:
            schema[vol.Optional(CONF_CONFIGURE_PUSH, default=False)] = (
                selector.BooleanSelector()
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(schema), entry.options
            ),
            errors=errors,
        )
