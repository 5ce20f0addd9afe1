"""The Messages panel and the SMS card: their files, the sidebar entry, the card.

Registered once, at the integration's set-up, where Home Assistant's frontend
is loaded (it is with `default_config`; `after_dependencies` sets it up first).
The files are served without authentication, as every frontend file is: they
hold no data; the data comes through the admin-only websocket commands.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

URL_BASE = f"/{DOMAIN}_frontend"
PANEL_PATH = "sms-messages"
PANEL_ELEMENT = "sms-gateway-panel"
FILES = Path(__file__).parent / "frontend"
TITLES = {"en": "Messages", "zh": "短信"}


async def async_register_frontend(hass: HomeAssistant) -> bool:
    """Serve the files, add the panel to the sidebar and the card to the picker.

    False where there is no frontend to add them to.
    """
    if "frontend" not in hass.config.components:
        return False
    # only now: without a frontend, nothing of it is imported
    from homeassistant.components import frontend, panel_custom

    version = (await async_get_integration(hass, DOMAIN)).version
    # not cached for a month: an update is picked up at the next reload
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(FILES), cache_headers=False)]
    )
    language = hass.config.language.split("-")[0]
    await panel_custom.async_register_panel(
        hass,
        frontend_url_path=PANEL_PATH,
        webcomponent_name=PANEL_ELEMENT,
        module_url=f"{URL_BASE}/panel.js?v={version}",
        sidebar_title=TITLES.get(language, TITLES["en"]),
        sidebar_icon="mdi:message-text-outline",
        require_admin=True,
        config={},
    )
    frontend.add_extra_js_url(hass, f"{URL_BASE}/card.js?v={version}")
    return True
