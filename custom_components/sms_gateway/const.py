"""Constants of the SMS Gateway integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "sms_gateway"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"
CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_DEFAULT_RECIPIENTS: Final = "default_recipients"
CONF_DEFAULT_PORT: Final = "default_port"
CONF_LOCAL_ONLY: Final = "webhook_local_only"
CONF_RECEIVE_MODE: Final = "receive_mode"
CONF_CONFIGURE_PUSH: Final = "configure_push"
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_PIN_SOURCE: Final = "webhook_pin_source"
# The zone the gateway's times without one are in (default: Home Assistant's).
CONF_TIME_ZONE: Final = "time_zone"
# The message history: kept this many days, at most this many messages.
CONF_KEEP_DAYS: Final = "history_days"
CONF_KEEP_MESSAGES: Final = "history_messages"
RECEIVE_PUSH: Final = "push"
RECEIVE_POLL: Final = "poll"
RECEIVE_BOTH: Final = "both"

DEFAULT_POLL_INTERVAL: Final = 30
MIN_POLL_INTERVAL: Final = 10
MAX_POLL_INTERVAL: Final = 3600

EVENT_SMS_RECEIVED: Final = "sms_gateway_sms_received"
EVENT_DELIVERY_REPORT: Final = "sms_gateway_delivery_report"
EVENT_USSD_REPLY: Final = "sms_gateway_ussd_reply"
EVENT_PORT_EVENT: Final = "sms_gateway_port_event"

# Largest push body read; a bigger one is refused before it is read whole.
MAX_PUSH_BYTES: Final = 64 * 1024

ATTR_RECIPIENTS: Final = "recipients"
ATTR_MESSAGE: Final = "message"
ATTR_PORT: Final = "port"
ATTR_PROVIDER: Final = "provider"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_ENCODING: Final = "encoding"
ATTR_DELIVERY_REPORT: Final = "delivery_report"
ATTR_EXTENSION: Final = "extension"
ATTR_TEXT_PARAMS: Final = "text_params"
ATTR_TASK_ID: Final = "task_id"
ATTR_CODE: Final = "code"
ATTR_TIMEOUT: Final = "timeout"
DEFAULT_USSD_TIMEOUT: Final = 30
ATTR_ITEM: Final = "item"
ATTR_INPUT: Final = "input"
ATTR_ACTION: Final = "action"
STK_ACTIONS: Final = ("ok", "cancel", "home")
ATTR_PIN: Final = "pin"
ATTR_LOCKED: Final = "locked"
ATTR_REASON: Final = "reason"
ATTR_NUMBER: Final = "number"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
