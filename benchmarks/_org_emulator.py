"""One synthetic org served by an emulator in a process of its own.

``benchmarks.multi_org`` starts one of these per org, so the three emulators
do not share one interpreter lock and each org's API calls are counted by its
own instance::

    python -m benchmarks._org_emulator --accounts N --opportunities M \\
        --seed S --ready-file F

The child generates the org, loads it, writes the ready file (URLs, CA file,
credentials, seeding time) and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from pathlib import Path
from types import FrameType

from benchmarks.generate import OrgShape, generate_org
from benchmarks.salesforce_shape import load_emulator
from connectors.salesforce_emulator import Emulator, EmulatorConfig

__all__ = ["main"]

# Far above what the runs use: the benchmark measures calls, not the limit.
_DAILY_API_LIMIT = 100_000_000


def main(argv: list[str] | None = None) -> None:
    """Seed an emulator with one synthetic org and serve it until stopped."""
    args = _arguments(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    shape = OrgShape(args.accounts, args.opportunities, seed=args.seed)
    config = EmulatorConfig(
        multi_currency=True, corporate_currency="USD", daily_api_limit=_DAILY_API_LIMIT
    )
    with Emulator(config) as emulator:
        started = time.perf_counter()
        load_emulator(emulator, generate_org(shape))
        seeded_s = time.perf_counter() - started

        _write_ready(emulator, args.ready_file, shape, seeded_s)
        while not stop.wait(0.5):
            pass


def _write_ready(
    emulator: Emulator, path: Path, shape: OrgShape, seeded_s: float
) -> None:
    ready = {
        "instance_url": emulator.instance_url,
        "login_url": emulator.login_url,
        "ca_file": emulator.ca_file,
        "credentials": emulator.credentials,
        "accounts": shape.accounts,
        "opportunities": shape.opportunities,
        "leads": shape.lead_count,
        "seeded_s": round(seeded_s, 1),
    }
    # Written whole, then renamed: the parent never reads half a file.
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(ready), encoding="utf-8")
    temporary.replace(path)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve one synthetic org.")
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--opportunities", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
