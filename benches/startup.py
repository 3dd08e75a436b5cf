"""`import dora_bridge` time and the size of the wheel."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benches.measure import ROOT


def _wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - started


def import_time(runs: int) -> dict[str, Any]:
    """Median wall time of fresh `python -c "import dora_bridge"` runs minus that of
    `python -c "pass"` (interleaved), and `-X importtime`'s cumulative figure for dora_bridge."""
    _wall("import dora_bridge")  # page cache
    with_import, bare = [], []
    for _ in range(runs):
        with_import.append(_wall("import dora_bridge"))
        bare.append(_wall("pass"))
    cumulative = []
    for _ in range(5):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import dora_bridge"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stderr
        rows = [line for line in err.splitlines() if re.search(r"\|\s*dora_bridge\s*$", line)]
        cumulative.append(int(rows[-1].split("|")[1]) / 1e6)
    return {
        "runs": runs,
        "median_import": statistics.median(with_import),
        "median_bare": statistics.median(bare),
        "import": statistics.median(with_import) - statistics.median(bare),
        "importtime_cumulative": statistics.median(cumulative),
    }


def wheel_size() -> dict[str, Any]:
    """Builds the release abi3 wheel of this tree (maturin, as `make setup` builds the extension)
    and measures it; falls back to a wheel already in dist/ if the build cannot run."""
    with tempfile.TemporaryDirectory() as tmp:
        maturin = Path(sys.executable).parent / "maturin"
        built = subprocess.run(
            [str(maturin), "build", "--release", "--quiet", "-o", tmp],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wheels = sorted(Path(tmp).glob("*.whl"))
        if built.returncode == 0 and wheels:
            wheel = wheels[0]
            return {"name": wheel.name, "bytes": wheel.stat().st_size, "source": "maturin build --release"}
    existing = sorted((ROOT / "dist").glob("dora_bridge-*.whl"))
    if not existing:
        raise RuntimeError(f"maturin build failed and dist/ has no wheel:\n{built.stderr}")
    return {"name": existing[-1].name, "bytes": existing[-1].stat().st_size, "source": "dist/ (make wheels)"}
