"""Test double of XSOAR's ``CommonServerPython``.

The real module ships with the XSOAR server, not on PyPI. This double keeps the part the
DORA Bridge integrations use, with the real names, signatures and entry shapes:
``CommandResults``, ``return_results``, ``return_error``, ``tableToMarkdown``, ``argToList``,
``argToBoolean``, ``arg_to_number``, ``arg_to_datetime``, ``DemistoException``, the
``EntryType``/``EntryFormat``/``IncidentSeverity``/``IncidentStatus`` constants, the mirroring
classes (``GetRemoteDataArgs`` ... ``GetMappingFieldsResponse``, as in CommonServerPython of
demisto/content, Packs/Base/Scripts/CommonServerPython) and the versioned integration context.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import demistomock as demisto


class EntryType:
    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    WARNING = 11
    MAP_ENTRY_TYPE = 15
    WIDGET = 17


class EntryFormat:
    HTML = "html"
    TABLE = "table"
    JSON = "json"
    TEXT = "text"
    DBOT_RESPONSE = "dbotCommandResponse"
    MARKDOWN = "markdown"


class IncidentSeverity:
    UNKNOWN = 0
    INFO = 0.5
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class IncidentStatus:
    PENDING = 0
    ACTIVE = 1
    DONE = 2
    ARCHIVE = 3


entryTypes = {"note": EntryType.NOTE, "error": EntryType.ERROR, "file": EntryType.FILE}  # noqa: N816
formats = {"json": EntryFormat.JSON, "text": EntryFormat.TEXT, "markdown": EntryFormat.MARKDOWN}


class DemistoException(Exception):  # noqa: N818 - the real name
    def __init__(self, message: str, exception: Exception | None = None, res: Any = None, *args: Any) -> None:
        self.res = res
        self.message = message
        self.exception = exception
        super().__init__(message, exception, *args)

    def __str__(self) -> str:
        return str(self.message)


def _now() -> datetime:
    """The tests' world clock: the core's clock, which the tests set to their anchor."""
    try:
        from dora_bridge import now
    except ImportError:
        return datetime.now(timezone.utc)
    return datetime.fromisoformat(now().replace("Z", "+00:00"))


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_format_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value).replace("\n", "<br>").replace("|", "\\|")


def tableToMarkdown(  # noqa: N802 - the real name
    name: str,
    t: list[dict[str, Any]] | dict[str, Any],
    headers: list[str] | str | None = None,
    headerTransform: Any = None,  # noqa: N803
    removeNull: bool = False,  # noqa: N803
    metadata: str | None = None,
    url_keys: list[str] | None = None,
    date_fields: list[str] | None = None,
    json_transform_mapping: Any = None,
    is_auto_json_transform: bool = False,
    sort_headers: bool = True,
) -> str:
    rows = [t] if isinstance(t, dict) else list(t or [])
    out = f"### {name}\n" if name else ""
    if metadata:
        out += metadata + "\n"
    if not rows:
        return out + "**No entries.**\n"
    if isinstance(headers, str):
        headers = [headers]
    if not headers:
        keys: list[str] = []
        for row in rows:
            for k in row:
                if k not in keys:
                    keys.append(k)
        headers = sorted(keys) if sort_headers else keys
    if removeNull:
        headers = [h for h in headers if any(row.get(h) not in (None, "", []) for row in rows)]
    shown = [headerTransform(h) if headerTransform else h for h in headers]
    out += "|" + "|".join(shown) + "|\n"
    out += "|" + "|".join("---" for _ in shown) + "|\n"
    for row in rows:
        out += "|" + "|".join(_format_cell(row.get(h)) for h in headers) + "|\n"
    return out


class CommandResults:
    def __init__(
        self,
        outputs_prefix: str | None = None,
        outputs_key_field: str | list[str] | None = None,
        outputs: Any = None,
        indicator: Any = None,
        readable_output: str | None = None,
        raw_response: Any = None,
        indicators_timeline: Any = None,
        indicator_timeline: Any = None,
        ignore_auto_extract: bool = False,
        mark_as_note: bool = False,
        scheduled_command: Any = None,
        relationships: Any = None,
        entry_type: int | None = None,
        content_format: str | None = None,
        execution_metrics: Any = None,
        replace_existing: bool = False,
    ) -> None:
        if raw_response is None:
            raw_response = outputs
        if outputs is not None and not isinstance(outputs, (dict, list)) and not outputs_prefix:
            raise ValueError("outputs_prefix is missing")
        self.outputs_prefix = outputs_prefix
        self.outputs_key_field = (
            [outputs_key_field] if isinstance(outputs_key_field, str) else outputs_key_field
        )
        self.outputs = outputs
        self.indicator = indicator
        self.readable_output = readable_output
        self.raw_response = raw_response
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.relationships = relationships
        self.entry_type = entry_type if entry_type is not None else EntryType.NOTE
        self.content_format = content_format

    def to_context(self) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        human_readable = self.readable_output
        if self.outputs is not None and self.outputs_prefix:
            if self.outputs_key_field:
                cond = " && ".join(f"val.{k} && val.{k} == obj.{k}" for k in self.outputs_key_field)
                outputs[f"{self.outputs_prefix}({cond})"] = self.outputs
            else:
                outputs[self.outputs_prefix] = self.outputs
        if human_readable is None and self.outputs is not None:
            human_readable = tableToMarkdown("Results", self.outputs)
        content_format = self.content_format or (
            EntryFormat.JSON if isinstance(self.raw_response, (dict, list)) else EntryFormat.TEXT
        )
        return {
            "Type": self.entry_type,
            "ContentsFormat": content_format,
            "Contents": self.raw_response,
            "HumanReadable": human_readable,
            "EntryContext": outputs,
            "IndicatorTimeline": [],
            "IgnoreAutoExtract": self.ignore_auto_extract,
            "Note": self.mark_as_note,
            "Relationships": [],
        }


class GetRemoteDataArgs:
    def __init__(self, args: dict[str, Any]) -> None:
        self.remote_incident_id = args["id"]
        self.last_update = args["lastUpdate"]


class GetModifiedRemoteDataArgs:
    def __init__(self, args: dict[str, Any]) -> None:
        self.last_update = args["lastUpdate"]


class UpdateRemoteSystemArgs:
    def __init__(self, args: dict[str, Any]) -> None:
        self.data = args.get("data")
        self.entries = args.get("entries")
        self.incident_changed = args.get("incidentChanged")
        self.remote_incident_id = args.get("remoteId")
        self.inc_status = args.get("status")
        self.delta = args.get("delta")


class GetRemoteDataResponse:
    def __init__(self, mirrored_object: Any, entries: list[Any]) -> None:
        self.mirrored_object = mirrored_object
        self.entries = entries

    def extract_for_local(self) -> list[Any] | None:
        # As the real one: nothing at all when the mirrored object is empty.
        if self.mirrored_object:
            return [self.mirrored_object, *self.entries]
        return None


class GetModifiedRemoteDataResponse:
    def __init__(self, modified_incident_ids: list[str]) -> None:
        self.modified_incident_ids = modified_incident_ids

    def to_entry(self) -> dict[str, Any]:
        demisto.info(f"Modified incidents: {self.modified_incident_ids}")
        return {
            "Contents": self.modified_incident_ids,
            "Type": EntryType.NOTE,
            "ContentsFormat": EntryFormat.JSON,
        }


class SchemeTypeMapping:
    def __init__(self, type_name: str = "", fields: dict[str, str] | None = None) -> None:
        self.type_name = type_name
        self.fields = fields if fields else {}

    def add_field(self, name: str, description: str = "") -> None:
        self.fields.update({name: description})

    def extract_mapping(self) -> dict[str, Any]:
        return {self.type_name: self.fields}


class GetMappingFieldsResponse:
    def __init__(self, scheme_types_mapping: list[SchemeTypeMapping] | None = None) -> None:
        self.scheme_types_mappings = scheme_types_mapping if scheme_types_mapping else []

    def add_scheme_type(self, scheme_type_mapping: SchemeTypeMapping) -> None:
        self.scheme_types_mappings.append(scheme_type_mapping)

    def extract_mapping(self) -> dict[str, Any]:
        all_mappings: dict[str, Any] = {}
        for scheme_types_mapping in self.scheme_types_mappings:
            all_mappings.update(scheme_types_mapping.extract_mapping())
        return all_mappings


def is_demisto_version_ge(version: str, build_number: str = "") -> bool:
    have = [int(p) for p in demisto.demistoVersion()["version"].split(".")]
    want = [int(p) for p in version.split(".")]
    return have >= want


def is_versioned_context_available() -> bool:
    return is_demisto_version_ge("6.0.0")


def get_integration_context(sync: bool = True, with_version: bool = False) -> dict[str, Any]:
    if is_versioned_context_available():
        integration_context = demisto.getIntegrationContextVersioned(sync)
        return integration_context if with_version else integration_context.get("context", {})
    return demisto.getIntegrationContext()


def set_integration_context(context: dict[str, Any], sync: bool = True, version: int = -1) -> Any:
    if is_versioned_context_available():
        return demisto.setIntegrationContextVersioned(context, version, sync)
    return demisto.setIntegrationContext(context)


def get_integration_context_with_version(sync: bool = True) -> tuple[dict[str, Any], int]:
    latest = get_integration_context(sync, with_version=True)
    version = -1
    if is_versioned_context_available():
        integration_context = latest.get("context", {})
        if sync:
            version = latest.get("version", 0)
    else:
        integration_context = latest
    return integration_context, version


class BaseWidget:
    """Widgets a script returns to a dashboard (demisto/content CommonServerPython); the
    server displays what ``to_display()`` gives."""

    def to_display(self) -> str:
        raise NotImplementedError


class TableOrListWidget(BaseWidget):
    """A table or list widget: rows of dicts, one key a column (used as in demisto/content's
    CommonWidgets scripts: ``TableOrListWidget()``, ``add_row``, ``return_results``). Displayed as
    ``{"total": <rows>, "data": [<rows>]}``, the shape ``getIncidents`` answers in, which the
    table widgets read."""

    def __init__(self, data: Any = None) -> None:
        self.data: list = [] if data is None else list(data) if isinstance(data, list) else [data]

    def add_row(self, data: Any) -> None:
        self.data.append(data)

    def to_display(self) -> str:
        return json.dumps({"total": len(self.data), "data": self.data})


def return_results(results: Any) -> None:
    if results is None:
        return
    if isinstance(results, BaseWidget):
        demisto.results(results.to_display())
        return
    if isinstance(results, list):
        for r in results:
            return_results(r)
        return
    if isinstance(results, CommandResults):
        demisto.results(results.to_context())
        return
    if isinstance(results, GetMappingFieldsResponse):
        demisto.results(results.extract_mapping())
        return
    if isinstance(results, GetRemoteDataResponse):
        demisto.results(results.extract_for_local())
        return
    if isinstance(results, GetModifiedRemoteDataResponse):
        demisto.results(results.to_entry())
        return
    demisto.results(results)


def return_error(message: Any, error: Any = "", outputs: Any = None) -> None:
    """An error entry, then exit, as on the server; fetch commands raise instead so the server
    marks the fetch as failed."""
    demisto.error(str(message))
    if error:
        demisto.error(str(error))
    if demisto.command() in ("fetch-incidents", "long-running-execution", "fetch-indicators"):
        raise Exception(message)
    demisto.results(
        {
            "Type": EntryType.ERROR,
            "ContentsFormat": EntryFormat.TEXT,
            "Contents": str(message),
            "EntryContext": outputs,
        }
    )
    sys.exit(0)


def argToList(arg: Any, separator: str = ",", transform: Any = None) -> list[Any]:  # noqa: N802
    if not arg:
        return []
    if isinstance(arg, list):
        result = arg
    elif isinstance(arg, str) and arg.startswith("["):
        result = json.loads(arg)
    elif isinstance(arg, str):
        result = [s.strip() for s in arg.split(separator)]
    else:
        result = [arg]
    return [transform(x) for x in result] if transform else result


def argToBoolean(value: Any) -> bool:  # noqa: N802
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.lower() in ("true", "yes"):
            return True
        if value.lower() in ("false", "no"):
            return False
    raise ValueError("Argument does not contain a valid boolean-like value")


def arg_to_number(arg: Any, arg_name: str | None = None, required: bool = False) -> int | None:
    if arg is None or arg == "":
        if required:
            raise ValueError(f'Missing "{arg_name}"' if arg_name else "Missing required argument")
        return None
    if isinstance(arg, str) and arg.strip().isdigit():
        return int(arg)
    if isinstance(arg, int):
        return arg
    try:
        return int(float(arg))
    except Exception:  # as the real one: "inf" (OverflowError) is an invalid number too
        raise ValueError(
            f'Invalid number: "{arg_name}"="{arg}"' if arg_name else f'"{arg}" is not a valid number'
        ) from None


_RELATIVE = re.compile(r"^\s*(\d+)\s*(second|minute|hour|day|week|month|year)s?(\s+ago)?\s*$", re.I)


def arg_to_datetime(
    arg: Any, arg_name: str | None = None, is_utc: bool = True, required: bool = False, settings: Any = None
) -> datetime | None:
    if arg is None or arg == "":
        if required:
            raise ValueError(f'Missing "{arg_name}"' if arg_name else "Missing required argument")
        return None
    if isinstance(arg, (int, float)):
        return datetime.fromtimestamp(arg, tz=timezone.utc)
    if str(arg).strip().lower() == "now":  # dateparser reads "now" as the current time
        return _now()
    m = _RELATIVE.match(str(arg))
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        days = {"week": 7, "month": 30, "year": 365}.get(unit)
        delta = timedelta(days=n * days) if days else timedelta(**{unit + "s": n})
        return _now() - delta
    try:
        parsed = datetime.fromisoformat(str(arg).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f'Invalid date: "{arg_name}"="{arg}"' if arg_name else f'"{arg}" is not a valid date'
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def isError(entry: Any) -> bool:  # noqa: N802
    return isinstance(entry, dict) and entry.get("Type") in (EntryType.ERROR, EntryType.PLAYGROUND_ERROR)


def is_error(execute_command_result: Any) -> bool:
    if not execute_command_result:
        return False
    if isinstance(execute_command_result, list):
        return any(isError(e) for e in execute_command_result)
    return isError(execute_command_result)


def get_error(execute_command_result: Any) -> str:
    entries = execute_command_result if isinstance(execute_command_result, list) else [execute_command_result]
    return "\n".join(str(e.get("Contents")) for e in entries if isError(e))


def fileResult(filename: str, data: Any, file_type: int | None = None) -> dict[str, Any]:  # noqa: N802
    """A file entry, its content written where the server picks files up."""
    demisto.FILES_DIR.mkdir(parents=True, exist_ok=True)
    file_id = f"{demisto.investigation()['id']}_{uuid.uuid4()}"
    (demisto.FILES_DIR / file_id).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return {
        "Contents": "",
        "ContentsFormat": EntryFormat.TEXT,
        "Type": file_type if file_type is not None else EntryType.FILE,
        "File": filename,
        "FileID": file_id,
    }
