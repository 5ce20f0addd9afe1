"""Onboard the development instance and add every simulator through the UI's API.

Everything goes through Home Assistant's own HTTP API, the way the frontend
does it: onboarding creates the owner, the config flow creates each entry, and
the webhook URL its last step shows is given to the simulator as push target
(OpenVox's flow writes it into the gateway itself; its USSD-to-HTTP page is
set apart, as on a real gateway).

A second run keeps what the first made (the owner, the entries, what you
changed): it logs in, and points each simulator at the webhook it was given
(`webhooks.json` beside the configuration). `scripts/develop --fresh` starts
over.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

USERNAME = "dev"
PASSWORD = "sms-gateway-dev"
SIM_USER, SIM_PASSWORD = "admin", "admin"


def request(
    url: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    form: bool = False,
) -> Any:
    """One HTTP call; JSON in and out (or a form body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_for(url: str, seconds: float) -> None:
    """Until `url` answers at all."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{url} did not come up; see .develop/*.log")
            time.sleep(1)


def onboarded(ha: str) -> bool:
    """Whether the owner was made by an earlier run."""
    try:
        steps = request(f"{ha}/api/onboarding")
    except urllib.error.HTTPError as err:
        if err.code == 404:  # onboarding done: its API is gone
            return True
        raise
    return any(step["step"] == "user" and step["done"] for step in steps)


def log_in(ha: str) -> str:
    """An access token for the owner, through the login flow the frontend uses."""
    client_id = f"{ha}/"
    flow = request(
        f"{ha}/auth/login_flow",
        {
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{ha}/?auth_callback=1",
        },
    )
    result = request(
        f"{ha}/auth/login_flow/{flow['flow_id']}",
        {"username": USERNAME, "password": PASSWORD, "client_id": client_id},
    )
    if result.get("type") != "create_entry":
        sys.exit(
            f"could not log in as {USERNAME}: the owner was changed? "
            "scripts/develop --fresh starts over"
        )
    return token_for(ha, result["result"], client_id)


def token_for(ha: str, code: str, client_id: str) -> str:
    """The access token of an authorization code."""
    return str(
        request(
            f"{ha}/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": client_id},
            form=True,
        )["access_token"]
    )


def onboard(ha: str) -> str:
    """Create the owner and finish onboarding; return an access token."""
    client_id = f"{ha}/"
    code = request(
        f"{ha}/api/onboarding/users",
        {
            "client_id": client_id,
            "name": "Developer",
            "username": USERNAME,
            "password": PASSWORD,
            "language": "en",
        },
    )["auth_code"]
    token = token_for(ha, code, client_id)
    request(f"{ha}/api/onboarding/core_config", {}, token)
    request(f"{ha}/api/onboarding/analytics", {}, token)
    request(
        f"{ha}/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{ha}/?auth_callback=1"},
        token,
    )
    return str(token)


def add_gateway(ha: str, token: str, vendor: str, form: dict[str, Any]) -> str:
    """Run the config flow of `vendor` with `form`; return the webhook URL."""
    flows = f"{ha}/api/config/config_entries/flow"
    result = request(flows, {"handler": "sms_gateway"}, token)
    flow = f"{flows}/{result['flow_id']}"
    result = request(flow, {"next_step_id": vendor}, token)
    result = request(flow, form, token)
    # LAN gateways get "webhook", platforms on the internet "webhook_internet".
    if result.get("step_id") not in ("webhook", "webhook_internet"):
        sys.exit(f"config flow stopped: {result}")
    url = str(result["description_placeholders"]["webhook_url"])
    result = request(flow, {}, token)
    if result.get("type") != "create_entry":
        sys.exit(f"config flow stopped: {result}")
    return url


def lan_form(simulator: str) -> dict[str, Any]:
    """The config form of a LAN gateway's simulator, over plain HTTP."""
    sim = urllib.parse.urlsplit(simulator)
    return {
        "host": sim.hostname,
        "port": sim.port,
        "username": SIM_USER,
        "password": SIM_PASSWORD,
        "ssl": False,
    }


def forms(args: argparse.Namespace) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each vendor's simulator and the config form that adds it."""
    cloud = {"password": SIM_PASSWORD}
    return {
        "goip": (args.simulator, lan_form(args.simulator)),
        # over HTTPS, with its self-signed certificate
        "dinstar": (
            args.dinstar,
            lan_form(args.dinstar)
            | {"port": args.dinstar_https_port, "ssl": True, "verify_ssl": False},
        ),
        # the account of its USSD page, so that USSD can be tried too
        "openvox": (
            args.openvox,
            lan_form(args.openvox)
            | {"ussd_username": "ussduser", "ussd_password": "ussdpwd"},
        ),
        "cloud_467890": (
            args.cloud_467890,
            {"base_url": args.cloud_467890, "uid": SIM_USER, **cloud},
        ),
        "cloud_apiv1": (
            args.cloud_apiv1,
            {"base_url": args.cloud_apiv1, "account": SIM_USER, **cloud},
        ),
    }


def add_all(
    ha: str, token: str, args: argparse.Namespace, kept: Path
) -> dict[str, str]:
    """Every simulator as an entry (those an earlier run added are kept), each
    pointed at its webhook; the webhook URLs by vendor."""
    webhooks: dict[str, str] = (
        json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else {}
    )
    for vendor, (simulator, form) in forms(args).items():
        if vendor not in webhooks:
            webhooks[vendor] = add_gateway(ha, token, vendor, form)
            kept.write_text(json.dumps(webhooks, indent=2), encoding="utf-8")
        # what "point this gateway's pushes at Home Assistant" writes on each
        request(f"{simulator}/_control/push", {"url": webhooks[vendor]})
    return webhooks


def find_state(ha: str, token: str, suffix: str) -> dict[str, Any]:
    """The state of the only entity whose id ends in `suffix`."""
    states = request(f"{ha}/api/states", token=token)
    return next(s for s in states if s["entity_id"].endswith(suffix))


def check(ha: str, simulator: str, dinstar: str, token: str) -> None:
    """Incoming SMS of both gateways and a delivery report reach Home Assistant.

    The texts name this run: an earlier run's events are still shown.
    """
    run = time.strftime("%H:%M:%S")
    request(
        f"{simulator}/_control/incoming",
        {"goip_line": "G101", "from_number": "10086", "content": f"develop {run}"},
    )
    request(
        f"{dinstar}/_control/incoming",
        {"port": 1, "number": "10010", "text": f"dinstar {run}"},
    )
    sent = request(
        f"{ha}/api/services/sms_gateway/send_sms?return_response",
        {
            "device_id": find_device(ha, token, "goip_sms_server_incoming_sms"),
            "recipients": "13600000000",
            "message": "hello from develop --check",
        },
        token,
    )
    message_id = sent["service_response"]["messages"][0]["message_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        goip = find_state(ha, token, "goip_sms_server_incoming_sms")["attributes"]
        dwg = find_state(ha, token, "dwg_gsm_gateway_incoming_sms")["attributes"]
        report = find_state(ha, token, "goip_sms_server_delivery_report")["attributes"]
        if (
            goip.get("text") == f"develop {run}"
            and dwg.get("text") == f"dinstar {run}"
            and report.get("message_id") == message_id
        ):
            print(
                f"check passed: SMS received on both, {message_id} {report['event_type']}"
            )
            return
        time.sleep(1)
    sys.exit("check failed: no incoming SMS or delivery report within 60 s")


def check_ussd(ha: str, token: str) -> None:
    """A USSD on OpenVox port 1: the reply comes by the USSD page's push."""
    answer = request(
        f"{ha}/api/services/sms_gateway/send_ussd?return_response",
        {
            "device_id": find_device(ha, token, "swg_wireless_gateway_incoming_sms"),
            "port": "1",
            "code": "*#301",
        },
        token,
    )
    reply = answer["service_response"]["reply"]
    print(f"check passed: USSD on OpenVox port 1 answered {reply!r}")


def find_device(ha: str, token: str, suffix: str) -> str:
    """The device of the entity whose id ends in `suffix` (via a template)."""
    entity_id = find_state(ha, token, suffix)["entity_id"]
    return str(
        request_text(
            f"{ha}/api/template",
            {"template": f"{{{{ device_id('{entity_id}') }}}}"},
            token,
        )
    )


def request_text(url: str, body: dict[str, Any], token: str) -> str:
    """A call whose answer is text (the template API)."""
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return str(response.read().decode())


def entries_loaded(ha: str, token: str, expected: int) -> None:
    """All `expected` entries of the integration are set up (their gateways
    answered); kept from an earlier run, they load as Home Assistant starts."""
    deadline = time.monotonic() + 60
    while True:
        entries = request(
            f"{ha}/api/config/config_entries/entry?domain=sms_gateway", token=token
        )
        states = [f"{entry['title']}: {entry['state']}" for entry in entries]
        if len(entries) == expected and all(e["state"] == "loaded" for e in entries):
            break
        if time.monotonic() > deadline:
            sys.exit(f"check failed: {expected} entries expected, {states}")
        time.sleep(1)
    print(f"check passed: {len(entries)} entries loaded ({', '.join(states)})")


def nothing_reported(log: Path) -> None:
    """Home Assistant's log holds no report of its frame helper against the
    integration (a deprecated or removed API in use) and no error of ours."""
    found = [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if "Detected that custom integration 'sms_gateway'" in line
        or (" ERROR " in line and "[custom_components.sms_gateway" in line)
    ]
    if found:
        sys.exit("check failed: Home Assistant reported\n" + "\n".join(found))
    print(f"check passed: nothing reported against sms_gateway in {log}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ha", required=True)
    parser.add_argument("--simulator", required=True, help="the GoIP SMS Server")
    parser.add_argument("--dinstar", required=True)
    parser.add_argument("--dinstar-https-port", type=int, required=True)
    parser.add_argument("--openvox", required=True)
    parser.add_argument("--cloud-467890", required=True)
    parser.add_argument("--cloud-apiv1", required=True)
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--log", type=Path, help="Home Assistant's log, read by --check"
    )
    parser.add_argument(
        "--kept", type=Path, required=True, help="the webhooks of an earlier run"
    )
    args = parser.parse_args()
    simulators = (
        args.simulator,
        args.dinstar,
        args.openvox,
        args.cloud_467890,
        args.cloud_apiv1,
    )
    for simulator in simulators:
        wait_for(f"{simulator}/_control/state", 30)
    wait_for(f"{args.ha}/api/onboarding", 300)
    token = log_in(args.ha) if onboarded(args.ha) else onboard(args.ha)
    webhooks = add_all(args.ha, token, args, args.kept)
    print(
        f"\nHome Assistant:     {args.ha}  (login: {USERNAME} / {PASSWORD})\n"
        f"GoIP simulator:     {args.simulator}/_control/state  -> {webhooks['goip']}\n"
        f"Dinstar simulator:  {args.dinstar}/_control/state  -> {webhooks['dinstar']}\n"
        f"OpenVox simulator:  {args.openvox}/_control/state  -> {webhooks['openvox']}\n"
        f"467890 platform:    {args.cloud_467890}/_control/state"
        f"  -> {webhooks['cloud_467890']}\n"
        f"api/v1 platform:    {args.cloud_apiv1}/_control/state"
        f"  -> {webhooks['cloud_apiv1']}\n"
        "Incoming SMS arrive every 20 s (GoIP), 45 s (Dinstar), 60 s (OpenVox)\n"
        "and 90 s (api/v1): watch the 'Incoming SMS' event entities, or Developer\n"
        "tools → Events → listen to 'sms_gateway_sms_received'.\n",
        flush=True,
    )
    if args.check:
        entries_loaded(args.ha, token, len(simulators))
        check(args.ha, args.simulator, args.dinstar, token)
        check_ussd(args.ha, token)
        if args.log:
            nothing_reported(args.log)


if __name__ == "__main__":
    main()
