"""The alarm types the test server knows: their ids, content keys and `alarm_type_details` text.

The main/sub types and content keys are the ones listed in the integration contract
(notes/integration-contract.md); the connector maps each content key to an incident field, so
this module is the single place that says which keys a generated alarm may carry.
"""

from __future__ import annotations

from typing import NamedTuple


class AlarmType(NamedTuple):
    main_type: str
    sub_type: str
    type_id: int
    content_keys: tuple[str, ...]


ALARM_TYPES: list[AlarmType] = [
    AlarmType(
        "Brand Protection",
        "Impersonating Domain",
        46,
        ("dns_information", "whois_information", "domain_status"),
    ),
    AlarmType(
        "Brand Protection", "Phishing Page", 47, ("phishing_url", "screenshot_link", "hosting_provider")
    ),
    AlarmType("Brand Protection", "Social Media Impersonation", 112, ("platform", "profile_url")),
    AlarmType(
        "Cyber Threat Intelligence",
        "Stolen Credentials",
        204,
        ("credential_details", "log_content_link", "malware_family"),
    ),
    AlarmType(
        "Cyber Threat Intelligence",
        "Data Leak",
        213,
        ("source_full_content", "compromised_emails", "compromised_domains"),
    ),
    AlarmType("Cyber Threat Intelligence", "Botnet Infection", 219, ("malware_family", "infected_host")),
    AlarmType(
        "Attack Surface Management", "Exposed Service", 301, ("ip_address", "port", "service", "banner")
    ),
    AlarmType(
        "Attack Surface Management", "SSL Certificate Expiry", 305, ("certificate_details", "expiry_date")
    ),
    AlarmType(
        "Attack Surface Management", "Vulnerable Software", 318, ("cve_id", "cvss_score", "affected_product")
    ),
    AlarmType(
        "Dark Web Intelligence", "Dark Web Mention", 402, ("source_url", "source_type", "source_full_content")
    ),
    AlarmType("Dark Web Intelligence", "Credentials on Sale", 407, ("credential_details", "marketplace")),
    AlarmType(
        "Supply Chain Security", "Vendor Breach", 503, ("vendor_name", "vendor_domain", "breach_details")
    ),
    AlarmType("Supply Chain Security", "Third-Party Exposure", 508, ("vendor_name", "exposure_details")),
]

CONTENT_KEYS: frozenset[str] = frozenset(key for alarm_type in ALARM_TYPES for key in alarm_type.content_keys)

# Keys the connector has no field for. About one generated alarm in twenty carries one of them,
# so that the "unknown content" path of a client is exercised by ordinary demo data.
UNKNOWN_CONTENT_KEYS: tuple[str, ...] = ("screenshot_url", "raw_source", "detection_engine", "first_seen")

STATUS_CODES: dict[str, int] = {
    "OPEN": 0,
    "INVESTIGATING": 1,
    "RESOLVED": 2,
    "PENDING_INFO": 4,
    "LEGAL_REVIEW": 5,
    "VENDOR_ASSESSMENT": 6,
    "FALSE_POSITIVE": 9,
    "DUPLICATE": 10,
    "PROCESSED_INTERNALLY": 11,
    "MITIGATED": 12,
    "NOT_APPLICABLE": 13,
}
STATUS_NAMES: dict[int, str] = {code: name for name, code in STATUS_CODES.items()}


def alarm_status_for(reason_code: int) -> str:
    """The search-visible `status` an alarm takes after a status change with `reason_code`."""
    if reason_code in (0, 1):
        return "OPEN"
    if reason_code in (4, 5, 6):
        return "ON_HOLD"
    return "CLOSED"


ALARM_STATUSES: frozenset[str] = frozenset({"OPEN", "CLOSED", "ON_HOLD"})
RISK_LEVELS: tuple[str, ...] = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
SETTABLE_SEVERITIES: frozenset[str] = frozenset({"LOW", "MEDIUM", "HIGH", "CRITICAL"})


def _control(name: str, control_item: str, description: str) -> dict[str, str]:
    return {"name": name, "control_item": control_item, "description": description}


_DORA_17 = _control("DORA", "Art. 17", "ICT-related incident management process: detect, manage and notify.")
_DORA_18 = _control("DORA", "Art. 18", "Classification of ICT-related incidents and cyber threats.")
_DORA_9 = _control("DORA", "Art. 9", "Protection and prevention of ICT systems and data.")
_DORA_10 = _control(
    "DORA", "Art. 10", "Detection of anomalous activities and ICT network performance issues."
)
_DORA_28 = _control("DORA", "Art. 28", "Management of ICT third-party risk.")
_ISO_THREAT = _control("ISO 27001", "A.5.7", "Threat intelligence is collected and analysed.")
_ISO_INCIDENT = _control("ISO 27001", "A.5.26", "Response to information security incidents.")
_ISO_AUTH = _control("ISO 27001", "A.5.17", "Authentication information is allocated and managed.")
_ISO_VULN = _control("ISO 27001", "A.8.8", "Management of technical vulnerabilities.")
_ISO_CRYPTO = _control(
    "ISO 27001", "A.8.24", "Use of cryptography, including key and certificate management."
)
_ISO_SUPPLIER = _control("ISO 27001", "A.5.19", "Information security in supplier relationships.")
_ISO_LEAK = _control("ISO 27001", "A.8.12", "Data leakage prevention.")
_PCI_AUTH = _control(
    "PCI DSS", "8.3.6", "Passwords meet minimum complexity and are changed when compromised."
)
_PCI_PATCH = _control("PCI DSS", "6.3.3", "Security patches are installed within one month of release.")
_PCI_CRYPTO = _control("PCI DSS", "4.2.1", "Certificates used for transmissions of account data are valid.")
_PCI_IR = _control("PCI DSS", "12.10.1", "An incident response plan exists and is ready to be activated.")
_PCI_TPSP = _control("PCI DSS", "12.8.4", "Compliance status of third-party service providers is monitored.")
_PCI_PHISH = _control("PCI DSS", "5.4.1", "Mechanisms detect and protect personnel against phishing attacks.")


class TypeDetails(NamedTuple):
    generic_title: str
    default_risk_level: str
    mitigation_plan: str
    detection_and_analysis: str
    post_incident_analysis: str
    compliance: tuple[dict[str, str], ...]


TYPE_DETAILS: dict[str, TypeDetails] = {
    "Impersonating Domain": TypeDetails(
        "Potential impersonating domain detected",
        "MEDIUM",
        "Verify the domain owner, monitor for content changes and request a takedown if it hosts "
        "content that abuses the brand. Add the domain to e-mail and web gateway block lists.",
        "The domain was found by lookalike and typo-squatting analysis of newly registered domains.",
        "Review how customers were exposed and whether similar registrations should be pre-empted.",
        (_DORA_17, _DORA_9, _ISO_THREAT, _PCI_PHISH),
    ),
    "Phishing Page": TypeDetails(
        "Phishing page targeting the brand",
        "HIGH",
        "Request a takedown from the hosting provider and registrar, block the URL on gateways and "
        "warn customers through the usual channels.",
        "A crawler rendered the page and matched brand logos and login forms against the company.",
        "Count affected customers, reset credentials entered on the page and record the time to takedown.",
        (_DORA_17, _DORA_18, _ISO_INCIDENT, _PCI_PHISH),
    ),
    "Social Media Impersonation": TypeDetails(
        "Fake social media account impersonating the brand",
        "MEDIUM",
        "Report the profile to the platform under its impersonation policy and publish a notice on the "
        "official accounts.",
        "Profile names, pictures and bios were compared with the official brand accounts.",
        "Check whether the account contacted customers and whether fraud reports followed.",
        (_DORA_17, _ISO_THREAT),
    ),
    "Stolen Credentials": TypeDetails(
        "Company credentials found in stealer logs",
        "HIGH",
        "Reset the affected passwords, revoke active sessions and tokens, enforce MFA and re-image the "
        "infected device if it belongs to the company.",
        "Stealer log archives shared on underground channels were parsed for company domains.",
        "Determine how the device was infected and whether the credentials were used before the reset.",
        (_DORA_17, _DORA_18, _ISO_AUTH, _PCI_AUTH),
    ),
    "Data Leak": TypeDetails(
        "Company data exposed in a public leak",
        "HIGH",
        "Assess the leaked data, rotate exposed secrets, notify data protection officers and prepare "
        "customer notification where personal data is involved.",
        "Paste sites, code repositories and leak forums were matched against company identifiers.",
        "Identify the source system of the leak and the regulatory reporting obligations it triggers.",
        (_DORA_17, _DORA_18, _DORA_9, _ISO_LEAK, _PCI_IR),
    ),
    "Botnet Infection": TypeDetails(
        "Company asset communicating with a botnet",
        "CRITICAL",
        "Isolate the host, collect forensic evidence, block the command-and-control infrastructure and "
        "rebuild the system from a trusted image.",
        "Sinkhole and C2 telemetry showed connections from a company IP address.",
        "Trace lateral movement from the host and review the detection gap that let it persist.",
        (_DORA_17, _DORA_10, _ISO_INCIDENT, _PCI_IR),
    ),
    "Exposed Service": TypeDetails(
        "Risky service exposed to the internet",
        "HIGH",
        "Restrict the service to trusted networks or a VPN, disable it if unused and review its "
        "authentication settings.",
        "Internet-wide scanning found the port open and fingerprinted the service banner.",
        "Record why the service was exposed and add the case to the change review checklist.",
        (_DORA_9, _ISO_VULN, _PCI_PATCH),
    ),
    "SSL Certificate Expiry": TypeDetails(
        "SSL certificate about to expire",
        "LOW",
        "Renew the certificate and automate renewal; verify the full chain after deployment.",
        "Certificates presented by company hosts are collected daily and their validity checked.",
        "Check the certificate inventory for other certificates managed the same way.",
        (_DORA_9, _ISO_CRYPTO, _PCI_CRYPTO),
    ),
    "Vulnerable Software": TypeDetails(
        "Internet-facing software with a known vulnerability",
        "CRITICAL",
        "Apply the vendor patch or mitigation immediately, then hunt for signs of exploitation that "
        "predate the fix.",
        "Product versions fingerprinted on company assets were matched against known CVEs.",
        "Measure the exposure window and feed it into the vulnerability management KPIs.",
        (_DORA_9, _DORA_10, _ISO_VULN, _PCI_PATCH),
    ),
    "Dark Web Mention": TypeDetails(
        "Company mentioned on a dark web source",
        "MEDIUM",
        "Have an analyst assess intent and credibility; escalate to incident response if access or "
        "data is offered.",
        "Dark web forums, markets and channels are monitored for company names and domains.",
        "Keep the mention as threat intelligence and link it to any later incident.",
        (_DORA_17, _ISO_THREAT),
    ),
    "Credentials on Sale": TypeDetails(
        "Company credentials offered for sale",
        "HIGH",
        "Reset the listed accounts, check sign-in logs for misuse and enforce MFA on exposed services.",
        "Underground marketplaces were searched for listings that contain company domains.",
        "Find the infection or breach behind the listing and check for further listings from it.",
        (_DORA_17, _ISO_AUTH, _PCI_AUTH),
    ),
    "Vendor Breach": TypeDetails(
        "Breach reported at a third-party vendor",
        "HIGH",
        "Contact the vendor for an impact statement, rotate shared credentials and review the data the "
        "vendor processes for the company.",
        "Breach disclosures and ransomware leak sites were matched against the vendor inventory.",
        "Update the register of ICT third-party arrangements and reassess the vendor's criticality.",
        (_DORA_28, _DORA_17, _ISO_SUPPLIER, _PCI_TPSP),
    ),
    "Third-Party Exposure": TypeDetails(
        "Security exposure found at a third-party vendor",
        "MEDIUM",
        "Notify the vendor, agree a remediation deadline and track it in the third-party risk process.",
        "The vendor's internet-facing assets were scanned as part of supply chain monitoring.",
        "Record the finding in the vendor's risk profile for the next contract review.",
        (_DORA_28, _ISO_SUPPLIER, _PCI_TPSP),
    ),
}


def type_details(alarm_type: AlarmType) -> dict[str, object]:
    """The `alarm_type_details` object for an alarm of `alarm_type`."""
    details = TYPE_DETAILS[alarm_type.sub_type]
    return {
        "alarm_main_type": alarm_type.main_type,
        "alarm_sub_type": alarm_type.sub_type,
        "alarm_type_id": alarm_type.type_id,
        "alarm_generic_title": details.generic_title,
        "alarm_default_risk_level": details.default_risk_level,
        "alarm_default_mitigation_plan": details.mitigation_plan,
        "alarm_detection_and_analysis": details.detection_and_analysis,
        "alarm_post_incident_analysis": details.post_incident_analysis,
        "alarm_compliance_list": [dict(item) for item in details.compliance],
    }
