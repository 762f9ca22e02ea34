"""Make the sample device inventory: scenarios/inventories/sample_fleet.csv.

A made-up fleet of 4,000 devices of a mid-size organisation (no real data), in the
canonical columns of ``python -m sim import``. The numbers are drawn with a fixed seed, so
running this again writes the same file:

    python tools/make_sample_inventory.py            # writes scenarios/inventories/sample_fleet.csv
    python tools/make_sample_inventory.py --check    # exits 1 if the committed file differs

The mix follows the baseline scenario (docs/presets/baseline.md): cameras, building
controllers, badge readers, gateways and sensors, with each class's over-the-air share;
about 40% of the over-the-air devices are under central management and were updated
recently; devices patched by hand have older last updates. The inventory date is
2026-11-30.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.inventory import FIELDS  # noqa: E402

TARGET = ROOT / "scenarios" / "inventories" / "sample_fleet.csv"
SEED = 20261130
AS_OF = date(2026, 11, 30)

# device type: (devices, over-the-air share, id prefix, latest firmware)
TYPES: dict[str, tuple[int, float, str, str]] = {
    "IP camera": (900, 0.95, "CAM", "11.9.60"),
    "Doorbell camera": (150, 0.95, "DBC", "3.2.1"),
    "PTZ camera": (150, 0.95, "PTZ", "11.9.60"),
    "HVAC controller": (350, 0.60, "HVC", "7.4"),
    "Lighting controller": (200, 0.60, "LGT", "2.18"),
    "PLC": (100, 0.40, "PLC", "4.5.2"),
    "Badge reader": (700, 0.80, "BDG", "5.0.12"),
    "RFID reader": (200, 0.80, "RFD", "1.9.3"),
    "IoT gateway": (200, 1.00, "GTW", "24.10.1"),
    "Router": (50, 1.00, "RTR", "7.16.2"),
    "Temperature sensor": (500, 0.50, "TMP", "1.3.0"),
    "Vibration sensor": (300, 0.50, "VIB", "2.0.4"),
    "Patient monitor sensor": (200, 0.50, "PMS", "8.1"),
}
DEPARTMENTS = {"Facilities": 0.40, "Security": 0.30, "Operations": 0.20, "Clinical engineering": 0.10}
CRITICALITY = {"": 0.30, "critical": 0.08, "high": 0.20, "medium": 0.30, "low": 0.12}
ENROLLED_OF_OTA = 0.40  # managed share of the over-the-air devices
COLUMNS = list(FIELDS)  # the canonical columns, as the importer reads them


def rows(seed: int = SEED) -> list[dict[str, str]]:
    """The sample fleet, one dict per device, in a shuffled order."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, str]] = []
    for device_type, (count, ota_share, prefix, latest) in TYPES.items():
        older = ".".join([*latest.split(".")[:-1], str(max(0, int(latest.split(".")[-1]) - 1))])
        for number in range(1, count + 1):
            ota = rng.random() < ota_share
            managed = ota and rng.random() < ENROLLED_OF_OTA
            if managed:
                age = int(rng.exponential(8))
            elif rng.random() < 0.6:
                age = int(rng.exponential(20))
            else:
                age = int(rng.uniform(31, 420))
            on_latest = rng.random() < (0.85 if age <= 30 else 0.12)
            out.append(
                {
                    "device_id": f"{prefix}-{number:05d}",
                    "device_type": device_type,
                    "department": str(rng.choice(list(DEPARTMENTS), p=list(DEPARTMENTS.values()))),
                    "managed": "yes" if managed else "no",
                    "ota_capable": "yes" if ota else "no",
                    "last_update": "" if rng.random() < 0.02 else (AS_OF - timedelta(days=age)).isoformat(),
                    "firmware_version": latest if on_latest else older,
                    "latest_firmware_version": latest,
                    "criticality": str(rng.choice(list(CRITICALITY), p=list(CRITICALITY.values()))),
                }
            )
    out[0]["last_update"] = AS_OF.isoformat()  # one device updated on the inventory date itself
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def render(data: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is not what this makes")
    args = parser.parse_args(argv)
    text = render(rows())
    if args.check:
        same = TARGET.is_file() and TARGET.read_text(encoding="utf-8") == text
        print(f"{TARGET.relative_to(ROOT)}: {'up to date' if same else 'differs; run without --check'}")
        return 0 if same else 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {text.count(chr(10)) - 1:,} devices, {len(text):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
