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
