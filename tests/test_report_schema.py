"""Drafts of the four submission types, for a sparse and for a fully described incident, judged
against IR-1.2.1 and IR-1.3.0 by DORA Bridge and, independently, by Python's ``jsonschema`` with
the schemas' ``dependencies`` applied the way their authors mean them: both verdicts agree.

The IR schemas declare draft 2020-12 but keep their per-type requirements under the draft-07
keyword ``dependencies``, which a strict 2020-12 validator ignores (shown below).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dora_bridge import EntityProfile, load_report
from tests.fixtures import SCHEMAS, dora_params

VERSIONS = {"IR-1.2.1": "dora_ir_v1.2.1.json", "IR-1.3.0": "dora_ir_v1.3.0.json"}
KINDS = ("initial", "intermediate", "final", "reclassification")
# The published sample's LEIs fail the ISO 17442 check digits; a complete draft needs real ones.
VALID_LEIS = {
    "ABCDEFGHIJ1234567890": "5299009ZB1ACMBANK036",
    "BCDEFGHIJK2345678901": "5299001AFFECTED00170",
    "CDEFGHIJKL3456789012": "5299002AFFECTED00216",
    "DEFGHIJKLM4567890123": "5299003ACMHOLDING017",
}


def applied(schema: Any) -> Any:
    """Draft-07 ``dependencies`` as 2020-12 ``dependentSchemas`` / ``dependentRequired``, written
    here independently of the core's conversion."""
    if isinstance(schema, list):
        return [applied(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "dependencies" and isinstance(value, dict):
            for name, dep in value.items():
                slot = "dependentRequired" if isinstance(dep, list) else "dependentSchemas"
                out.setdefault(slot, {})[name] = applied(dep)
        else:
            out[key] = applied(value)
    return out


def python_verdict(document: dict, version: str) -> bool:
    schema = applied(json.loads((SCHEMAS / VERSIONS[version]).read_text()))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return not list(validator.iter_errors(document))


def sample() -> dict:
    text = (SCHEMAS / "dora_ir_final_report_sample_v1.3.json").read_text()
    for fake, real in VALID_LEIS.items():
        text = text.replace(fake, real)
    return json.loads(text)


def profile_for(version: str) -> EntityProfile:
    return EntityProfile.from_params(
        dora_params(
            primary_contact_name="Ana Ruiz",
            primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
            primary_contact_phone="+49 69 1234 5678",
            report_schema=(SCHEMAS / VERSIONS[version]).read_text(),
            report_schema_version=version,
        )
    )


def incidents() -> dict[str, dict]:
    """A sparse incident (almost nothing known) and a fully described one (the sample's facts)."""
    return {
        "sparse": {"incident": {"details": "Card payments failing in DE and AT."}, "context": {}},
        "complete": {"incident": {}, "context": {"DORA": {"IncidentReport": load_report(sample())}}},
    }


@pytest.mark.parametrize("version", list(VERSIONS))
@pytest.mark.parametrize("which", ["sparse", "complete"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_project_and_an_independent_validator_agree(kind, which, version):
    world = incidents()[which]
    out = profile_for(version).report_draft(kind, "json", **world)
    draft, validation = out["draft"], out["validation"]
    ours = validation["valid"]
    theirs = python_verdict(draft["document"], version)
    assert ours == theirs, (kind, which, version, validation["errors"])
    if which == "complete":
        assert ours is True and draft["complete"] is True, draft["problems"]
    else:
        assert ours is False and draft["complete"] is False
        # Every schema error names a field or a path, never the whole document at ''.
        assert all(e["path"] for e in validation["errors"]), validation["errors"]
        assert all(json.dumps(draft["document"]) not in e["message"] for e in validation["errors"])


def test_a_strict_2020_12_validator_ignores_the_per_type_requirements():
    document = sample()
    del document["incident"]["incidentResolutionVsPlannedImplementation"]
    strict = Draft202012Validator(json.loads((SCHEMAS / VERSIONS["IR-1.2.1"]).read_text()))
    assert strict.is_valid(document), "draft 2020-12 has no `dependencies`: the 4.9 requirement is ignored"
    assert python_verdict(document, "IR-1.2.1") is False
    assert python_verdict(document, "IR-1.3.0") is True


def test_the_final_report_without_4_9_is_incomplete_under_ir_1_2_1_with_4_9_named():
    facts = load_report(sample())
    del facts["resolution_vs_planned"]
    world = {"incident": {}, "context": {"DORA": {"IncidentReport": facts}}}
    out = profile_for("IR-1.2.1").report_draft("final", "markdown", **world)
    draft = out["draft"]
    assert draft["complete"] is False
    (problem,) = draft["problems"]
    assert problem["field"] == "4.9" and problem["check"] == "schema", problem
    assert problem["key"] == "DORA.IncidentReport.ResolutionVsPlanned"
    assert "IR-1.2.1 requires it in a final_report" in problem["why"]
    assert "**Incomplete: 1 problem(s)" in out["rendered"] and "| 4.9 |" in out["rendered"]
    assert python_verdict(draft["document"], "IR-1.2.1") is False
    # IR-1.3.0 dropped that requirement, and Annex II does not make 4.9 mandatory.
    assert profile_for("IR-1.3.0").report_draft("final", "markdown", **world)["draft"]["complete"] is True
