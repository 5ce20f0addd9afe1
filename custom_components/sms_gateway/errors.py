"""Turn the gateway library's errors into Home Assistant's translated ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)

from .const import DOMAIN
from .gateways.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayRejectedError,
    RejectKind,
)

# Refusals of what was asked (the rest are the gateway's trouble).
INPUT_REFUSALS = {
    RejectKind.INVALID_REQUEST,
    RejectKind.TOO_LARGE,
    RejectKind.NO_PROVIDER,
    RejectKind.TASK_NOT_FOUND,
    RejectKind.NOT_CONFIGURED,
}


@contextmanager
def translate_errors(
    error_class: Callable[..., HomeAssistantError] = HomeAssistantError,
    reauth: tuple[HomeAssistant, ConfigEntry] | None = None,
) -> Iterator[None]:
    """Raise `error_class` with a translation key for a gateway error.

    Refused credentials raise `ConfigEntryAuthFailed` (the coordinator's way to
    start reauth) or, in an action, start reauth of the entry in `reauth` and
    raise `error_class`.
    """
    try:
        yield
    except GatewayAuthError as err:
        if reauth is not None:
            hass, entry = reauth
            entry.async_start_reauth(hass)
            raise error_class(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except GatewayRejectedError as err:
        refusal = ServiceValidationError if err.kind in INPUT_REFUSALS else error_class
        raise refusal(
            translation_domain=DOMAIN,
            translation_key=f"rejected_{err.kind}",
            translation_placeholders={"code": err.code, "reason": err.reason},
        ) from err
    except GatewayConnectionError as err:
        raise error_class(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err
    except GatewayError as err:
        raise error_class(
            translation_domain=DOMAIN,
            translation_key="unexpected_answer",
            translation_placeholders={"error": str(err)},
        ) from err
