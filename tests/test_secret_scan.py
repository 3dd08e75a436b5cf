"""The secret scan run after every test (``conftest.no_secret_leaves_the_integrations``) finds a
secret in each place an integration can send one: a result, a log line, the context, the last run,
the integration context and a file."""

from __future__ import annotations

from collections.abc import Callable

import demistomock as demisto
import pytest
from CommonServerPython import CommandResults, fileResult, return_results

from tests.xsoar_runtime.harness import run_command

SECRET = "s3cr3t-Key-000111"


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


@pytest.mark.parametrize(
    "leak",
    [
        _leak_in_result,
        _leak_in_log,
        _leak_in_context,
        _leak_in_last_run,
        _leak_in_integration_context,
        _leak_in_file,
    ],
)
@pytest.mark.parametrize(
    "params",
    [
        {"apikey": {"password": SECRET}},
        {"credentials": {"identifier": "svc", "password": SECRET}},
        {"client_secret": SECRET},
        {"pg_dsn": f"postgresql://reader:{SECRET}@localhost:5432/tx"},
    ],
)
def test_scan_finds_the_secret(leak: Callable[[], None], params: dict) -> None:
    run_command(leak, "test-module", params)
    assert demisto.leaked_secrets() == [SECRET]
    demisto.forget_emitted()
    assert demisto.leaked_secrets() == []


def test_scan_ignores_other_text() -> None:
    def clean() -> None:
        return_results(CommandResults(readable_output="ok", outputs_prefix="X", outputs={"k": "s3cr3t"}))

    run_command(clean, "test-module", {"apikey": {"password": SECRET}})
    assert demisto.leaked_secrets() == []
