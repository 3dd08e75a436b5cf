# Run in the built image by demisto/dockerfiles' build (cat verify.py | docker run --rm -i <image> python -),
# and by scripts/check-wheel.sh on the wheel in a fresh virtual environment per CPython.
import sys

import dora_bridge
from dora_bridge import EntityProfile

profile = EntityProfile.from_params(
    {
        "entity_name": "Zahlungsinstitut Beispiel GmbH",
        "entity_type": "payment_institution",
        "home_member_state": "DE",
        "critical_services": "Card payments",
        "clients_per_service": "Card payments: 98000",
    }
)
c = profile.classify(
    {"affected_services": "Card payments", "clients_affected": 12430, "member_states": ["DE", "AT"]},
    now="2026-11-23T12:00:00Z",
)
assert c["is_major"] is True and c["rule"] == "RTS 2024/1772 Art. 8(1)(b)", c
met = [x["name"] for x in c["criteria"] if x["status"] == "met"]
print(
    f"dora_bridge {dora_bridge.__version__} on CPython {sys.version.split()[0]}: "
    f"classify -> MAJOR ({c['rule']}; met: {', '.join(met)})"
)
