"""The pure-Python baseline: the same work as the core's fetch, written the way a typical XSOAR
integration writes it, with `json`, dicts and `http.client`.

- `fetch_from_pages`: parse each page with `json.loads`, skip ids already seen (a set, seeded from
  the ids kept in the last run), map each alarm to an XSOAR incident dict with the same keys and
  CustomFields names as the core, and hand them over oldest first with the next last run.
- `SequentialReader`: pages 1..total_pages one after another over one keep-alive connection, as
  the public SOCRadar integration reads them.
- `main`: a `fetch-incidents` integration on the XSOAR runtime double, built from the two.

It is a fair baseline, not a straw man: the seen-ids test is a set (the public integration tests
membership in a list, quadratic in the ids kept), and the mapping renders the same fields.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

UTC = timezone.utc
SEVERITY = {"INFO": 0.5, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
# Alarm `content` keys with an incident field of their own (the pack's catalogue).
CONTENT_KEYS = frozenset(
    (
        "dns_information whois_information domain_status phishing_url screenshot_link hosting_provider"
        " platform profile_url credential_details log_content_link malware_family source_full_content"
        " compromised_emails compromised_domains infected_host ip_address port service banner"
        " certificate_details expiry_date cve_id cvss_score affected_product source_url source_type"
        " marketplace vendor_name vendor_domain breach_details exposure_details"
    ).split()
)
ALARM_TEXT_LIMIT = 1000
# How many delivered ids the last run keeps, as the public integration does.
SEEN_IDS_KEPT = 1000
LINK = (
    "https://platform.socradar.com/app/company/{cid}/alarm-management"
    "?tab=approved&field=alarmId&operator=equals&value={aid}"
)


# The core's triage defaults (src/triage): (main type, sub type) -> (outcome, reason); sub type
# None for the whole main type. A typical integration keeps such a table in a dict.
_THREAT = "cyber-threat"
_CANDIDATE = "candidate-ict-incident"
TRIAGE_DEFAULTS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("Cyber Threat Intelligence", "Botnet Infection"): (_CANDIDATE, "a company asset communicates with a botnet: the entity's own ICT systems are compromised, an ICT-related incident (DORA Art. 3(8))"),
    ("Cyber Threat Intelligence", "Data Leak"): (_CANDIDATE, "company data found leaked: a possible loss of confidentiality of the entity's data (RTS 2024/1772 Art. 5)"),
    ("Cyber Threat Intelligence", "Stolen Credentials"): (_THREAT, "credentials found in stealer logs: a threat to the entity's systems until they are used against them (DORA Art. 3(12))"),
    ("Cyber Threat Intelligence", None): (_THREAT, "threat intelligence about the entity: a cyber threat until it materialises in the entity's systems (DORA Art. 3(12))"),
    ("Supply Chain Security", "Vendor Breach"): (_CANDIDATE, "a breach at a third-party provider is an ICT-related incident of the entity when its services or data are affected (DORA Art. 3(8), Art. 28)"),
    ("Supply Chain Security", None): (_THREAT, "an exposure at a third-party provider: a cyber threat to the entity through its supply chain (DORA Art. 3(12))"),
    ("Attack Surface Management", "SSL Certificate Expiry"): ("not-dora-relevant", "a certificate about to expire: operational housekeeping, neither an incident nor a threat while it is renewed in time"),
    ("Attack Surface Management", None): (_THREAT, "an exposed service or vulnerable software: a cyber threat until exploited (DORA Art. 3(12))"),
    ("Brand Protection", None): (_THREAT, "impersonation of the brand outside the entity's systems: a cyber threat to its clients, not an ICT-related incident of the entity (DORA Art. 3(12))"),
    ("Dark Web Intelligence", None): (_THREAT, "the entity or its data mentioned or offered on the dark web: a cyber threat (DORA Art. 3(12))"),
}  # fmt: skip
_TRIAGE_FALLBACK = "no triage rule matches this alarm type: recorded as a cyber threat so that a person can escalate it; add a rule (triage_rules) to route it"


def triage(main_type: str, sub_type: str) -> dict[str, str]:
    """The default triage of an alarm type, as the core gives it."""
    if (main_type, sub_type) in TRIAGE_DEFAULTS:
        (outcome, reason), rule = TRIAGE_DEFAULTS[main_type, sub_type], f"default: sub type {sub_type}"
    elif (main_type, None) in TRIAGE_DEFAULTS:
        (outcome, reason), rule = TRIAGE_DEFAULTS[main_type, None], f"default: main type {main_type}"
    else:
        outcome, rule, reason = _THREAT, "default", _TRIAGE_FALLBACK
    return {"outcome": outcome, "rule": rule, "reason": reason}


def assignees(value: object) -> str:
    """`alarm_assignees` as the core renders it: addresses lowercased, sorted, once each."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [
            v
            if isinstance(v, str)
            else (v.get("email") or v.get("user_email"))
            if isinstance(v, dict)
            else str(v)
            for v in value
            if isinstance(v, (str, dict)) or (isinstance(v, (int, float)) and not isinstance(v, bool))
        ]
    else:
        items = []
    return ", ".join(sorted({s.strip().lower() for s in items if isinstance(s, str) and s.strip()}))


_MARKDOWN = re.compile(r"([\\`*_~\[\]<>|#])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def markdown_escape(text: str) -> str:
    """The core's escaping of alarm text in the incident name."""
    return _MARKDOWN.sub(r"\\\1", _CONTROL.sub(" ", text))


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def render(value: object) -> str:
    """A field value as text: scalars as they are, lists of scalars comma-joined, else JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _compact(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(s for s in (render(v) for v in value) if s)
    return _compact(value)


def render_key_values(value: object) -> str:
    if not isinstance(value, list):
        return render(value)
    lines = []
    for item in value:
        if isinstance(item, dict) and "key" in item and "value" in item:
            lines.append(f"{render(item['key'])}: {render(item['value'])}")
        else:
            lines.append(render(item))
    return "\n".join(lines)


def render_compliance(value: object) -> str:
    if not isinstance(value, list):
        return render(value)
    lines = []
    for item in value:
        if not isinstance(item, dict):
            lines.append(render(item))
            continue
        head = " ".join(s for s in (render(item.get("name")), render(item.get("control_item"))) if s)
        desc = render(item.get("description"))
        lines.append(f"{head}: {desc}" if desc else head)
    return "\n".join(lines)


def parse_date(text: object) -> datetime | None:
    """An alarm's `date` (UTC without a zone; `T` or space, optional fraction)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def alarm_to_incident(alarm: dict[str, Any], company_id: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """One alarm as an XSOAR incident, with the core's keys and CustomFields names."""
    details = alarm.get("alarm_type_details") or {}
    main_type = details.get("alarm_main_type") or ""
    sub_type = details.get("alarm_sub_type") or ""
    title = details.get("alarm_generic_title") or " / ".join(t for t in (main_type, sub_type) if t)
    asset = alarm.get("alarm_asset") or ""
    risk = alarm.get("alarm_risk_level") or ""
    text = alarm.get("alarm_text") or ""
    aid = alarm["alarm_id"]

    fields = {
        "dorasocradaralarmid": str(aid),
        "dorasocradartitle": title,
        "dorasocradarstatus": alarm.get("status") or "",
        "dorasocradarstatusreason": reason
        if isinstance(reason := alarm.get("alarm_status_reason"), str)
        else "",
        "dorasocradarassignees": assignees(alarm.get("alarm_assignees")),
        "dorasocradarasset": asset,
        "dorasocradaralarmtype": main_type,
        "dorasocradaralarmsubtype": sub_type,
        "dorasocradaralarmtypeid": render(details.get("alarm_type_id")),
        "dorasocradartags": render(alarm.get("tags")),
        "dorasocradarrisklevel": risk,
        "dorasocradaralarmtext": text[:ALARM_TEXT_LIMIT],
        "dorasocradarmitigationplan": render(details.get("alarm_default_mitigation_plan")),
        "dorasocradaralarmlink": LINK.format(cid=company_id, aid=aid),
        "dorasocradarcompliance": render_compliance(details.get("alarm_compliance_list")),
        "dorasocradarrelatedassets": render_key_values(alarm.get("alarm_related_assets")),
    }
    if params.get("include_entities"):
        fields["dorasocradarentities"] = render_key_values(alarm.get("alarm_related_entities"))
    content = alarm.get("content")
    if params.get("include_content") and isinstance(content, dict):
        other = {}
        for key, value in content.items():
            if value is None:
                continue
            if key in CONTENT_KEYS:
                fields["dorasocradarcontent" + "".join(c for c in key if c.isalnum()).lower()] = render(value)
            else:
                other[key] = value
        if other:
            fields["dorasocradarcontentother"] = _compact(other)
    sorted_by = triage(main_type, sub_type)
    fields["doratriageoutcome"] = sorted_by["outcome"]
    fields["doratriagerule"] = sorted_by["rule"]
    fields["doratriagereason"] = sorted_by["reason"]
    label = markdown_escape(title or "Alarm")
    incident: dict[str, Any] = {
        "name": f"SOCRadar {aid}: {label} — {markdown_escape(asset)}"
        if asset
        else f"SOCRadar {aid}: {label}",
        "occurred": parse_date(alarm["date"]).strftime("%Y-%m-%dT%H:%M:%SZ"),  # type: ignore[union-attr]
        "severity": SEVERITY.get(risk.strip().upper(), 0),
        "details": text,
        "rawJSON": json.dumps({**alarm, "dora_bridge": {"triage": sorted_by}}),
        "dbotMirrorId": str(aid),
        "CustomFields": {k: v for k, v in fields.items() if v},
    }
    if params.get("incidentType"):
        incident["type"] = params["incidentType"]
    return incident


def window_start(last_run: Mapping[str, Any], now: datetime, params: Mapping[str, Any]) -> datetime:
    if last_run.get("last_fetch"):
        lookback = timedelta(minutes=int(params.get("lookback_minutes") or 15))
        return datetime.fromisoformat(last_run["last_fetch"]) - lookback
    amount, unit = str(params.get("first_fetch") or "3 days").split()
    return now - timedelta(**{unit if unit.endswith("s") else unit + "s": int(amount)})


def fetch_from_pages(
    pages: Iterable[Mapping[str, Any]],
    last_run: Mapping[str, Any],
    *,
    now: datetime,
    start: datetime,
    company_id: int,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """Parse + dedup + map over the `data` objects of the search answers, page 1 first."""
    max_fetch = int(params.get("max_fetch") or 10000)
    seen = set(last_run.get("seen_ids") or ())
    kept = list(last_run.get("seen_ids") or ())
    found: list[tuple[datetime, int, dict[str, Any]]] = []
    malformed = []
    for page in pages:
        for alarm in page.get("alarms") or ():
            aid = alarm.get("alarm_id") if isinstance(alarm, dict) else None
            date = parse_date(alarm.get("date")) if isinstance(alarm, dict) else None
            if not isinstance(aid, int) or date is None:
                malformed.append(aid)
                continue
            if date < start or aid in seen:
                continue
            seen.add(aid)
            found.append((date, aid, alarm_to_incident(alarm, company_id, params)))
    found.sort(key=lambda f: (f[0], f[1]))
    delivered = found[:max_fetch]
    kept.extend(aid for _, aid, _ in delivered)
    newest = delivered[-1][0] if delivered else None
    mark = min(newest, now) if newest is not None else None
    next_run = {
        "last_fetch": mark.isoformat() if mark else last_run.get("last_fetch"),
        "seen_ids": kept[-SEEN_IDS_KEPT:],
    }
    return {"incidents": [i for _, _, i in delivered], "last_run": next_run, "malformed": malformed}


def parsed(raw_pages: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    """The `data` object of each raw search answer."""
    for raw in raw_pages:
        body = json.loads(raw)
        if not body.get("is_success", True):
            raise RuntimeError(f"SOCRadar API error: {body.get('message')}")
        yield body["data"]


class SequentialReader:
    """Reads the pages of one window one after another over one keep-alive connection."""

    def __init__(self, base_url: str, api_key: str, company_id: int, timeout: float = 60.0) -> None:
        url = urlsplit(base_url)
        self.path = f"{url.path}/company/{company_id}/incidents/v4"
        self.headers = {"API-Key": api_key}
        self.connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
        self.requests = 0

    def get(self, page: int, start: datetime, end: datetime) -> bytes:
        query = urlencode(
            {
                "limit": 100,
                "page": page,
                "start_date": int(start.timestamp()),
                "end_date": int(end.timestamp()),
                "include_total_records": "true",
            }
        )
        self.connection.request("GET", f"{self.path}?{query}", headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        self.requests += 1
        if response.status != 200:
            raise RuntimeError(f"SOCRadar API error (HTTP {response.status})")
        return body

    def pages(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """Page 1, then 2..total_pages; each parsed as it arrives."""
        page, total_pages = 1, 1
        while page <= total_pages:
            data = next(parsed([self.get(page, start, end)]))
            total_pages = int(data.get("total_pages") or 1)
            yield data
            if len(data.get("alarms") or ()) < 100:
                return
            page += 1

    def close(self) -> None:
        self.connection.close()


def fetch_incidents(params: Mapping[str, Any], last_run: Mapping[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    start = window_start(last_run, now, params)
    company_id = int(params["company_id"])
    reader = SequentialReader(
        str(params["url"]),
        params["credentials"]["password"],
        company_id,
        timeout=float(params.get("timeout") or 60),
    )
    try:
        pages = reader.pages(start, now + timedelta(seconds=1))
        return fetch_from_pages(pages, last_run, now=now, start=start, company_id=company_id, params=params)
    finally:
        reader.close()


def main() -> None:
    """`fetch-incidents` as an integration runs it, on the XSOAR runtime double."""
    import demistomock as demisto

    result = fetch_incidents(demisto.params(), demisto.getLastRun())
    demisto.incidents(result["incidents"])
    demisto.setLastRun(result["last_run"])
