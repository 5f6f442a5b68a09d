"""What each way of installing cnngrade costs: packages and megabytes of a fresh virtual environment.

    python3 benchmarks/install_size.py [--python PYTHON] [--extras "" build,plots dask test] [--keep DIR]

For each set of extras ("" is the grading-only install, `pip install .`), makes a fresh venv with
PYTHON (default: the one running this), installs this checkout into it (not editable, so the venv
holds everything), and prints the packages `pip list` shows (pip itself included), the venv's size
on disk in MiB as `du -s` counts it, and the install's time. Uses pip as configured here (indexes,
find-links); the test extra also gets torch's CPU index, as `make test` passes it. On this
project's machines, about 40 s for the grading-only install, a minute for build,plots.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCH_INDEX = os.environ.get("TORCH_INDEX", "https://download.pytorch.org/whl/cpu")


def size_mb(path: Path) -> float:
    """Disk used, as `du -s` counts it: allocated blocks of every file, folder and link, each inode once."""
    seen: set[int] = set()
    total = 0
    for folder, folders, files in os.walk(path):
        for name in [".", *folders, *files]:
            status = os.lstat(os.path.join(folder, name))
            if status.st_ino not in seen:
                seen.add(status.st_ino)
                total += status.st_blocks * 512
    return total / 2**20


def measure(python: str, extras: str, into: Path) -> dict[str, object]:
    venv = into / (extras.replace(",", "+") or "grading-only")
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    extra_index = ["--extra-index-url", TORCH_INDEX] if "test" in extras.split(",") else []
    started = time.monotonic()
    subprocess.run([*pip, "install", "--quiet", *extra_index, target], check=True)
    seconds = time.monotonic() - started
    listed = json.loads(
        subprocess.run([*pip, "list", "--format=json"], check=True, capture_output=True, text=True).stdout
    )
    return {"extras": extras or "(none)", "packages": len(listed), "mb": size_mb(venv), "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the Python to make the venvs with")
    parser.add_argument(
        "--extras",
        nargs="+",
        default=["", "build,plots", "dask"],
        help='sets of extras to measure, "" for none (default: "" build,plots dask)',
    )
    parser.add_argument("--keep", type=Path, default=None, help="make the venvs here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnngrade-install-size-") as scratch:
        into = args.keep or Path(scratch)
        into.mkdir(parents=True, exist_ok=True)
        print(f"{'extras':<16} {'packages':>8} {'MiB':>8} {'install s':>10}")
        for extras in args.extras:
            row = measure(args.python, extras, into)
            print(f"{row['extras']:<16} {row['packages']:>8} {row['mb']:>8.0f} {row['seconds']:>10.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
