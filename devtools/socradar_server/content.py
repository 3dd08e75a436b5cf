"""Per-sub-type findings: the `content` object and the text, asset and entities that go with it.

Values are made up but shaped like what analysts see on the platform, so that a demo fetch looks
like a real one. Addresses come from the documentation ranges (RFC 5737) and company names from
the usual placeholder sets; the monitored company is "Example Bank" (example-bank.com).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .dates import format_alarm_date

COMPANY_NAME = "Example Bank"
COMPANY_DOMAIN = "example-bank.com"
COMPANY_HOSTS = (
    "online.example-bank.com",
    "vpn.example-bank.com",
    "mail.example-bank.com",
    "api.example-bank.com",
    "careers.example-bank.com",
    "sso.example-bank.com",
)
EMPLOYEES = ("j.doe", "a.smith", "m.keller", "s.novak", "l.moreau", "p.rossi", "k.nowak", "e.jansen")
LOOKALIKE_DOMAINS = (
    "examp1e-bank.com",
    "example-bank-login.com",
    "exarnple-bank.com",
    "example-bank.co",
    "secure-example-bank.net",
    "examplebank-support.com",
    "example-bankk.com",
    "my-example-bank.online",
)
REGISTRARS = (
    "NameCheap, Inc.",
    "NameSilo, LLC",
    "PDR Ltd. d/b/a PublicDomainRegistry.com",
    "Hostinger Operations, UAB",
)
HOSTING_PROVIDERS = (
    "Hostinger International",
    "OVH SAS",
    "Cloudflare, Inc.",
    "DigitalOcean, LLC",
    "Contabo GmbH",
)
STEALERS = ("RedLine", "Lumma", "Vidar", "StealC", "Raccoon", "RisePro")
BOTNETS = ("Emotet", "QakBot", "Amadey", "SmokeLoader", "IcedID", "Lumma")
MARKETPLACES = ("Russian Market", "2easy", "BidenCash", "STYX Market")
VENDORS = (
    ("Contoso Core Banking", "contoso-banking.example"),
    ("Fabrikam Payments", "fabrikam-payments.example"),
    ("Northwind Cloud Services", "northwind-cloud.example"),
    ("Tailspin HR Software", "tailspin-hr.example"),
    ("Litware Document Archive", "litware-archive.example"),
)
THREAT_ACTORS = ("LockBit 3.0", "ALPHV/BlackCat", "Cl0p", "Play", "8Base")
# (CVE, CVSS v3 base score, product and version seen on the asset)
CVES = (
    ("CVE-2023-4966", 9.4, "Citrix NetScaler ADC 13.1-48.47"),
    ("CVE-2024-3400", 10.0, "Palo Alto Networks PAN-OS 11.1.1"),
    ("CVE-2023-20198", 10.0, "Cisco IOS XE 17.9.3"),
    ("CVE-2023-34362", 9.8, "Progress MOVEit Transfer 2023.0.1"),
    ("CVE-2021-44228", 10.0, "Apache Log4j 2.14.1"),
    ("CVE-2024-21762", 9.8, "Fortinet FortiOS 7.2.6"),
    ("CVE-2023-46805", 8.2, "Ivanti Connect Secure 22.4R2"),
)
# (port, service, banner)
SERVICES = (
    (3389, "RDP", "Microsoft Terminal Services"),
    (22, "SSH", "SSH-2.0-OpenSSH_7.4"),
    (445, "SMB", "SMBv1 Windows Server 2012 R2 Standard 9600"),
    (9200, "Elasticsearch", '{"cluster_name":"prod-logs","version":{"number":"7.10.2"}}'),
    (27017, "MongoDB", "MongoDB 4.0.28 (no authentication)"),
    (21, "FTP", "220 ProFTPD 1.3.5 Server (ftp.example-bank.com)"),
    (23, "Telnet", "\\r\\nUser Access Verification\\r\\nUsername:"),
)
SOCIAL_PLATFORMS = (
    ("Instagram", "https://www.instagram.com/{handle}"),
    ("Facebook", "https://www.facebook.com/{handle}"),
    ("X", "https://x.com/{handle}"),
    ("Telegram", "https://t.me/{handle}"),
    ("LinkedIn", "https://www.linkedin.com/company/{handle}"),
)
DARK_WEB_SOURCES = ("Forum", "Telegram Channel", "Marketplace", "Paste Site", "Ransomware Blog")
_PASSWORD_WORDS = (
    "Winter2023!",
    "Summer24",
    "P@ssw0rd1",
    "Welcome123",
    "Bank!ng2024",
    "qwerty789",
    "Lisbon#88",
)
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass
class Finding:
    """What one alarm is about: its `content` plus the fields derived from the same facts."""

    asset: str
    text: str
    content: dict[str, object]
    entities: list[tuple[str, str]] = field(default_factory=list)
    assets: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _company_ip(rng: random.Random) -> str:
    return f"203.0.113.{rng.randint(2, 254)}"


def _foreign_ip(rng: random.Random) -> str:
    return f"198.51.100.{rng.randint(2, 254)}"


def _masked(password: str) -> str:
    # The platform shows the first two and the last character only.
    return password[:2] + "*" * (len(password) - 3) + password[-1]


def _email(rng: random.Random, domain: str = COMPANY_DOMAIN) -> str:
    return f"{rng.choice(EMPLOYEES)}@{domain}"


def _day(when: datetime, days: int) -> str:
    return format_alarm_date(when + timedelta(days=days), "date")


def _credentials(rng: random.Random, count: int) -> list[dict[str, str]]:
    return [
        {
            "username": _email(rng),
            "password": _masked(rng.choice(_PASSWORD_WORDS)),
            "url": f"https://{rng.choice(COMPANY_HOSTS)}/login",
        }
        for _ in range(count)
    ]


def impersonating_domain(rng: random.Random, when: datetime) -> Finding:
    domain = rng.choice(LOOKALIKE_DOMAINS)
    ip = _foreign_ip(rng)
    whois = {
        "registrar": rng.choice(REGISTRARS),
        "creation_date": _day(when, -rng.randint(0, 5)),
        "expiration_date": _day(when, 365),
        "registrant_organization": "Privacy service provided by Withheld for Privacy ehf",
        "registrant_country": rng.choice(("IS", "PA", "US", "RU", "NL")),
        "name_servers": [f"ns{n}.{rng.choice(('dnsowl.com', 'registrar-servers.com'))}" for n in (1, 2)],
    }
    dns = {
        "a_records": [ip],
        "mx_records": [f"mail.{domain}"] if rng.random() < 0.6 else [],
        "ns_records": whois["name_servers"],
        "txt_records": ["v=spf1 -all"] if rng.random() < 0.3 else [],
    }
    status = rng.choice(("ACTIVE", "ACTIVE", "PARKED", "REDIRECTING"))
    text = (
        f"The domain {domain} resembles {COMPANY_DOMAIN} and was registered on {whois['creation_date']} "
        f"through {whois['registrar']}. It resolves to {ip} and is currently {status.lower()}."
    )
    return Finding(
        asset=domain,
        text=text,
        content={"dns_information": dns, "whois_information": whois, "domain_status": status},
        entities=[("Domain", domain), ("IP", ip)],
        assets={"Domain": [COMPANY_DOMAIN]},
        tags=["impersonation", "domain"],
    )


def phishing_page(rng: random.Random, when: datetime) -> Finding:
    domain = rng.choice(LOOKALIKE_DOMAINS)
    url = f"https://{domain}/{rng.choice(('secure/login.php', 'auth/signin', 'online-banking/verify'))}"
    provider = rng.choice(HOSTING_PROVIDERS)
    content = {
        "phishing_url": url,
        "screenshot_link": f"https://screenshots.socradar.example/{_hex(rng, 32)}.png",
        "hosting_provider": provider,
    }
    text = (
        f"A phishing page imitating the {COMPANY_NAME} online banking login was found at {url}, "
        f"hosted by {provider}. The page collects user names, passwords and one-time codes."
    )
    return Finding(
        asset=url,
        text=text,
        content=content,
        entities=[("URL", url), ("Domain", domain)],
        assets={"Domain": [COMPANY_DOMAIN], "Brand": [COMPANY_NAME]},
        tags=["phishing"],
    )


def social_media_impersonation(rng: random.Random, when: datetime) -> Finding:
    platform, pattern = rng.choice(SOCIAL_PLATFORMS)
    handle = rng.choice(
        ("examplebank_support", "example.bank.help", "examplebank.official", "examplebankcare")
    )
    handle += str(rng.randint(1, 99)) if rng.random() < 0.5 else ""
    url = pattern.format(handle=handle)
    text = (
        f"The {platform} account '{handle}' uses the {COMPANY_NAME} name and logo and offers customer "
        "support through direct messages."
    )
    return Finding(
        asset=url,
        text=text,
        content={"platform": platform, "profile_url": url},
        entities=[("URL", url)],
        assets={"Brand": [COMPANY_NAME]},
        tags=["social-media"],
    )


def stolen_credentials(rng: random.Random, when: datetime) -> Finding:
    creds = _credentials(rng, rng.randint(1, 4))
    family = rng.choice(STEALERS)
    content = {
        "credential_details": creds,
        "log_content_link": f"https://platform.socradar.com/api/stealer-logs/{_hex(rng, 24)}",
        "malware_family": family,
    }
    users = ", ".join(sorted({c["username"] for c in creds}))
    text = f"{len(creds)} credential(s) for {COMPANY_DOMAIN} were found in a {family} stealer log: {users}."
    return Finding(
        asset=creds[0]["username"],
        text=text,
        content=content,
        entities=[("Email", c["username"]) for c in creds],
        assets={"Domain": [COMPANY_DOMAIN]},
        tags=["stealer-log", family.lower()],
    )


def data_leak(rng: random.Random, when: datetime) -> Finding:
    emails = sorted({_email(rng) for _ in range(rng.randint(2, 6))})
    domains = sorted({COMPANY_DOMAIN, *rng.sample(COMPANY_HOSTS, rng.randint(0, 2))})
    lines = [f"{email}:{_masked(rng.choice(_PASSWORD_WORDS))}" for email in emails]
    # Some leaks are long: the connector truncates alarm text, so demo data should show why.
    filler = rng.choice((0, 0, 0, 40))
    lines += [f"customer{n:05d}@mail.example:{_masked(rng.choice(_PASSWORD_WORDS))}" for n in range(filler)]
    full = "-- dump posted " + _day(when, -1) + " --\n" + "\n".join(lines)
    text = (
        f"A paste containing {len(lines)} records, {len(emails)} of them for {COMPANY_DOMAIN}, was found. "
        f"Excerpt:\n{full}"
    )
    content = {"source_full_content": full, "compromised_emails": emails, "compromised_domains": domains}
    return Finding(
        asset=COMPANY_DOMAIN,
        text=text,
        content=content,
        entities=[("Email", e) for e in emails],
        assets={"Domain": domains},
        tags=["leak"],
    )


def botnet_infection(rng: random.Random, when: datetime) -> Finding:
    family = rng.choice(BOTNETS)
    ip = _company_ip(rng)
    host = {
        "hostname": f"{rng.choice(('DESKTOP', 'LAPTOP', 'WS'))}-{_hex(rng, 6).upper()}",
        "ip": ip,
        "os": rng.choice(("Windows 10 Pro x64", "Windows 11 Enterprise", "Windows Server 2019")),
        "username": rng.choice(EMPLOYEES).replace(".", ""),
        "first_seen": _day(when, -rng.randint(0, 10)),
    }
    c2 = _foreign_ip(rng)
    text = f"Host {host['hostname']} ({ip}) was seen beaconing to {family} command-and-control server {c2}."
    return Finding(
        asset=ip,
        text=text,
        content={"malware_family": family, "infected_host": host},
        entities=[("IP", ip), ("C2", c2)],
        assets={"IP Address": [ip]},
        tags=["botnet", family.lower()],
    )


def exposed_service(rng: random.Random, when: datetime) -> Finding:
    port, service, banner = rng.choice(SERVICES)
    ip = _company_ip(rng)
    text = f"{service} is reachable from the internet on {ip}:{port}. Banner: {banner}"
    return Finding(
        asset=f"{ip}:{port}",
        text=text,
        content={"ip_address": ip, "port": port, "service": service, "banner": banner},
        entities=[("IP", ip), ("Port", str(port))],
        assets={"IP Address": [ip]},
        tags=["exposure"],
    )


def ssl_certificate_expiry(rng: random.Random, when: datetime) -> Finding:
    host = rng.choice(COMPANY_HOSTS)
    days_left = rng.randint(1, 30)
    expiry = _day(when, days_left)
    cert = {
        "subject": f"CN={host}",
        "issuer": rng.choice(
            (
                "CN=R3, O=Let's Encrypt, C=US",
                "CN=DigiCert TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US",
                "CN=Sectigo RSA Domain Validation Secure Server CA",
            )
        ),
        "serial_number": _hex(rng, 32),
        "not_before": _day(when, days_left - 365),
        "not_after": expiry,
        "signature_algorithm": "sha256WithRSAEncryption",
        "sha256_fingerprint": _hex(rng, 64),
    }
    text = f"The certificate of {host} expires on {expiry}, in {days_left} day(s)."
    return Finding(
        asset=host,
        text=text,
        content={"certificate_details": cert, "expiry_date": expiry},
        entities=[("Hostname", host)],
        assets={"Domain": [host]},
        tags=["certificate"],
    )


def vulnerable_software(rng: random.Random, when: datetime) -> Finding:
    cve, score, product = rng.choice(CVES)
    host = rng.choice(COMPANY_HOSTS)
    text = f"{host} runs {product}, affected by {cve} (CVSS {score}) which is exploited in the wild."
    return Finding(
        asset=host,
        text=text,
        content={"cve_id": cve, "cvss_score": score, "affected_product": product},
        entities=[("CVE", cve), ("Hostname", host)],
        assets={"Domain": [host]},
        tags=["vulnerability", cve.lower()],
    )


def dark_web_mention(rng: random.Random, when: datetime) -> Finding:
    onion = "".join(rng.choice(_BASE32) for _ in range(55)) + "d"
    source_type = rng.choice(DARK_WEB_SOURCES)
    url = f"http://{onion}.onion/{rng.choice(('thread', 'post', 'topic'))}/{rng.randint(1000, 99999)}"
    post = rng.choice(
        (
            f"Selling VPN access to a European bank ({COMPANY_DOMAIN}), domain user, 2k USD.",
            f"Anyone has fresh logs for {COMPANY_DOMAIN}? Paying well.",
            f"New target list includes {COMPANY_NAME}; DDoS planned for next week.",
        )
    )
    text = f'{COMPANY_NAME} was mentioned on a dark web {source_type.lower()}: "{post}"'
    return Finding(
        asset=COMPANY_DOMAIN,
        text=text,
        content={"source_url": url, "source_type": source_type, "source_full_content": post},
        entities=[("URL", url)],
        assets={"Brand": [COMPANY_NAME]},
        tags=["dark-web"],
    )


def credentials_on_sale(rng: random.Random, when: datetime) -> Finding:
    creds = _credentials(rng, rng.randint(1, 3))
    market = rng.choice(MARKETPLACES)
    for cred in creds:
        cred["price"] = f"{rng.choice((5, 10, 15, 25))} USD"
    text = f"{len(creds)} account(s) of {COMPANY_DOMAIN} are listed for sale on {market}."
    return Finding(
        asset=creds[0]["username"],
        text=text,
        content={"credential_details": creds, "marketplace": market},
        entities=[("Email", c["username"]) for c in creds],
        assets={"Domain": [COMPANY_DOMAIN]},
        tags=["marketplace"],
    )


def vendor_breach(rng: random.Random, when: datetime) -> Finding:
    name, domain = rng.choice(VENDORS)
    actor = rng.choice(THREAT_ACTORS)
    breach = {
        "breach_date": _day(when, -rng.randint(1, 20)),
        "threat_actor": actor,
        "records_affected": rng.choice((None, 12_000, 250_000, 1_400_000)),
        "data_types": rng.sample(["names", "emails", "IBANs", "addresses", "contracts", "source code"], 3),
        "description": f"{actor} listed {name} on its leak site and published a sample of stolen files.",
    }
    text = f"Vendor {name} ({domain}) suffered a breach claimed by {actor}."
    return Finding(
        asset=domain,
        text=text,
        content={"vendor_name": name, "vendor_domain": domain, "breach_details": breach},
        entities=[("Domain", domain), ("Threat Actor", actor)],
        assets={"Vendor": [name]},
        tags=["supply-chain", "ransomware"],
    )


def third_party_exposure(rng: random.Random, when: datetime) -> Finding:
    name, domain = rng.choice(VENDORS)
    exposure = rng.choice(
        (
            {
                "exposure_type": "Open storage bucket",
                "exposed_asset": f"https://{domain.split('.')[0]}-backup.s3.example",
                "data_classification": "confidential",
            },
            {
                "exposure_type": "Exposed admin panel",
                "exposed_asset": f"https://admin.{domain}",
                "data_classification": None,
            },
            {
                "exposure_type": "Leaked API key",
                "exposed_asset": f"github.example/{domain.split('.')[0]}/sdk",
                "data_classification": "secret",
            },
        )
    )
    exposure = {**exposure, "first_seen": _day(when, -rng.randint(0, 7))}
    text = f"{exposure['exposure_type']} found at vendor {name}: {exposure['exposed_asset']}."
    return Finding(
        asset=domain,
        text=text,
        content={"vendor_name": name, "exposure_details": exposure},
        entities=[("Domain", domain)],
        assets={"Vendor": [name]},
        tags=["supply-chain"],
    )


BUILDERS: dict[str, Callable[[random.Random, datetime], Finding]] = {
    "Impersonating Domain": impersonating_domain,
    "Phishing Page": phishing_page,
    "Social Media Impersonation": social_media_impersonation,
    "Stolen Credentials": stolen_credentials,
    "Data Leak": data_leak,
    "Botnet Infection": botnet_infection,
    "Exposed Service": exposed_service,
    "SSL Certificate Expiry": ssl_certificate_expiry,
    "Vulnerable Software": vulnerable_software,
    "Dark Web Mention": dark_web_mention,
    "Credentials on Sale": credentials_on_sale,
    "Vendor Breach": vendor_breach,
    "Third-Party Exposure": third_party_exposure,
}


def unknown_content(rng: random.Random, key: str) -> object:
    """A value for a content key the connector does not know."""
    if key == "screenshot_url":
        return f"https://screenshots.socradar.example/{_hex(rng, 32)}.png"
    if key == "raw_source":
        return {"collector": rng.choice(("crawler-eu-3", "tg-monitor-1")), "sha1": _hex(rng, 40)}
    if key == "detection_engine":
        return rng.choice(("lookalike-v2", "stealer-parser", "asm-scanner"))
    if key == "first_seen":
        # A day-first date, unlike every other date in the payload: unknown keys carry no promises.
        return f"{rng.randint(1, 28):02d}.0{rng.randint(1, 9)}.2024"
    raise ValueError(f"no sample value for content key {key!r}")
