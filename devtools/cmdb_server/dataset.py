"""The demo entity's CMDB: Zahlungsinstitut Beispiel GmbH, a German payment institution trading as
"Example Bank" (example-bank.com), whose SOCRadar alarms the demo fetches.

    business services   applications and providers              hosts (203.0.113.0/24, Frankfurt DC1)
    Card payments (1)   Card gateway, Card authorisation switch  .4-.31 cardgw, cardauth, carddb, cardpay
                        Managed file transfer, Fabrikam, Contoso .224-.254 mft
    Instant payments(1) SCT Inst engine, Open banking API, Contoso .32-.63 ipgw, ipdb, instpay
    Customer portal (3) Online banking portal, Open banking API,  .64-.159 web, api, idp, portal
                        Identity provider, Northwind; example-bank.com, examplebank-support.com
    Reporting (4)       Regulatory reporting warehouse, Back-office VDI, Remote access VPN,
                        Managed file transfer, Litware            .160-.223 rpt-db, rpt, vpn, vdi
    (none)              Corporate e-mail (.194-.195 mail), Careers site, Tailspin HR

Every address of 203.0.113.2-254 belongs to a host, so every IP the SOCRadar demo server puts in
an alarm is known; .2 and .3 are the DMZ load balancers in front of four applications. The
disaster-recovery site (Vienna) uses 198.51.100.10-13. Relationships follow the CMDB's direction:
a service "Depends on" an application, an application "Runs on" a host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import RecordsMixin

DOMAIN = "zb.internal"
DEPENDS = "Depends on::Used by"
RUNS = "Runs on::Runs"

LOCATIONS = (
    ("Frankfurt DC1", "Germany"),
    ("Vienna DR site", "Austria"),
)
# (name, busines_criticality, critical or important function, DORA function, location)
SERVICES = (
    ("Card payments", 1, True, "Payment services: card acquiring and issuing", "Frankfurt DC1"),
    ("Instant payments", 1, True, "Payment services: SEPA Instant credit transfers", "Frankfurt DC1"),
    (
        "Customer portal",
        3,
        False,
        "Customer access: account information and payment initiation",
        "Frankfurt DC1",
    ),
    ("Reporting", 4, False, "Regulatory and management reporting", "Vienna DR site"),
)
# application -> the services that depend on it
APPLICATIONS: dict[str, tuple[str, ...]] = {
    "Card gateway": ("Card payments",),
    "Card authorisation switch": ("Card payments",),
    "Managed file transfer": ("Card payments", "Reporting"),
    "SCT Inst engine": ("Instant payments",),
    "Open banking API": ("Customer portal", "Instant payments"),
    "Online banking portal": ("Customer portal",),
    "Identity provider": ("Customer portal",),
    "Regulatory reporting warehouse": ("Reporting",),
    "Back-office VDI": ("Reporting",),
    "Remote access VPN": ("Reporting",),
    "Corporate e-mail": (),
    "Careers site": (),
}
# ICT third-party services, found by the provider's domain: (name, vendor, fqdn, services)
PROVIDERS = (
    (
        "Contoso core banking",
        "Contoso Core Banking",
        "contoso-banking.example",
        ("Card payments", "Instant payments"),
    ),
    ("Fabrikam card processing", "Fabrikam Payments", "fabrikam-payments.example", ("Card payments",)),
    ("Northwind cloud hosting", "Northwind Cloud Services", "northwind-cloud.example", ("Customer portal",)),
    ("Litware document archive", "Litware Document Archive", "litware-archive.example", ("Reporting",)),
    ("Tailspin HR", "Tailspin HR Software", "tailspin-hr.example", ()),
)
# database instance -> (class, the application that depends on it, the hosts it runs on)
DATABASES = {
    "CARDDB": (
        "cmdb_ci_db_ora_instance",
        "Card authorisation switch",
        ("carddb-01", "carddb-02", "carddb-dr-01"),
    ),
    "IPDB": ("cmdb_ci_db_ora_instance", "SCT Inst engine", ("ipdb-01", "ipdb-02")),
    "RPTDW": ("cmdb_ci_db_mssql_instance", "Regulatory reporting warehouse", ("rpt-db-01", "rpt-db-02")),
}
# 203.0.113.first-last: (first, last, host name prefix, class, the application running there or None)
SEGMENTS = (
    (4, 7, "cardgw", "cmdb_ci_linux_server", "Card gateway"),
    (8, 11, "cardauth", "cmdb_ci_linux_server", "Card authorisation switch"),
    (12, 13, "carddb", "cmdb_ci_linux_server", None),
    (14, 31, "cardpay", "cmdb_ci_linux_server", "Card gateway"),
    (32, 35, "ipgw", "cmdb_ci_linux_server", "SCT Inst engine"),
    (36, 37, "ipdb", "cmdb_ci_linux_server", None),
    (38, 63, "instpay", "cmdb_ci_linux_server", "SCT Inst engine"),
    (64, 95, "web", "cmdb_ci_linux_server", "Online banking portal"),
    (96, 111, "api", "cmdb_ci_linux_server", "Open banking API"),
    (112, 115, "idp", "cmdb_ci_linux_server", "Identity provider"),
    (116, 159, "portal", "cmdb_ci_linux_server", "Online banking portal"),
    (160, 161, "rpt-db", "cmdb_ci_win_server", None),
    (162, 191, "rpt", "cmdb_ci_win_server", "Regulatory reporting warehouse"),
    (192, 193, "vpn", "cmdb_ci_linux_server", "Remote access VPN"),
    (194, 195, "mail", "cmdb_ci_linux_server", "Corporate e-mail"),
    (196, 223, "vdi", "cmdb_ci_win_server", "Back-office VDI"),
    (224, 254, "mft", "cmdb_ci_linux_server", "Managed file transfer"),
)
LOAD_BALANCERS = (("lb-dmz-01", "203.0.113.2"), ("lb-dmz-02", "203.0.113.3"))
BALANCED = ("Card gateway", "SCT Inst engine", "Online banking portal", "Open banking API")
# Disaster-recovery hosts in Vienna: (name, address, application or None)
DR_HOSTS = (
    ("cardgw-dr-01", "198.51.100.10", "Card gateway"),
    ("cardgw-dr-02", "198.51.100.11", "Card gateway"),
    ("ipgw-dr-01", "198.51.100.12", "SCT Inst engine"),
    ("carddb-dr-01", "198.51.100.13", None),
)
# Public DNS names -> the service or application that depends on them
DNS_NAMES = {
    "example-bank.com": "Customer portal",
    "examplebank-support.com": "Customer portal",
    "online.example-bank.com": "Online banking portal",
    "api.example-bank.com": "Open banking API",
    "sso.example-bank.com": "Identity provider",
    "vpn.example-bank.com": "Remote access VPN",
    "mail.example-bank.com": "Corporate e-mail",
    "careers.example-bank.com": "Careers site",
}


def host_name(prefix: str, n: int) -> str:
    return f"{prefix}-{n:02d}"


def load(cmdb: RecordsMixin) -> None:
    for name, country in LOCATIONS:
        cmdb.add_location(name, country)
    for name, criticality, critical, function, location in SERVICES:
        cmdb.add_service(
            name, criticality, critical_or_important=critical, dora_function=function, location=location
        )
    for app, services in APPLICATIONS.items():
        cmdb.add_ci(app, "cmdb_ci_appl", location="Frankfurt DC1")
        for service in services:
            cmdb.relate(service, app, DEPENDS)
    for name, vendor, fqdn, services in PROVIDERS:
        cmdb.add_ci(
            name, "cmdb_ci_appl", fqdn=fqdn, vendor=vendor, short_description=f"ICT service of {vendor}"
        )
        for service in services:
            cmdb.relate(service, name, DEPENDS)
    for name, address in LOAD_BALANCERS:
        cmdb.add_ci(
            name, "cmdb_ci_lb_bigip", ip_address=address, fqdn=f"{name}.{DOMAIN}", location="Frankfurt DC1"
        )
        for app in BALANCED:
            cmdb.relate(app, name, DEPENDS)
    for first, last, prefix, sys_class, app in SEGMENTS:
        for n, octet in enumerate(range(first, last + 1), start=1):
            name = host_name(prefix, n)
            cmdb.add_ci(
                name,
                sys_class,
                ip_address=f"203.0.113.{octet}",
                fqdn=f"{name}.{DOMAIN}",
                location="Frankfurt DC1",
            )
            if app is not None:
                cmdb.relate(app, name, RUNS)
    for name, address, app in DR_HOSTS:
        cmdb.add_ci(
            name,
            "cmdb_ci_linux_server",
            ip_address=address,
            fqdn=f"{name}.{DOMAIN}",
            location="Vienna DR site",
            operational_status="4",  # DR Standby
        )
        if app is not None:
            cmdb.relate(app, name, RUNS)
    for db, (sys_class, app, hosts) in DATABASES.items():
        cmdb.add_ci(db, sys_class, location="Frankfurt DC1")
        cmdb.relate(app, db, DEPENDS)
        for host in hosts:
            cmdb.relate(db, host, RUNS)
    for fqdn, dependant in DNS_NAMES.items():
        cmdb.add_ci(fqdn, "cmdb_ci_dns_name", fqdn=fqdn)
        cmdb.relate(dependant, fqdn, DEPENDS)
