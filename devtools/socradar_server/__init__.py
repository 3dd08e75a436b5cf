"""A local, stdlib-only server that speaks the SOCRadar Incident API v4.

Used by `make demo`, by the HTTP tests of the Rust client and the XSOAR integration, by property
tests and by benchmarks:

    with SocRadarServer(api_key="k", company_id=789) as srv:
        srv.generate(300, seed=7)
        fetch_from(srv.url)

Run `python -m devtools.socradar_server --help` for the stand-alone server.
"""

from .catalog import ALARM_TYPES, CONTENT_KEYS, STATUS_CODES, UNKNOWN_CONTENT_KEYS, AlarmType
from .dates import DATE_STYLES, format_alarm_date, parse_alarm_date
from .faults import FAULT_KINDS, MALFORMED_ALARM, QUOTA_MESSAGE, Fault
from .server import BASE_PATH, INVALID_KEY_MESSAGE, RequestRecord, SocRadarServer

__all__ = [
    "ALARM_TYPES",
    "BASE_PATH",
    "CONTENT_KEYS",
    "DATE_STYLES",
    "FAULT_KINDS",
    "INVALID_KEY_MESSAGE",
    "MALFORMED_ALARM",
    "QUOTA_MESSAGE",
    "STATUS_CODES",
    "UNKNOWN_CONTENT_KEYS",
    "AlarmType",
    "Fault",
    "RequestRecord",
    "SocRadarServer",
    "format_alarm_date",
    "parse_alarm_date",
]
