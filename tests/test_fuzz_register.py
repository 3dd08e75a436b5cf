"""Fuzzing the Register of Information CSV texts: the sample register's templates mutated
(columns dropped or renamed, junk cells, rows dropped or doubled, other delimiters and line ends,
careless quoting, a BOM, truncation), under every spelling of their names, with aliases and ICT
mappings of any shape. Reading the register and asking it for the ICT context returns the
documented shape or refuses with a ``DoraBridgeError``; never a panic or a stray exception (the
contract in tests/fuzzing.py).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dora_bridge import ContextConnectors
from tests.fuzzing import REGISTER, json_any, json_leaf, survive

SAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted(REGISTER.glob("b_*.csv"))}
NAME_SPELLINGS = {
    name: [
        name,
        name.upper(),
        name[:-4],
        name[:-4].upper().replace(".", "_"),
        name[2:-4],
        "t" + name[:-4].upper(),
    ]
    for name in SAMPLES
}
JUNK_CELLS = [
    "",
    "eba_GA:ZZ",
    "eba_GA:qx2007",
    "eba_TA:S99",
    "eba_TA:S00",
    "eba_TA:",
    "eba_BT:x99",
    "eba_ZZ:x999",
    "S7",
    "-1",
    "1e309",
    "NaN",
    "inf",
    "99999999999999999999",
    '"',
    'a"b',
    "é",
    "\x00",
    " ",
    "x" * 20_000,
]


@st.composite
def register_csv(draw: st.DrawFn, name: str) -> str:
    rows = list(csv.reader(io.StringIO(SAMPLES[name])))
    header, body = rows[0], rows[1:]
    cells = st.one_of(st.sampled_from(JUNK_CELLS), st.text(max_size=20))
    for op in draw(
        st.lists(
            st.sampled_from(
                ["drop_column", "rename", "cell", "cell", "drop_row", "dup_row", "extra", "short"]
            ),
            max_size=4,
        )
    ):
        if op == "drop_column" and header:
            i = draw(st.integers(0, len(header) - 1))
            header = header[:i] + header[i + 1 :]
            body = [r[:i] + r[i + 1 :] for r in body]
        elif op == "rename" and header:
            i = draw(st.integers(0, len(header) - 1))
            header[i] = draw(
                st.one_of(
                    st.sampled_from(
                        [
                            "",
                            "C0030",
                            "0030",
                            "B_06.01.0030",
                            "Function name",
                            "function_name",
                            "c0010",
                            *header,
                        ]
                    ),
                    st.text(max_size=12),
                )
            )
        elif op == "cell" and body and header:
            r, i = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, len(header) - 1))
            if i < len(body[r]):
                body[r][i] = draw(cells)
        elif op == "drop_row" and body:
            del body[draw(st.integers(0, len(body) - 1))]
        elif op == "dup_row" and body:
            body.append(list(body[draw(st.integers(0, len(body) - 1))]))
        elif op == "extra" and body:
            body[draw(st.integers(0, len(body) - 1))].append(draw(cells))
        elif op == "short" and body and body[0]:
            body[0].pop()
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(
            out,
            delimiter=delimiter,
            lineterminator=newline,
            quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        ).writerows([header, *body])
        text = out.getvalue()
    else:  # as a careless export writes it: no quoting at all
        text = newline.join(delimiter.join(r) for r in [header, *body]) + newline
    for op in draw(
        st.lists(st.sampled_from(["bom", "quote", "truncate", "empty", "blank_lines"]), max_size=2)
    ):
        if op == "bom":
            text = "\ufeff" + text
        elif op == "quote":
            i = draw(st.integers(0, len(text)))
            text = text[:i] + '"' + text[i:]
        elif op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif op == "empty":
            text = draw(st.sampled_from(["", "\n", "\ufeff", ",,,\n"]))
        else:
            text = newline * 3 + text + newline * 3
    return text


@st.composite
def register_files(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["files"] * 8 + ["junk_json", "not_json"]))
    if kind == "not_json":
        return draw(st.one_of(st.text(max_size=40), st.sampled_from(["{", "[]", "null", "{}", '"b_06.01"'])))
    if kind == "junk_json":
        return json.dumps(
            draw(
                st.one_of(json_any, st.dictionaries(st.sampled_from(sorted(SAMPLES)), json_leaf, max_size=3))
            )
        )
    files: dict[str, str] = {}
    for name in SAMPLES:
        if draw(st.integers(0, 9)) == 0:
            continue  # a template left out
        key = draw(st.sampled_from(NAME_SPELLINGS[name]))
        files[key] = draw(st.one_of(st.just(SAMPLES[name]), register_csv(name)))
        if draw(st.integers(0, 19)) == 0:
            files[draw(st.sampled_from(NAME_SPELLINGS[name]))] = SAMPLES[name]  # the same template twice
    if draw(st.integers(0, 9)) == 0:
        files[draw(st.sampled_from(["b_01.02.csv", "b_99.01", "functions.csv", "", "b_08.01"]))] = draw(
            st.text(max_size=20)
        )
    return json.dumps(files)


KNOWN_NAMES = [
    "Card payments",
    "Instant payments",
    "Customer portal",
    "Reporting",
    "F01",
    "F04",
    "CA-2021-003",
    "CA-2023-014",
]
service_names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=16))
aliases_params = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.dictionaries(
        service_names, st.one_of(st.lists(service_names, max_size=3), service_names, json_leaf), max_size=3
    ).map(json.dumps),
    st.lists(st.tuples(service_names, st.lists(service_names, max_size=3)), max_size=3).map(
        lambda lines: "\n".join(f"{n} = {'; '.join(t)}" for n, t in lines)
    ),
    st.sampled_from(["Cards = F01; CA-2023-014", "no equals sign", "# only a comment", '{"Cards": 5}', "{"]),
)
assets = st.one_of(
    st.sampled_from(
        [
            "cardgw-01.zb.internal",
            "203.0.113.7",
            "portal.example-bank.com",
            "999.1.1.1",
            "1.2.3.4/40",
            "::1",
            "",
        ]
    ),
    st.ip_addresses(v=4).map(str),
    st.text(max_size=20),
)
ict_mappings = st.one_of(
    st.none(),
    st.text(max_size=30),
    json_any.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={
            "assets": st.one_of(
                st.dictionaries(
                    st.one_of(
                        assets,
                        st.sampled_from(
                            ["203.0.113.0/24", "10.0.0.0/33", "*.example-bank.com", "0.0.0.0/0", "*."]
                        ),
                    ),
                    st.one_of(st.lists(service_names, max_size=2), json_any),
                    max_size=3,
                ),
                json_any,
            ),
            "services": st.one_of(
                st.dictionaries(
                    service_names,
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "critical_or_important": st.one_of(st.booleans(), json_leaf),
                            "functions": st.one_of(st.lists(service_names, max_size=2), json_any),
                            "providers": st.one_of(
                                st.lists(
                                    st.fixed_dictionaries(
                                        {"name": st.text(max_size=8)},
                                        optional={
                                            "country": st.one_of(
                                                st.sampled_from(["IE", "US", "ZZ", "eba_GA:DE"]), json_leaf
                                            )
                                        },
                                    ),
                                    max_size=2,
                                ),
                                json_any,
                            ),
                            "countries": st.one_of(
                                st.lists(st.sampled_from(["DE", "AT", "XX", "", "gb"]), max_size=3), json_any
                            ),
                        },
                    ),
                    max_size=2,
                ),
                json_any,
            ),
        },
    ).map(json.dumps),
)


def check_ict(ctx: dict) -> None:
    for k in (
        "asset",
        "affected_services",
        "critical_services_affected",
        "functions",
        "providers",
        "countries",
        "partial",
        "problems",
    ):
        assert k in ctx, k
    json.dumps(ctx)


@settings(max_examples=200)
@given(
    files=register_files(),
    aliases=aliases_params,
    mapping=ict_mappings,
    asset=st.one_of(st.none(), assets),
    services=st.one_of(
        st.none(), st.lists(service_names, max_size=4), service_names, st.lists(json_leaf, max_size=2)
    ),
)
def test_register_texts(files, aliases, mapping, asset, services):
    params: dict[str, Any] = {"register_files": files}
    if aliases is not None:
        params["register_aliases"] = aliases
    if mapping is not None:
        params["ict_mapping"] = mapping
    connectors = survive("ContextConnectors.from_params", ContextConnectors.from_params, params)
    if connectors is None:
        return
    assert survive("sources", connectors.sources) is not None
    if asset is None and services is None:
        services = KNOWN_NAMES
    ctx = survive("ict_context", connectors.ict_context, asset=asset, services=services)
    if ctx is not None:
        check_ict(ctx)


def test_the_sample_register_still_reads():
    """The mutations start from a register that reads: the fuzzing above reaches past the
    structure checks into the cross-checks and the matching."""
    c = ContextConnectors.from_params({"register_files": json.dumps(SAMPLES)})
    ctx = c.ict_context(services=["Card payments"])
    assert ctx["critical_services_affected"]["value"] is True
