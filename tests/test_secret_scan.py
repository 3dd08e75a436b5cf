"""The secret scan run after every test (``conftest.no_secret_leaves_the_integrations``) finds a
secret in each place an integration can send one: a result, a log line, the context, the last run,
the integration context and a file; and in each spelling it can come back in: as given, after
``Bearer``, percent-encoded, JSON-escaped, cut short before it was scrubbed, and as the base64 of
``user:password`` of basic authentication."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import demistomock as demisto
import pytest
from CommonServerPython import CommandResults, fileResult, return_results

from tests.xsoar_runtime.harness import run_command

SECRET = "s3cr3t-Key/000+111 &x"
USER = "svc-dora"


def _leak_in_result() -> None:
    return_results(CommandResults(readable_output=f"key is {SECRET}"))


def _leak_in_log() -> None:
    demisto.debug(f"calling with {SECRET}")


def _leak_in_context() -> None:
    return_results(CommandResults(outputs_prefix="X", outputs={"k": SECRET}))


def _leak_in_last_run() -> None:
    demisto.setLastRun({"cursor": SECRET})


def _leak_in_integration_context() -> None:
    demisto.setIntegrationContext({"token": SECRET})


def _leak_in_file() -> None:
    demisto.results(fileResult("report.txt", f"header\n{SECRET}\n"))


def _leak_hex_encoded() -> None:
    return_results(CommandResults(readable_output=SECRET.encode().hex()))


def _leak_base64_encoded() -> None:
    import base64

    demisto.debug(base64.b64encode(SECRET.encode()).decode().rstrip("="))


def _leak_url_encoded() -> None:
    import urllib.parse

    return_results(CommandResults(outputs_prefix="X", outputs={"k": urllib.parse.quote("a " + SECRET)}))


@pytest.mark.parametrize(
    "leak",
    [
        _leak_in_result,
        _leak_in_log,
        _leak_in_context,
        _leak_in_last_run,
        _leak_in_integration_context,
        _leak_in_file,
        _leak_hex_encoded,
        _leak_base64_encoded,
        _leak_url_encoded,
    ],
)
@pytest.mark.parametrize(
    "params",
    [
        {"apikey": {"password": SECRET}},
        {"credentials": {"identifier": "svc", "password": SECRET}},
        {"client_secret": SECRET},
        {"pg_dsn": f"postgresql://reader:{quote(SECRET, safe='')}@localhost:5432/tx"},
        {"chain_key": {"identifier": "2026-11", "password": SECRET}},
        {"chain_retired_keys": f"2026-05: other-retired-key-0000\n2025-11: {SECRET}"},
    ],
)
def test_scan_finds_the_secret(leak: Callable[[], None], params: dict) -> None:
    run_command(leak, "test-module", params)
    assert demisto.leaked_secrets() == [SECRET]
    demisto.forget_emitted()
    assert demisto.leaked_secrets() == []


def _basic(user: str) -> str:
    return base64.b64encode(f"{user}:{SECRET}".encode()).decode()


@pytest.mark.parametrize(
    "spelled",
    [
        f"Authorization: Bearer {SECRET}",
        f"client_secret={quote(SECRET, safe='')}&grant_type=password",
        f"client_secret={quote_plus(SECRET)}",
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(SECRET, safe="")),
        '{"password": "' + SECRET.replace('"', '\\"') + '"}',
        f"client_secret={SECRET[:11]}…",
        f"Authorization: Basic {_basic(USER)}",
        f"Basic {_basic(USER).rstrip('=')}",
    ],
)
@pytest.mark.parametrize(
    "params",
    [
        {"credentials": {"identifier": USER, "password": SECRET}},
        {"url": f"https://{USER}:{quote(SECRET, safe='')}@socradar.example/api"},
    ],
)
def test_scan_finds_every_spelling(spelled: str, params: dict) -> None:
    def leak() -> None:
        demisto.error(f"the server said: {spelled}")

    run_command(leak, "test-module", params)
    assert demisto.leaked_secrets() == [SECRET], spelled
    demisto.forget_emitted()


def test_scan_ignores_other_text() -> None:
    def clean() -> None:
        return_results(CommandResults(readable_output="ok", outputs_prefix="X", outputs={"k": "s3cr3t"}))

    run_command(clean, "test-module", {"apikey": {"password": SECRET}})
    assert demisto.leaked_secrets() == []


def test_the_chain_keys_are_watched_in_every_dora_bridge_run_and_never_leave() -> None:
    """A decision flow of the DORA Bridge integration with a current and a retired chain key: the
    scan holds both keys (so every test's check covers them) and finds neither in any output,
    the integration context included."""
    import DORABridge

    from tests.fixtures import CHAIN_KEY, dora_params

    retired = "retired-chain-key-5Jd8Wq2Lz7Xc"
    params = dora_params(chain_retired_keys=f"2026-05: {retired}")
    incident, context, state = {"id": "501"}, {}, {}
    for user, command, args in [
        (
            "ana.ruiz",
            "dora-classify",
            {"affected_services": "Card payments", "malicious_unauthorized_access": "true"},
        ),
        ("ana.ruiz", "dora-report-draft", {"type": "initial", "format": "html"}),
        ("ana.ruiz", "dora-approve", {"subject": "classification", "decision": "approve"}),
        ("ana.ruiz", "dora-audit-log", {}),
        ("ana.ruiz", "dora-audit-verify", {}),
    ]:
        out = run_command(
            DORABridge.main, command, params, args, incident=incident, context=context, user=user,
            integration_context=state,
        )  # fmt: skip
        assert not [e for e in out if isinstance(e, dict) and e.get("Type") == 4], out
        context, state = demisto.context(), demisto.getIntegrationContext()
    assert {CHAIN_KEY["password"], retired} <= set(demisto._spellings.values())
    assert demisto.leaked_secrets() == []
    assert state["DoraAuditHeads"]["501"]["KeyId"] == CHAIN_KEY["identifier"]
