"""DORA Bridge — Context Connectors: which ICT services, critical functions and third-party
providers an incident touches (Register of Information, CMDB, ICT mapping), how many clients and
transactions it hit (PostgreSQL or a REST endpoint), and in which Member States.

Glue only: the ``dora_bridge`` core reads the sources; this file writes ``DORA.Context.*``,
where ``!dora-classify`` picks the figures up with their sources.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import ContextConnectors, command_args, context_at, markdown_rows, markdown_text, now
from dora_bridge.xsoar import context

# The arguments declared isArray in the yml.
ARRAY_ARGS = (
    "services",
    "client_countries",
    "counterpart_countries",
    "branch_countries",
    "group_entity_countries",
    "market_infrastructure_countries",
)
STRUCTURED_ARGS = ()


def latest(path: str):
    """The value at a context path, the newest entry of every list on the way (the core's rule)."""
    return context_at(demisto.context(), path)


def figure_value(fig):
    return fig.get("Value") if isinstance(fig, dict) else fig


def test_module(c: ContextConnectors) -> str:
    """Contacts every configured source once; each one that fails is named in the error."""
    for line in c.test_connection():
        demisto.debug(f"[DORA Bridge Context] test-module: {line}")
    return "ok"


def incident_id() -> str:
    """The incident the command runs in: the key of its context outputs, so that a new run
    replaces the previous one instead of piling up beside it."""
    return str(demisto.incident().get("id") or "")


def problems_markdown(problems: list) -> str:
    return "".join(f"- {markdown_text(p)}\n" for p in problems)


def ict_context_command(c: ContextConnectors, args: dict) -> CommandResults:
    asset = args.get("asset") or (demisto.incident().get("CustomFields") or {}).get("dorasocradarasset")
    ctx = context(c.ict_context(asset=asset, services=args.get("services")))
    services = figure_value(ctx["AffectedServices"]) or []
    critical = figure_value(ctx["CriticalServicesAffected"])
    # Names and reasons come from the register, the CMDB and the asset: escaped for markdown.
    readable = f"### ICT context of {markdown_text(ctx['Asset'] or ', '.join(services))}\n"
    readable += f"Services: {markdown_text(', '.join(services)) or 'none found'}; critical or important: {'unknown' if critical is None else critical}"
    readable += " (partial: a source failed or a bound was reached)\n" if ctx["Partial"] else "\n"
    readable += tableToMarkdown(
        "Functions", markdown_rows(ctx["Functions"]), headers=["Name", "Id", "Critical", "Source"]
    )
    readable += tableToMarkdown(
        "ICT third-party providers",
        markdown_rows(ctx["Providers"]),
        headers=["Name", "Country", "Services", "Source"],
    )
    readable += tableToMarkdown("Countries", markdown_rows(ctx["Countries"]), headers=["Country", "Reason"])
    if ctx["Problems"]:
        readable += "\n" + problems_markdown(ctx["Problems"])
    return CommandResults(
        outputs_prefix="DORA.Context.ICT",
        outputs_key_field="IncidentId",
        outputs={**ctx, "IncidentId": incident_id()},
        readable_output=readable,
        raw_response=ctx,
    )


def transaction_scope_command(c: ContextConnectors, args: dict) -> CommandResults:
    services = args.get("services") or figure_value(latest("DORA.Context.ICT.AffectedServices"))
    start = (
        args.get("window_start")
        or latest("DORA.Classification.OccurredAt")
        or demisto.incident().get("occurred")
    )
    end = args.get("window_end") or now()
    if not start:
        raise DemistoException("window_start is required: the incident's occurrence is not known yet.")
    reference_days = arg_to_number(args.get("reference_days"), "reference_days")
    scope = context(c.transaction_scope(services or [], start, end, reference_days=reference_days))
    rows = [
        {"Figure": k, "Value": v["Value"], "Estimate": v["Estimate"], "Source": v["Source"]}
        for k, v in scope.items()
        if isinstance(v, dict) and "Value" in v
    ]
    readable = tableToMarkdown(
        f"Transaction scope {scope['Window']['Start']} to {scope['Window']['End']}",
        markdown_rows(rows),
        headers=["Figure", "Value", "Estimate", "Source"],
    )
    if scope.get("Partial"):
        readable += "\n**Partial:**\n" + problems_markdown(scope.get("Problems") or [])
    return CommandResults(
        outputs_prefix="DORA.Context.Transactions",
        outputs_key_field="IncidentId",
        outputs={**scope, "IncidentId": incident_id()},
        readable_output=readable,
        raw_response=scope,
    )


def geo_scope_command(c: ContextConnectors, args: dict) -> CommandResults:
    include_providers = argToBoolean(args.get("include_providers") or "true")
    providers = latest("DORA.Context.ICT.Countries") if include_providers else None
    geo = context(
        c.geo_scope(
            clients=args.get("client_countries"),
            counterparts=args.get("counterpart_countries"),
            branches=args.get("branch_countries"),
            group_entities=args.get("group_entity_countries"),
            market_infrastructures=args.get("market_infrastructure_countries"),
            providers=providers,
            all_branches=argToBoolean(args.get("all_branches") or "false"),
            all_group_entities=argToBoolean(args.get("all_group_entities") or "false"),
        )
    )
    states = geo["MemberStates"]["Value"]
    readable = tableToMarkdown(
        f"Member States affected: {', '.join(states) or 'none'}",
        geo["Reasons"],
        headers=["Country", "Reason", "Source"],
    )
    if geo["OutsideEea"]:
        readable += tableToMarkdown(
            "Outside the EEA (not counted)", geo["OutsideEea"], headers=["Country", "Reason", "Source"]
        )
    return CommandResults(
        outputs_prefix="DORA.Context.Geo",
        outputs_key_field="IncidentId",
        outputs={**geo, "IncidentId": incident_id()},
        readable_output=readable,
        raw_response=geo,
    )


COMMANDS = {
    "dora-ict-context": ict_context_command,
    "dora-transaction-scope": transaction_scope_command,
    "dora-geo-scope": geo_scope_command,
}


def arguments() -> dict:
    """The command's arguments as text (lists for the array arguments), whatever a playbook passed."""
    return command_args(demisto.args(), arrays=ARRAY_ARGS, structured=STRUCTURED_ARGS)


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[DORA Bridge Context] command {command}")
    try:
        connectors = ContextConnectors.from_params(demisto.params())
        if command == "test-module":
            return_results(test_module(connectors))
        elif command in COMMANDS:
            return_results(COMMANDS[command](connectors, arguments()))
        else:
            raise NotImplementedError(f"The command {command} is not implemented by this integration.")
    except Exception as e:
        return_error(f"Failed to execute {command} command. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
