"""Optional profiling of the hub's workers under load with py-spy (BENCH_PROFILE=1).

py-spy samples the gunicorn workers from outside while wrk loads them; the collapsed stacks are
folded here into the functions that take the most time, inclusive and self.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?):?(?P<line>\d*)\)$")


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample the master's worker processes for ``seconds``; None when py-spy is not installed."""
    py_spy = shutil.which("py-spy") or _beside_python("py-spy")
    if py_spy is None:
        return None
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "250",
         "--duration", str(seconds), "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _beside_python(tool: str) -> str | None:
    candidate = Path(sys.executable).parent / tool
    return str(candidate) if candidate.exists() else None


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/hub/", "/bench/", "lib/python3"):
        if marker in path:
            path = (marker.strip("/") + "/" if marker in ("/hub/", "/bench/") else "") + \
                path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def summarise(raw: Path, top: int = 25) -> dict[str, Any]:
    """Fold py-spy's collapsed stacks into the top functions by inclusive and by self samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    hub: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";") if "(" in f]
        if not frames:
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
            if "(hub/" in name:
                hub[name] += count
        own[frames[-1]] += count

    def pct(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"function": name, "percent": round(100 * n / total, 1)}
                for name, n in counter.most_common(top)]

    return {"samples": total, "hub_functions": pct(hub), "inclusive": pct(inclusive), "self": pct(own)}
