"""The board's arithmetic (tasks/board/view.py): what a tile and an upward report line say at a given instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tasks.board.view import (
    GroupFacts,
    MessageFacts,
    ReportFacts,
    ReportState,
    TileState,
    countdown,
    group_tile,
    report_line,
)

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def group(**kw) -> GroupFacts:
    values = {"key": "g2", "number": 2, "name": "抢险救援组", "lead": "消防救援大队", "units": ("xfd", "qy-ha", "ajj"),
              "activated_at": T0, "deadline_min": 10}
    return GroupFacts(**{**values, **kw})


def msg(unit: str, *, step: int = 0, delivered: bool = True, acked: int | None = None) -> MessageFacts:
    return MessageFacts(unit=unit, step=step, delivered=delivered,
                        acked_at=T0 + timedelta(seconds=acked) if acked is not None else None)


def test_a_tile_counts_units_not_messages():
    messages = [msg("xfd", acked=30), msg("qy-ha"), msg("qy-ha", step=1, acked=200), msg("ajj", delivered=False),
                msg("ajj", step=1, delivered=False), msg("other-group-unit", acked=5)]
    tile = group_tile(group(), messages, ["ajj"], now=T0 + timedelta(minutes=4), time_scale=1)
    assert (tile.notified, tile.acknowledged, tile.escalated, tile.unreachable) == (2, 2, 2, 1)
    assert tile.silent == ("ajj",) and tile.state is TileState.waiting
    assert tile.deadline_at == T0 + timedelta(minutes=10) and tile.seconds_left == 360


def test_the_deadline_shrinks_with_the_drill_time_scale_and_a_silent_group_goes_overdue():
    tile = group_tile(group(), [msg("xfd", acked=1)], [], now=T0 + timedelta(seconds=11), time_scale=60)
    assert tile.deadline_at == T0 + timedelta(seconds=10)
    assert tile.state is TileState.overdue and tile.overdue and tile.seconds_left == -1


def test_a_group_whose_units_all_answered_is_complete_even_past_its_deadline():
    messages = [msg(u, acked=1) for u in ("xfd", "qy-ha", "ajj")]
    tile = group_tile(group(), messages, [], now=T0 + timedelta(hours=1), time_scale=1)
    assert tile.state is TileState.complete and tile.seconds_left is None and not tile.overdue


def test_an_answer_after_the_unreachable_verdict_is_not_counted_twice():
    tile = group_tile(group(units=("xfd",)), [msg("xfd", step=2, acked=900)], ["xfd"], now=T0, time_scale=1)
    assert (tile.acknowledged, tile.unreachable) == (1, 0)


def test_a_stood_down_group_shows_no_clock():
    tile = group_tile(group(stood_down=True), [], [], now=T0 + timedelta(hours=2), time_scale=1)
    assert tile.state is TileState.stood_down and tile.seconds_left is None


def report(**kw) -> ReportFacts:
    values = {"seq": 1, "due_at": T0 + timedelta(minutes=30), "sent_at": None, "recipients": ("县应急局", "市应急局"),
              "delivered": 0, "failed": 0}
    return ReportFacts(**{**values, **kw})


def test_report_states():
    assert report_line(report(), now=T0).state is ReportState.due
    assert report_line(report(), now=T0).seconds_left == 1800
    assert report_line(report(), now=T0 + timedelta(minutes=31)).state is ReportState.overdue
    sent = T0 + timedelta(minutes=20)
    assert report_line(report(sent_at=sent, delivered=2), now=T0).state is ReportState.on_time
    assert report_line(report(sent_at=sent, delivered=1, failed=1), now=T0).state is ReportState.undelivered
    late = report_line(report(sent_at=T0 + timedelta(minutes=40), delivered=2), now=T0)
    assert late.state is ReportState.late and late.seconds_left is None and (late.delivered, late.sent) == (2, 2)


def test_countdown_text():
    assert countdown(None) == ""
    assert countdown(0) == "00:00"
    assert countdown(65.4) == "01:05"
    assert countdown(-0.2) == "−00:01"
    assert countdown(3 * 3600 + 62) == "3:01:02"


@given(st.floats(min_value=-86_400, max_value=86_400, allow_nan=False))
def test_countdown_reads_back_to_within_a_second(seconds):
    text = countdown(seconds)
    sign = -1 if text.startswith("−") else 1
    parts = [int(p) for p in text.lstrip("−").split(":")]
    value = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    assert abs(sign * value - seconds) < 1 or (value == 0 and abs(seconds) < 1)
    assert (sign < 0) == (seconds < 0 and text != "00:00")
