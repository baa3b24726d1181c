"""`python -m bench duty`: how fast the rosters answer — who is on duty now, and the hours without cover in a holiday.

Pure computation (tasks/duty/roster.py) on the sample park's rosters (data/sample-park/duty.yaml: the office and nine
enterprises), no database. The baseline, run alongside, is the cheapest possible scan of the same hours (a loop that
only steps through them), so the ratio says what the roster logic costs on this noisy machine.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta

import yaml

from models.duty_kinds import DutyRole
from models.settings import REPO_ROOT
from models.types import SHANGHAI
from tasks.duty.roster import assignments, on_duty, uncovered_hours
from tasks.duty.roster_file import parse_rosters

SAMPLE = REPO_ROOT / "data" / "sample-park" / "duty.yaml"
REPEATS = 7


def _rosters():
    """The sample rosters, read as `duty import` reads them (every name it uses counted as known)."""
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    people = {}
    for item in doc["rosters"]:
        names = {n for r in item.get("rotations", []) for n in r["people"]}
        names |= {o[k] for o in item.get("overrides", []) for k in ("name", "replaces") if o.get(k)}
        people[item["unit"]] = names | {s[k] for s in item.get("swaps", []) for k in ("from", "to")}
    return parse_rosters(SAMPLE, people=people)


def _median(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    rosters = _rosters()
    start = datetime(2026, 9, 30, tzinfo=SHANGHAI)
    end = datetime(2026, 10, 9, tzinfo=SHANGHAI)  # the National Day period with a day either side: 216 hours
    hours = int((end - start) / timedelta(hours=1))
    instants = [start + timedelta(minutes=37 * k) for k in range(100)]

    def who_now():
        for at in instants:
            for r in rosters:
                on_duty(r, at)

    def gaps():
        for r in rosters:
            slots = assignments(r, start, end)
            for role in DutyRole:
                uncovered_hours(slots, role, start, end)

    def baseline():
        for _ in rosters:
            for _role in DutyRole:
                at = start
                for _h in range(hours):
                    at += timedelta(hours=1)

    b, w, g = _median(baseline), _median(who_now), _median(gaps)
    print(f"duty (medians of {REPEATS}, {len(rosters)} rosters): who at 100 instants {w * 1000:.1f} ms "
          f"({w / len(instants) / len(rosters) * 1e6:.0f} µs a unit); gaps over {hours} h {g * 1000:.1f} ms; "
          f"baseline scan of the same hours {b * 1000:.2f} ms; gaps / baseline {g / b:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
