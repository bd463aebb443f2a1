"""The time cursor and its bar: clamping, playback by a fake clock (the timer's ticks are
called by hand, so nothing depends on timing), the end of the range, and the bar following."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.time_cursor import FRAME_MS, SPEEDS, TimeCursor, TimeCursorBar
from tests.conftest import DEMO_NOW, DEMO_START

END = DEMO_START + timedelta(days=4)


class FakeClock:
    """Real seconds as the test says they passed."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cursor(clock: FakeClock, qapp: QApplication) -> Iterator[TimeCursor]:
    cursor = TimeCursor(DEMO_START, END, at=DEMO_NOW, clock=clock, now=lambda: DEMO_NOW)
    yield cursor
    cursor.pause()  # no timer left running past the test


def _moves(cursor: TimeCursor) -> list[datetime]:
    moves: list[datetime] = []
    cursor.moved.connect(moves.append)
    return moves


def test_set_time_clamps_to_the_range_and_emits_only_real_moves(cursor: TimeCursor) -> None:
    moves = _moves(cursor)
    assert cursor.time == DEMO_NOW
    cursor.set_time(DEMO_START - timedelta(days=3))
    assert cursor.time == DEMO_START
    cursor.set_time(DEMO_START - timedelta(hours=1))  # clamps to where it already is
    cursor.set_time(END + timedelta(minutes=1))
    assert cursor.time == END
    cursor.set_time(END)
    assert moves == [DEMO_START, END]
    with pytest.raises(ValueError, match="offset"):
        cursor.set_time(datetime(2026, 6, 9, 12, 0))  # no time zone: ambiguous
    assert cursor.time == END


def test_times_are_kept_in_utc_and_a_narrower_range_pulls_the_time_in(
    cursor: TimeCursor,
) -> None:
    from datetime import timezone

    cursor.set_time(datetime(2026, 6, 9, 14, 0, tzinfo=timezone(timedelta(hours=3))))
    assert cursor.time == datetime(2026, 6, 9, 11, 0, tzinfo=timezone.utc)
    assert cursor.time.utcoffset() == timedelta(0)
    moves = _moves(cursor)
    cursor.set_range(DEMO_START, DEMO_START + timedelta(hours=12))
    assert cursor.time == DEMO_START + timedelta(hours=12)
    assert cursor.range == (DEMO_START, DEMO_START + timedelta(hours=12))
    assert moves == [cursor.time]
    with pytest.raises(ValueError, match="before it starts"):
        cursor.set_range(END, DEMO_START)


def test_playing_advances_by_speed_times_the_real_time_elapsed(
    cursor: TimeCursor, clock: FakeClock
) -> None:
    assert cursor.timer.interval() == FRAME_MS
    assert [speed for speed, _ in SPEEDS] == [1.0, 60.0, 1440.0, 5760.0]
    cursor.set_speed(60.0)
    playing: list[bool] = []
    cursor.playing_changed.connect(playing.append)
    cursor.play()
    assert cursor.playing and cursor.timer.isActive()
    clock.seconds += 2.5
    cursor.tick()
    assert cursor.time == DEMO_NOW + timedelta(seconds=150)
    cursor.tick()  # no real time passed: no move
    assert cursor.time == DEMO_NOW + timedelta(seconds=150)
    # A new speed counts from the moment it is chosen.
    clock.seconds += 1
    cursor.set_speed(1440.0)
    clock.seconds += 1
    cursor.tick()
    assert cursor.time == DEMO_NOW + timedelta(seconds=150 + 60 + 1440)
    # Pausing keeps the time up to the pause, and the clock running on moves nothing.
    clock.seconds += 0.5
    cursor.pause()
    assert cursor.time == DEMO_NOW + timedelta(seconds=150 + 60 + 1440 + 720)
    clock.seconds += 100
    cursor.tick()
    assert cursor.time == DEMO_NOW + timedelta(seconds=150 + 60 + 1440 + 720)
    assert playing == [True, False] and not cursor.timer.isActive()
    cursor.toggle()
    assert cursor.playing
    cursor.toggle()
    assert not cursor.playing


def test_playback_stops_at_the_end_and_plays_again_from_the_start(
    cursor: TimeCursor, clock: FakeClock
) -> None:
    cursor.set_speed(5760.0)
    playing: list[bool] = []
    cursor.playing_changed.connect(playing.append)
    cursor.play()
    clock.seconds += 60  # four exercise days; under two days are left
    cursor.tick()
    assert cursor.time == END
    assert not cursor.playing and not cursor.timer.isActive()
    assert playing == [True, False]
    moves = _moves(cursor)
    cursor.play()
    assert cursor.time == DEMO_START and moves == [DEMO_START]
    clock.seconds += 1
    cursor.tick()
    assert cursor.time == DEMO_START + timedelta(seconds=5760)


def test_moving_by_hand_while_playing_plays_on_from_there(
    cursor: TimeCursor, clock: FakeClock
) -> None:
    cursor.set_speed(60.0)
    cursor.play()
    clock.seconds += 10
    cursor.set_time(DEMO_START)  # the ten seconds before the move are not added after it
    clock.seconds += 1
    cursor.tick()
    assert cursor.time == DEMO_START + timedelta(minutes=1)


def test_the_bar_follows_the_cursor_and_moves_it(
    cursor: TimeCursor, clock: FakeClock, qtbot: QtBot
) -> None:
    bar = TimeCursorBar(cursor)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    assert bar.slider.minimum() == 0 and bar.slider.maximum() == 4 * 24 * 60
    assert bar.slider.value() == 35 * 60  # DEMO_NOW is 35 h in
    assert bar.time_label.text() == "2026-06-09 11:00Z"
    assert bar.speed_combo.currentData() == cursor.speed
    assert bar.play_button.toolTip() and bar.slider.toolTip() and bar.now_button.toolTip()
    # Playing moves the slider and the text by the minute.
    cursor.set_speed(60.0)
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert cursor.playing and bar.play_button.text() == "Pause"
    clock.seconds += 30  # 30 exercise minutes
    cursor.tick()
    assert bar.slider.value() == 35 * 60 + 30
    assert bar.time_label.text() == "2026-06-09 11:30Z"
    clock.seconds += 0.5  # 30 s: the same minute
    cursor.tick()
    assert bar.time_label.text() == "2026-06-09 11:30Z"
    # Space on the slider pauses; the button says so.
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert not cursor.playing and bar.play_button.text() == "Play"
    # Space on the focused button plays, once (the bar does not toggle it back).
    bar.play_button.setFocus()
    qtbot.keyClick(bar.play_button, Qt.Key.Key_Space)
    assert cursor.playing
    qtbot.keyClick(bar.play_button, Qt.Key.Key_Space)
    assert not cursor.playing
    # The slider moves the cursor, to the minute.
    bar.slider.setValue(60)
    assert cursor.time == DEMO_START + timedelta(hours=1)
    assert bar.time_label.text() == "2026-06-08 01:00Z"
    qtbot.keyClick(bar.slider, Qt.Key.Key_End)
    assert cursor.time == END and bar.time_label.text() == "2026-06-12 00:00Z"
    # The speed list sets the speed; a speed set in code shows in the list.
    bar.speed_combo.setCurrentIndex(bar.speed_combo.findData(1440.0))
    assert cursor.speed == 1440.0
    cursor.set_speed(5760.0)
    assert bar.speed_combo.currentData() == 5760.0
    # Now goes to the wall clock's time, as injected.
    qtbot.mouseClick(bar.now_button, Qt.MouseButton.LeftButton)
    assert cursor.time == DEMO_NOW and bar.slider.value() == 35 * 60
    # A new range re-scales the slider.
    cursor.set_range(DEMO_NOW, END)
    assert bar.slider.maximum() == (END - DEMO_NOW).total_seconds() // 60
    assert bar.slider.value() == 0 and bar.time_label.text() == "2026-06-09 11:00Z"
