"""The instance's tables in memory: CI classes with their hierarchy, relationships, relationship
types and locations, and how a record is rendered for `sysparm_fields` and `sysparm_display_value`.

Every CI lives in one list (`cmdb_ci`) with its `sys_class_name`; a query on a class table returns
the records of that class and of the classes extending it, as on an instance (a query on `cmdb_ci`
finds servers, applications and services alike).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

from .query import Query

# class -> the class it extends (a subset of the CMDB's class model).
CI_CLASSES: dict[str, str | None] = {
    "cmdb_ci": None,
    "cmdb_ci_service": "cmdb_ci",
    "cmdb_ci_service_discovered": "cmdb_ci_service",
    "cmdb_ci_appl": "cmdb_ci",
    "cmdb_ci_db_instance": "cmdb_ci_appl",
    "cmdb_ci_db_ora_instance": "cmdb_ci_db_instance",
    "cmdb_ci_db_mssql_instance": "cmdb_ci_db_instance",
    "cmdb_ci_hardware": "cmdb_ci",
    "cmdb_ci_computer": "cmdb_ci_hardware",
    "cmdb_ci_server": "cmdb_ci_computer",
    "cmdb_ci_linux_server": "cmdb_ci_server",
    "cmdb_ci_win_server": "cmdb_ci_server",
    "cmdb_ci_netgear": "cmdb_ci_hardware",
    "cmdb_ci_lb": "cmdb_ci_netgear",
    "cmdb_ci_lb_bigip": "cmdb_ci_lb",
    "cmdb_ci_dns_name": "cmdb_ci",
}
OTHER_TABLES = ("cmdb_rel_ci", "cmdb_rel_type", "cmn_location")
# Reference fields and the table they point into.
REFERENCES: dict[str, str] = {
    "parent": "cmdb_ci",
    "child": "cmdb_ci",
    "type": "cmdb_rel_type",
    "location": "cmn_location",
}
CHOICES: dict[str, dict[str, str]] = {
    "operational_status": {
        "1": "Operational",
        "2": "Non-Operational",
        "3": "Repair in Progress",
        "4": "DR Standby",
        "5": "Ready",
        "6": "Retired",
    },
    "install_status": {"1": "Installed", "3": "In Maintenance", "6": "In Stock", "7": "Retired"},
}


def class_chain(sys_class_name: str) -> list[str]:
    chain: list[str] = []
    current: str | None = sys_class_name
    while current is not None:
        chain.append(current)
        current = CI_CLASSES.get(current)
    return chain


def is_table(table: str) -> bool:
    return table in CI_CLASSES or table in OTHER_TABLES


class CmdbStore:
    """Records by base table; every method is safe to call from handler threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._rows: dict[str, list[dict[str, str]]] = {"cmdb_ci": [], **{t: [] for t in OTHER_TABLES}}
        self._by_id: dict[str, dict[str, str]] = {}

    def clear(self) -> None:
        with self.lock:
            for rows in self._rows.values():
                rows.clear()
            self._by_id.clear()

    # -- writing --------------------------------------------------------------------------------

    def insert(self, table: str, record: dict[str, str]) -> dict[str, str]:
        """Store `record` (made of strings) in `table`; a CI class table sets `sys_class_name`."""
        if not is_table(table):
            raise ValueError(
                f"unknown table {table!r}; expected one of {sorted([*CI_CLASSES, *OTHER_TABLES])}"
            )
        with self.lock:
            base = "cmdb_ci" if table in CI_CLASSES else table
            if base == "cmdb_ci":
                record.setdefault("sys_class_name", table)
                if record["sys_class_name"] not in CI_CLASSES:
                    raise ValueError(f"unknown CI class {record['sys_class_name']!r}")
            sys_id = record.get("sys_id") or self._new_sys_id(table, record.get("name", ""))
            if sys_id in self._by_id:
                raise ValueError(f"sys_id {sys_id!r} is already stored")
            record["sys_id"] = sys_id
            self._rows[base].append(record)
            self._by_id[sys_id] = record
            return record

    def _new_sys_id(self, table: str, key: str) -> str:
        # Derived from table and name, so a dataset has the same sys_ids on every run.
        n = 0
        while True:
            sys_id = hashlib.md5(f"{table}|{key}|{n}".encode()).hexdigest()
            if sys_id not in self._by_id:
                return sys_id
            n += 1

    # -- reading --------------------------------------------------------------------------------

    def get(self, sys_id: str) -> dict[str, str] | None:
        with self.lock:
            return self._by_id.get(sys_id)

    def rows(self, table: str) -> list[dict[str, str]]:
        """The records a query on `table` sees, in insertion order."""
        with self.lock:
            if table in CI_CLASSES:
                return [r for r in self._rows["cmdb_ci"] if table in class_chain(r["sys_class_name"])]
            return list(self._rows[table])

    def find(self, table: str, ref: str) -> dict[str, str]:
        """The record of `table` with sys_id `ref`, or else the only one named `ref` (any case)."""
        with self.lock:
            record = self._by_id.get(ref)
            if record is not None and record in self.rows(table):
                return record
            named = [r for r in self.rows(table) if r.get("name", "").casefold() == ref.casefold()]
        if not named:
            raise KeyError(f"no {table} record has the sys_id or name {ref!r}")
        if len(named) > 1:
            raise ValueError(f"{len(named)} {table} records are named {ref!r}; pass a sys_id")
        return named[0]

    def resolve(self, record: dict[str, str], path: str) -> str:
        """The value of a field, dot-walking through references (`child.ip_address`)."""
        target, name = self._walk(record, path)
        return "" if target is None else target.get(name, "")

    def _walk(self, record: dict[str, str], path: str) -> tuple[dict[str, str] | None, str]:
        *hops, name = path.split(".")
        target: dict[str, str] | None = record
        for hop in hops:
            if target is None or hop not in REFERENCES:
                return None, name
            target = self._by_id.get(target.get(hop, ""))
        return target, name

    def select(self, table: str, query: Query) -> list[dict[str, str]]:
        with self.lock:
            rows = [r for r in self.rows(table) if query.matches(lambda f, r=r: self.resolve(r, f))]  # type: ignore[misc]
            for name, descending in reversed(query.order_by):
                rows.sort(key=lambda r, n=name: self.resolve(r, n).casefold(), reverse=descending)  # type: ignore[misc]
            return rows

    # -- rendering ------------------------------------------------------------------------------

    def display_value(self, record: dict[str, str], name: str) -> str:
        value = record.get(name, "")
        if name in REFERENCES:
            target = self._by_id.get(value)
            return "" if target is None else target.get("name", "")
        return CHOICES.get(name, {}).get(value, value)

    def render(
        self,
        record: dict[str, str],
        fields: Iterable[str] | None,
        display: str,
        exclude_links: bool,
        base_url: str,
    ) -> dict[str, object]:
        """A record as the Table API shows it. `display` is "false", "true" or "all"."""
        with self.lock:
            names = list(fields) if fields is not None else list(record)
            out: dict[str, object] = {}
            for path in names:
                target, name = self._walk(record, path)
                if target is None or name not in target:
                    continue  # the instance leaves out fields a record does not have
                out[path] = self._render_field(target, name, display, exclude_links, base_url)
            return out

    def _render_field(
        self, record: dict[str, str], name: str, display: str, exclude_links: bool, base_url: str
    ) -> object:
        value = record.get(name, "")
        shown = self.display_value(record, name)
        if name in REFERENCES and value:
            rendered: dict[str, str] = {}
            if display in ("true", "all"):
                rendered["display_value"] = shown
            if not exclude_links:
                rendered["link"] = f"{base_url}/api/now/table/{REFERENCES[name]}/{value}"
            if display in ("false", "all"):
                rendered["value"] = value
            if list(rendered) == ["value"]:
                return value
            if list(rendered) == ["display_value"]:
                return shown
            return rendered
        if display == "all":
            return {"display_value": shown, "value": value}
        return shown if display == "true" else value
