"""Adding CMDB content: locations, CIs, business services and the relationships between them."""

from __future__ import annotations

from .tables import CI_CLASSES, CmdbStore, class_chain

# ServiceNow's choices for `busines_criticality` (spelled so on the instance).
CRITICALITY: dict[int, str] = {
    1: "1 - most critical",
    2: "2 - somewhat critical",
    3: "3 - less critical",
    4: "4 - not critical",
}
RELATION_TYPES = (
    "Depends on::Used by",
    "Runs on::Runs",
    "Hosted on::Hosts",
    "Contains::Contained by",
    "Members::Member of",
    "Uses::Used by",
)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fields(**fields: object) -> dict[str, str]:
    return {name: _text(value) for name, value in fields.items() if value is not None}


class RecordsMixin:
    """The write side of CmdbServer; every method returns the stored (live) record."""

    store: CmdbStore

    def add_location(self, name: str, country: str, **fields: object) -> dict[str, str]:
        """A cmn_location; `country` is free text on an instance ("Germany" or "DE")."""
        return self.store.insert("cmn_location", _fields(name=name, country=country, **fields))

    def location(self, ref: str) -> dict[str, str]:
        return self.store.find("cmn_location", ref)

    def add_ci(
        self,
        name: str,
        sys_class_name: str = "cmdb_ci_linux_server",
        *,
        ip_address: str | None = None,
        fqdn: str | None = None,
        location: str | None = None,
        **fields: object,
    ) -> dict[str, str]:
        """A configuration item of any class in tables.CI_CLASSES (a service: use add_service)."""
        if sys_class_name not in CI_CLASSES:
            raise ValueError(f"unknown CI class {sys_class_name!r}; expected one of {sorted(CI_CLASSES)}")
        record = _fields(
            name=name,
            ip_address=ip_address,
            fqdn=fqdn,
            location=self.location(location)["sys_id"] if location else None,
            operational_status="1",
            install_status="1",
        )
        record.update(_fields(**fields))
        return self.store.insert(sys_class_name, record)

    def add_service(
        self,
        name: str,
        criticality: int | str | None = 3,
        *,
        critical_or_important: bool | None = None,
        dora_function: str | None = None,
        location: str | None = None,
        country: str | None = None,
        sys_class_name: str = "cmdb_ci_service",
        **fields: object,
    ) -> dict[str, str]:
        """A business service (cmdb_ci_service). `criticality` is 1-4 or the choice text;
        `country` makes (or reuses) a location of that country when `location` is not given."""
        if "cmdb_ci_service" not in class_chain(sys_class_name):
            raise ValueError(f"{sys_class_name!r} is not a service class")
        if isinstance(criticality, int):
            if criticality not in CRITICALITY:
                raise ValueError(f"criticality must be 1 to 4, got {criticality}")
            criticality = CRITICALITY[criticality]
        if location is None and country is not None:
            location = f"{country} site"
            try:
                self.location(location)
            except KeyError:
                self.add_location(location, country)
        record = _fields(
            busines_criticality=criticality,
            u_critical_or_important=critical_or_important,
            u_dora_function=dora_function,
        )
        record.update(_fields(**fields))
        return self.add_ci(name, sys_class_name, location=location, **record)

    def ci(self, ref: str) -> dict[str, str]:
        """The CI with sys_id `ref`, or else the only one named `ref`."""
        return self.store.find("cmdb_ci", ref)

    def relation_type(self, name: str) -> dict[str, str]:
        """The cmdb_rel_type named `name` ("Depends on::Used by"), created on first use."""
        try:
            return self.store.find("cmdb_rel_type", name)
        except KeyError:
            parent_descriptor, _, child_descriptor = name.partition("::")
            if not child_descriptor:
                raise ValueError(
                    f"a relationship type reads 'Parent descriptor::Child descriptor', got {name!r}"
                ) from None
            return self.store.insert(
                "cmdb_rel_type",
                _fields(name=name, parent_descriptor=parent_descriptor, child_descriptor=child_descriptor),
            )

    def relate(self, parent: str, child: str, type: str = "Depends on::Used by") -> dict[str, str]:
        """A cmdb_rel_ci record: `parent` depends on / runs on / ... `child` (names or sys_ids)."""
        parent_ci, child_ci = self.ci(parent), self.ci(child)
        rel_type = self.relation_type(type)
        return self.store.insert(
            "cmdb_rel_ci",
            _fields(
                name=f"{parent_ci['name']} {type} {child_ci['name']}",
                parent=parent_ci["sys_id"],
                child=child_ci["sys_id"],
                type=rel_type["sys_id"],
            ),
        )
