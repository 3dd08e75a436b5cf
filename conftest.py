"""Puts the XSOAR runtime double and the integrations on the import path, as the XSOAR server
puts the real runtime modules beside an integration."""

import sys
from pathlib import Path

ROOT = Path(__file__).parent
PACK_CODE = [
    *sorted((ROOT / "Packs").glob("*/Integrations/*")),
    *sorted((ROOT / "Packs").glob("*/Scripts/*")),
]
for p in [ROOT / "tests" / "xsoar_runtime", *PACK_CODE]:
    sys.path.insert(0, str(p))

import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

# `ci` runs in `make test`; `slow` is for a longer hunt: HYPOTHESIS_PROFILE=slow make test.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile(
    "slow", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["tests.fixtures"]

# Every test runs on the core's clock, set to run on from the test anchor (tests/anchor.py).
import dora_bridge  # noqa: E402
from tests.anchor import ANCHOR, database_mismatch, rfc3339  # noqa: E402

dora_bridge.set_clock(rfc3339(ANCHOR), running=True)


def pytest_sessionstart(session):
    problem = database_mismatch()
    if problem:
        import pytest

        pytest.exit(problem, returncode=2)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_secret_leaves_the_integrations():
    """Every secret an integration was given (API key, CMDB and database passwords, OAuth client
    secrets, tokens) must appear in none of its results, log lines, context, incidents, last run
    or files, in every test."""
    import demistomock

    from tests.fixtures import XSOAR_USERS

    # The XSOAR users `demisto.findUser` knows in every test.
    demistomock.users.clear()
    demistomock.users.update(XSOAR_USERS)
    if demistomock.FILES_DIR.exists():
        for f in demistomock.FILES_DIR.iterdir():
            f.unlink()
    demistomock.forget_emitted()
    yield
    leaked = demistomock.leaked_secrets()
    assert not leaked, f"secrets reached an output: {[s[:3] + '…' for s in leaked]}"
