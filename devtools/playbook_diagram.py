"""Draws a playbook's task graph from its yml, at the positions the XSOAR editor stores, as the
PNG that `demisto-sdk validate` expects in the pack's doc_files/ (RM116).

    python -m devtools.playbook_diagram Packs/DORABridge/Playbooks/playbook-DORA_Major_Incident_Notification.yml

writes Packs/DORABridge/doc_files/DORA_Major_Incident_Notification.png (one PNG per yml given). Needs ImageMagick's
`convert` for SVG to PNG.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from html import escape
from pathlib import Path

import yaml

BOX_W, BOX_H = 200, 64
COLOURS = {  # fill, stroke
    "start": ("#e8f5e9", "#2e7d32"),
    "title": ("#eceff1", "#546e7a"),
    "regular": ("#e3f2fd", "#1565c0"),
    "manual": ("#fff8e1", "#f9a825"),
    "collection": ("#fce4ec", "#ad1457"),
    "condition": ("#f3e5f5", "#6a1b9a"),
    "playbook": ("#e0f2f1", "#00695c"),
}
LEGEND = [
    ("regular", "command or script"),
    ("manual", "manual task"),
    ("collection", "data collection (a person answers)"),
    ("condition", "condition"),
    ("playbook", "sub-playbook"),
]


def kind(t: dict) -> str:
    if t["type"] == "regular" and not (t["task"].get("script") or t["task"].get("scriptName")):
        return "manual"
    return t["type"]


def position(t: dict) -> tuple[float, float]:
    p = json.loads(t["view"])["position"]
    return float(p["x"]), float(p["y"])


def svg(playbook: dict) -> str:
    tasks = playbook["tasks"]
    xs = [position(t)[0] for t in tasks.values()]
    ys = [position(t)[1] for t in tasks.values()]
    ox, oy = min(xs) - 220, min(ys) - 90
    width, height = max(xs) - ox + BOX_W + 220, max(ys) - oy + BOX_H + 60

    def centre(t: dict) -> tuple[float, float]:
        x, y = position(t)
        return x - ox + BOX_W / 2, y - oy + BOX_H / 2

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'font-family="DejaVu Sans, sans-serif">',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="20" y="34" font-size="24" font-weight="bold">{escape(playbook["name"])}</text>',
    ]
    lx = 20
    for k, label in LEGEND:
        fill, stroke = COLOURS[k]
        out.append(f'<rect x="{lx}" y="48" width="18" height="14" fill="{fill}" stroke="{stroke}"/>')
        out.append(f'<text x="{lx + 24}" y="60" font-size="13">{escape(label)}</text>')
        lx += 30 + 8 * len(label)
    for t in tasks.values():
        x1, y1 = centre(t)
        for label, ids in (t.get("nexttasks") or {}).items():
            for n in ids or []:
                x2, y2 = centre(tasks[n])
                back = y2 < y1
                colour = "#b71c1c" if back else "#78909c"
                if back:  # a loop: around the side, dashed
                    side = 1 if x1 > x2 + 10 else -1
                    sx, tx = x1 + side * BOX_W / 2, x2 + side * BOX_W / 2
                    cx = (max(sx, tx) if side > 0 else min(sx, tx)) + side * 160
                    out.append(
                        f'<path d="M {sx:.0f} {y1:.0f} C {cx:.0f} {y1:.0f}, {cx:.0f} {y2:.0f}, {tx:.0f} {y2:.0f}" '
                        f'fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="6,4"/>'
                    )
                    mx, my = cx - side * 40, (y1 + y2) / 2
                else:
                    out.append(
                        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{colour}" '
                        f'stroke-width="2"/>'
                    )
                    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
                if label not in ("#none#",):
                    text = "else" if label == "#default#" else label
                    out.append(
                        f'<text x="{mx + 4:.0f}" y="{my - 4:.0f}" font-size="13" fill="{colour}">{escape(text)}</text>'
                    )
    for t in tasks.values():
        k = kind(t)
        fill, stroke = COLOURS[k]
        x, y = position(t)
        x, y = x - ox, y - oy
        rx = 30 if k in ("start", "title") else 6
        out.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="{rx}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="2"/>'
        )
        name = t["task"]["name"] or "Start"
        lines = textwrap.wrap(name, 30)[:3]
        top = y + BOX_H / 2 - 7 * (len(lines) - 1) + 4
        for i, line in enumerate(lines):
            out.append(
                f'<text x="{x + BOX_W / 2:.0f}" y="{top + 14 * i:.0f}" font-size="12" text-anchor="middle">'
                f"{escape(line)}</text>"
            )
        out.append(f'<text x="{x + 4:.0f}" y="{y + 12:.0f}" font-size="9" fill="{stroke}">#{t["id"]}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main(path: str) -> Path:
    yml = Path(path)
    playbook = yaml.safe_load(yml.read_text())
    target = yml.parents[1] / "doc_files" / yml.name.replace("playbook-", "").replace(".yml", ".png")
    target.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "playbook.svg"
        source.write_text(svg(playbook))
        subprocess.run(
            ["convert", "-density", "72", str(source), "-strip", "-depth", "8", "-colors", "64", str(target)],
            check=True,
        )
    return target


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(main(p))
