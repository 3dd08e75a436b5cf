"""DORA Bridge: SOCRadar connector, DORA classification and regulatory clock for Cortex XSOAR.

The work is done in the Rust core, ``dora_bridge._core``; this package re-exports it. Results
are dicts with snake_case keys, described in ``dora_bridge.types``; ``to_context`` spells one as
XSOAR's context keeps it.
"""

from dora_bridge._core import (
    ApiError,
    AuthenticationError,
    ConnectorError,
    ContextConnectors,
    DoraBridgeError,
    EntityProfile,
    InputError,
    InternalError,
    NotFoundError,
    RateLimitedError,
    SocRadarClient,
    SocRadarError,
    SocRadarMirror,
    TransportError,
    __version__,
    assess_cyber_threat,
    audit_verify,
    classification_inputs,
    from_context,
    incident_field_updates,
    load_report,
    now,
    report_fields,
    set_clock,
    socradar_filters,
    socradar_incident_fields,
    to_context,
)
from dora_bridge.args import command_args
from dora_bridge.markdown import markdown_cell, markdown_rows, markdown_text

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConnectorError",
    "ContextConnectors",
    "DoraBridgeError",
    "EntityProfile",
    "InputError",
    "InternalError",
    "NotFoundError",
    "RateLimitedError",
    "SocRadarClient",
    "SocRadarError",
    "SocRadarMirror",
    "TransportError",
    "__version__",
    "assess_cyber_threat",
    "audit_verify",
    "classification_inputs",
    "command_args",
    "from_context",
    "incident_field_updates",
    "load_report",
    "markdown_cell",
    "markdown_rows",
    "markdown_text",
    "now",
    "report_fields",
    "set_clock",
    "socradar_filters",
    "socradar_incident_fields",
    "to_context",
]
