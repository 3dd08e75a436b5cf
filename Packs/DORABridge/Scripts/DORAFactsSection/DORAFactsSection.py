"""Dynamic section of the DORA incident layouts: the facts of the incident's impact and the
report details, each with its value and where it comes from.

The figures the context connectors found (``DORA.Context.ICT``, ``.Transactions``, ``.Geo``,
each ``{Value, Source, Estimate, Partial}``) and the answers people gave in the playbook's forms
(``DORA.IncidentReport.<Key>``) live in the incident's context, not in its fields: this section
shows them beside the DORA fields a person set, which take precedence, as they do for
``!dora-classify`` and ``!dora-report-draft``. A fact nobody knows is shown as not known: it is
missing data, never zero. No network, no dependency beyond the XSOAR runtime (demisto/python3).
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

# (label, incident field set by a person, connector figure in context)
IMPACT = [
    ("Affected services", "doraaffectedservices", "ICT.AffectedServices"),
    ("Critical services affected (Art. 6)", None, "ICT.CriticalServicesAffected"),
    ("Clients affected", "doraclientsaffected", "Transactions.ClientsAffected"),
    ("Clients in total", None, "Transactions.ClientsTotal"),
    ("Financial counterparts affected", "doracounterpartsaffected", "Transactions.CounterpartsAffected"),
    ("Financial counterparts in total", None, "Transactions.CounterpartsTotal"),
    ("Affected counterparts (Art. 9(1)(f))", "doraaffectedcounterparts", None),
    ("Transactions affected", "doratransactionsaffected", "Transactions.TransactionsAffected"),
    ("Transactions, daily average", None, "Transactions.DailyAverageTransactions"),
    ("Value of transactions affected (EUR)", "doratransactionvalueeur", "Transactions.ValueAffectedEUR"),
    ("Member States affected", "doramemberstates", "Geo.MemberStates"),
    ("Economic impact (EUR)", "doraeconomicimpacteur", None),
]
# (template field of ITS 2025/302 and its name, the key under DORA.IncidentReport that dora-report-draft
# reads first, the incident field it reads next: src/report/mapping.json)
REPORT = [
    ("2.1 Incident reference code of the entity", "FinancialEntityCode", "doraincidentreference"),
    ("2.4 Description", "IncidentDescription", "doraincidentdescription"),
    ("2.7 Discovery of the incident", "DiscoveryMethod", "doradiscoverymethod"),
    ("2.8 Third-party origin", "ThirdPartyOrigin", "dorathirdpartyorigin"),
    (
        "2.9 Business continuity plan activated",
        "BusinessContinuityActivated",
        "dorabusinesscontinuityactivated",
    ),
    ("2.10 Other information", "OtherInformation", "doraotherinformation"),
    ("3.15 Duration", "IncidentDuration", None),
    ("3.23 Type of incident", "IncidentTypes", "doraincidenttypes"),
    ("3.25 Threat techniques", "ThreatTechniques", None),
    ("3.34 Temporary actions", "TemporaryActionsDescription", None),
    ("3.35 Indicators of compromise", "IndicatorsOfCompromise", "doraindicatorsofcompromise"),
    ("4.1 Root cause (high level)", "RootCauseHighLevel", None),
    ("4.5 Root cause information", "RootCauseInformation", "dorarootcause"),
    ("4.6 Resolution", "ResolutionSummary", None),
]
NOT_KNOWN = "not known"


def latest(value):
    """XSOAR keeps repeated outputs as a list: the newest is the last."""
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def at(node, dotted):
    """The value at a context path, the newest of each repeated output on the way."""
    for part in dotted.split("."):
        node = latest(node)
        node = node.get(part) if isinstance(node, dict) else None
    return node


def known(value):
    return value not in (None, "", [], {}) and not (isinstance(value, str) and value.startswith("0001-01-01"))


def text(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return str(value).replace("\n", " ").replace("|", "\\|")


def figure(context, path):
    """A connector figure: its value and a note of where it comes from."""
    fig = latest(at(context, f"DORA.Context.{path}"))
    if not isinstance(fig, dict) or not known(fig.get("Value")):
        return None, ""
    notes = [
        s for s in (fig.get("Source") if isinstance(fig.get("Source"), list) else [fig.get("Source")]) if s
    ]
    if fig.get("Estimate"):
        notes.append("estimate")
    if fig.get("Partial"):
        notes.append("partial")
    return fig["Value"], f"DORA.Context.{path}" + (f" ({'; '.join(map(str, notes))})" if notes else "")


def impact_rows(context, fields):
    rows = []
    for label, field, path in IMPACT:
        value, source = (
            (fields.get(field), f"incident field {field} (set by a person)") if field else (None, "")
        )
        if not known(value) and path:
            value, source = figure(context, path)
        rows.append((label, text(value) if known(value) else NOT_KNOWN, source))
    return rows


def report_rows(context, fields):
    answers = latest(at(context, "DORA.IncidentReport")) or {}
    rows = []
    for label, key, field in REPORT:
        value, source = (
            answers.get(key) if isinstance(answers, dict) else None,
            f"DORA.IncidentReport.{key} (a form answer)",
        )
        if not known(value) and field:
            value, source = fields.get(field), f"incident field {field}"
        rows.append((label, text(value) if known(value) else NOT_KNOWN, source if known(value) else ""))
    return rows


def table(title, rows):
    lines = [f"**{title}**", "", "| Fact | Value | Source |", "|---|---|---|"]
    lines += [f"| {label} | {value} | {source} |" for label, value, source in rows]
    return lines


def render(context, incident):
    fields = incident.get("CustomFields") or {}
    impact = impact_rows(context, fields)
    report = report_rows(context, fields)
    lines = [*table("Impact (RTS 2024/1772 Art. 1 to 7)", impact), ""]
    lines += [*table("Report details (ITS 2025/302)", report), ""]
    missing = sum(1 for r in impact + report if r[1] == NOT_KNOWN)
    lines.append(
        f"{missing} fact(s) not known yet: missing data, never taken as zero. The DORA fields a person sets "
        "take precedence over the connectors' figures; the forms of the playbook fill DORA.IncidentReport."
    )
    return "\n".join(lines)


def main() -> None:
    try:
        markdown = render(demisto.context(), demisto.incident())
        return_results({"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.MARKDOWN, "Contents": markdown})
    except Exception as e:
        return_error(f"Failed to execute DORAFactsSection. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
