"""What an XSOAR integration reads and keeps for the evidence chain and its human decisions.

Two facts the server gives an integration, and one place it keeps state:

- ``demisto.callingContext["context"]["ParentEntry"]``: the War Room entry that ran the command.
  Its ``user`` is the user name of the person who typed it (demisto/content reads it the same
  way, in ``PerformActionOnCampaignIncidents``); a command run by a playbook task carries an
  ``entryTask`` and runs as DBot. Only these two keys are handed to the core.
- ``demisto.findUser(username=...)`` (integrations only): the user's record, with ``email``,
  ``name`` and ``roles``. Where the server does not answer it, the decision rests on the user
  name alone and on the instance's ``approver_users`` map; it is never recorded under a guess.
- The integration context: the head of each incident's evidence chain, keyed by incident id,
  out of reach of the incident, the War Room and playbook tasks.

The core judges (``EntityProfile.authorize``, ``approve``, ``mark_submitted``); this module only
carries the facts. The pack README, "Who approves", gives the sources.
"""

from __future__ import annotations

from typing import Any

from dora_bridge._core import to_context

__all__ = ["HEADS_KEY", "calling_user", "context", "load_head", "needed_command", "store_head"]

#: Where the integration context keeps the heads: ``{HEADS_KEY: {incident id: head record}}``.
HEADS_KEY = "DoraAuditHeads"


def context(result: Any) -> Any:
    """A core result in XSOAR's context spelling (``is_major`` → ``IsMajor``), for
    ``CommandResults``: the core returns snake_case, the context keeps the PascalCase the pack's
    yml declares. Data (a DORA_IR document, figures' values, incident field names) is kept as it
    is; a value already in context spelling comes back unchanged."""
    return to_context(result)


def calling_user(demisto: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The calling context reduced to what identifies the caller, and the caller's user record
    (``None`` when the server gives none)."""
    context = (getattr(demisto, "callingContext", None) or {}).get("context") or {}
    parent = context.get("ParentEntry") or {}
    caller = {"context": {"ParentEntry": {"user": parent.get("user"), "entryTask": parent.get("entryTask")}}}
    username = parent.get("user")
    record = None
    find = getattr(demisto, "findUser", None)
    if username and callable(find):
        try:
            record = find(username=username)
        except Exception as e:  # an unanswered look-up leaves the roles unknown
            demisto.debug(
                f"[DORA Bridge] findUser gave no record ({type(e).__name__}); roles come from approver_users"
            )
    return caller, record if isinstance(record, dict) and record else None


#: The command of the DORA Bridge integration that takes the step a refusal's ``needs`` names
#: (an ``EntityProfile`` method); ``{type}`` is the report the command was about.
NEEDED_COMMANDS = {
    "classify": "!dora-classify",
    "report_draft": "!dora-report-draft type={type}",
    "cyber_threat_draft": "!dora-cyber-threat-draft",
    "approve": "!dora-approve subject=classification decision=approve",
    "audit_verify": "!dora-audit-verify",
}


def needed_command(error: BaseException, args: dict[str, Any]) -> str | None:
    """The command to run first, when ``error`` (a ``ReportError``) names a step that must come
    first; the core's messages name no command, the integration does."""
    command = NEEDED_COMMANDS.get(getattr(error, "needs", None) or "")
    if command is None:
        return None
    return command.format(type=args.get("subject") or args.get("type") or "initial")


def load_head(demisto: Any, incident_id: str) -> dict[str, Any] | None:
    """The head recorded for the incident's chain, or ``None``."""
    heads = (demisto.getIntegrationContext() or {}).get(HEADS_KEY) or {}
    head = heads.get(str(incident_id))
    return head if isinstance(head, dict) else None


def store_head(
    demisto: Any, incident_id: str, expected: dict[str, Any] | None, head: dict[str, Any] | None
) -> None:
    """Records ``head`` for the incident, unless another command moved the head since this one
    read ``expected``: then nothing is recorded and the caller is told to run the command again
    (two decisions recorded at the same moment would fork the chain)."""
    if head is None:
        return
    context = demisto.getIntegrationContext() or {}
    heads = dict(context.get(HEADS_KEY) or {})
    if heads.get(str(incident_id)) != expected:
        raise RuntimeError(
            "Another DORA Bridge command recorded evidence for this incident at the same moment; nothing was "
            "recorded by this one. Run it again."
        )
    heads[str(incident_id)] = head
    demisto.setIntegrationContext({**context, HEADS_KEY: heads})
