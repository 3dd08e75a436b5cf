"""A local, stdlib-only CMDB that speaks ServiceNow's Table API, for the CMDB connector's tests and
the demo:

    with CmdbServer(username="svc-dora", password="pw") as cmdb:
        cmdb.add_service("Payments", 1, critical_or_important=True)
        cmdb.add_ci("pay-01", ip_address="10.0.0.1")
        cmdb.relate("Payments", "pay-01", "Runs on::Runs")
        lookup(cmdb.url)

By default it holds the demo entity's CMDB (dataset.py). Run `python -m devtools.cmdb_server --help`
for the stand-alone server.
"""

from .dataset import DNS_NAMES, SEGMENTS, SERVICES
from .faults import FAULT_KINDS, GARBAGE_BODY, Fault
from .query import QueryError, parse_query
from .records import CRITICALITY, RELATION_TYPES
from .server import TOKEN_PATH, CmdbServer, RequestRecord
from .tables import CI_CLASSES

__all__ = [
    "CI_CLASSES",
    "CRITICALITY",
    "DNS_NAMES",
    "FAULT_KINDS",
    "GARBAGE_BODY",
    "RELATION_TYPES",
    "SEGMENTS",
    "SERVICES",
    "TOKEN_PATH",
    "CmdbServer",
    "Fault",
    "QueryError",
    "RequestRecord",
    "parse_query",
]
