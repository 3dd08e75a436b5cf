"""Resident memory of a fresh interpreter around one fetch of 10 000 alarms from the local server
(no latency): DORA Bridge's `SocRadarClient.fetch_incidents` against the baseline's
`fetch_incidents`, each in its own interpreter.

    python -m benches.rss <ours|baseline>

Prints the resident memory above the memory before the fetch (server running, modules
imported): at its peak, with the incidents held, and after they are dropped.
"""

from __future__ import annotations

import gc
import json
import sys
from datetime import datetime, timedelta, timezone

from benches import baseline
from benches.data import SEED
from benches.measure import _status_kib, reset_peak
from devtools.socradar_server import SocRadarServer
from dora_bridge import SocRadarClient
from tests.fixtures import API_KEY, COMPANY_ID, instance_params

ALARMS = 10_000


def main(impl: str) -> None:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        # The integrations read the real clock, so the server keeps real time.
        now = datetime.now(timezone.utc)
        srv.generate(ALARMS, seed=SEED, start=now - timedelta(days=2), end=now - timedelta(minutes=1))
        params = instance_params(srv, status=[], max_fetch=str(ALARMS))
        client = SocRadarClient.from_params(params) if impl == "ours" else None
        gc.collect()
        reset_peak()
        start = _status_kib("VmRSS")
        if client is not None:
            out = client.fetch_incidents({})
        else:
            out = baseline.fetch_incidents(params, {})
        delivered = len(out["incidents"])
        held = _status_kib("VmRSS") - start
        peak = _status_kib("VmHWM") - start
        del out
        gc.collect()
        dropped = _status_kib("VmRSS") - start
    assert delivered == ALARMS, f"{impl} delivered {delivered} of {ALARMS}"
    print(json.dumps({"peak_kib": peak, "held_kib": held, "dropped_kib": dropped}))


if __name__ == "__main__":
    main(sys.argv[1])
