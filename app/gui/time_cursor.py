"""The exercise time every view shows: one cursor over the exercise, played or moved by hand.

`TimeCursor` holds the time (aware UTC) within a range and plays it forward at a chosen
speed; `TimeCursorBar` is its slider, play button, speed choice and clock. Playback reads an
injectable monotonic clock on each timer tick, so it advances by elapsed real time however
late the ticks come, and tests drive it without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QWidget,
)

from app.core import timefmt

FRAME_MS = 50  # ~20 frames a second: smooth enough, cheap for the views that follow
# (exercise seconds per real second, label): real time up to four exercise days a minute.
SPEEDS: tuple[tuple[float, str], ...] = (
    (1.0, "1× (real time)"),
    (60.0, "60× (an hour a minute)"),
    (1440.0, "1440× (a day a minute)"),
    (5760.0, "5760× (four days a minute)"),
)
DEFAULT_SPEED = 60.0
# Arrow keys and Page Up/Down on the slider, in minutes.
SLIDER_STEP_MIN = 10
SLIDER_PAGE_MIN = 60


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # As in the store: a time without an offset is ambiguous in a multinational cell.
        raise ValueError(f"time {moment} has no UTC offset")
    return moment.astimezone(timefmt.UTC)


class TimeCursor(QObject):
    """The current exercise time within [start, end], and its playback."""

    moved = Signal(object)  # the new time, an aware UTC datetime
    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    range_changed = Signal(object, object)  # start, end

    def __init__(self, start: datetime, end: datetime, at: datetime | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] | None = None,
                 parent: QObject | None = None) -> None:  # fmt: skip
        """`clock` gives real seconds for playback (monotonic); `now` the wall time for
        `go_now`. Both are injectable so tests control time."""
        super().__init__(parent)
        self._clock = clock
        self._now = now or (lambda: datetime.now(timefmt.UTC))
        self._start, self._end = self._checked(start, end)
        self._time = self._clamp(_utc(at) if at else self._start)
        self._speed = DEFAULT_SPEED
        self._last = 0.0  # the clock at the last tick, while playing
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)

    # -- state ----------------------------------------------------------------------------
    @property
    def time(self) -> datetime:
        return self._time

    @property
    def start(self) -> datetime:
        return self._start

    @property
    def end(self) -> datetime:
        return self._end

    @property
    def range(self) -> tuple[datetime, datetime]:
        return self._start, self._end

    @property
    def speed(self) -> float:
        """Exercise seconds per real second."""
        return self._speed

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    # -- moving ---------------------------------------------------------------------------
    def set_time(self, moment: datetime) -> None:
        """Move to `moment`, clamped to the range; emits `moved` only if the time changed."""
        self._last = self._clock()  # playback goes on from here, not from the old time
        self._move(self._clamp(_utc(moment)))

    def set_range(self, start: datetime, end: datetime) -> None:
        start, end = self._checked(start, end)
        if (start, end) == (self._start, self._end):
            return
        self._start, self._end = start, end
        self.range_changed.emit(start, end)
        self._move(self._clamp(self._time))

    def go_now(self) -> None:
        """To the wall-clock time (the range's edge if it lies outside)."""
        self.set_time(self._now())

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("the speed must be positive")
        if speed == self._speed:
            return
        if self.playing:
            self.tick()  # the time so far at the old speed
        self._speed = speed
        self.speed_changed.emit(speed)

    # -- playback -------------------------------------------------------------------------
    def play(self) -> None:
        if self.playing:
            return
        if self._time >= self._end:
            self._move(self._start)  # played to the end: play again from the start
        self._last = self._clock()
        self.timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self.tick()
        self._stop()

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def tick(self) -> None:
        """Advance by the real time since the last tick times the speed (the timer calls
        this; tests call it after moving their clock)."""
        if not self.playing:
            return
        now = self._clock()
        elapsed, self._last = max(0.0, now - self._last), now
        moment = self._time + timedelta(seconds=elapsed * self._speed)
        if moment >= self._end:
            self._move(self._end)
            self._stop()
        else:
            self._move(moment)

    # -- internals ------------------------------------------------------------------------
    def _stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.playing_changed.emit(False)

    def _move(self, moment: datetime) -> None:
        if moment != self._time:
            self._time = moment
            self.moved.emit(moment)

    def _clamp(self, moment: datetime) -> datetime:
        return min(max(moment, self._start), self._end)

    @staticmethod
    def _checked(start: datetime, end: datetime) -> tuple[datetime, datetime]:
        start, end = _utc(start), _utc(end)
        if end < start:
            raise ValueError(f"the range ends ({end}) before it starts ({start})")
        return start, end


class TimeCursorBar(QWidget):
    """Play/pause, a slider over the exercise (to the minute), the speed, the time, Now.

    Space plays or pauses wherever the focus is in the bar (but on the speed list, which
    opens with it); the slider takes arrows (10 min), Page Up/Down (an hour), Home and End.
    """

    def __init__(self, cursor: TimeCursor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cursor = cursor
        self._minute = -1  # the slider position shown, to skip redundant updates

        self.play_button = QPushButton()
        self.play_button.setAutoDefault(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setSingleStep(SLIDER_STEP_MIN)
        self.slider.setPageStep(SLIDER_PAGE_MIN)
        self.slider.setAccessibleName("Exercise time")
        self.time_label = QLabel()
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The widest time, so the bar does not shift as the digits change.
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("0000-00-00 00:00Z") + 8)
        self.speed_combo = QComboBox()
        for speed, label in SPEEDS:
            self.speed_combo.addItem(label, speed)
        self.speed_combo.setToolTip("Exercise time per real second while playing")
        self.speed_combo.setAccessibleName("Playback speed")
        self.now_button = QPushButton("&Now")
        self.now_button.setAutoDefault(False)
        self.now_button.setToolTip("Move to the present moment (Alt+N); to the nearest end "
                                   "of the exercise if it lies outside")  # fmt: skip

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time_label)
        layout.addWidget(self.speed_combo)
        layout.addWidget(self.now_button)

        self.play_button.clicked.connect(cursor.toggle)
        self.now_button.clicked.connect(cursor.go_now)
        self.slider.valueChanged.connect(self._slid)
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)
        cursor.moved.connect(self._show_time)
        cursor.range_changed.connect(self._show_range)
        cursor.playing_changed.connect(self._show_playing)
        cursor.speed_changed.connect(self._show_speed)
        self._show_range()
        self._show_playing(cursor.playing)
        self._show_speed(cursor.speed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The slider and the labels pass Space up; the buttons and the combo keep theirs.
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            self.cursor.toggle()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- following the cursor -------------------------------------------------------------
    def _show_range(self, *_: object) -> None:
        cursor = self.cursor
        minutes = int((cursor.end - cursor.start).total_seconds() // 60)
        self._minute = -1
        self.slider.blockSignals(True)
        self.slider.setRange(0, minutes)
        self.slider.blockSignals(False)
        self.slider.setToolTip(f"Exercise time, {timefmt.short(cursor.start)} to "
                               f"{timefmt.short(cursor.end)}: drag, or use the arrow keys "
                               "(10 min), Page Up/Down (1 h), Home and End")  # fmt: skip
        self._show_time(cursor.time)

    def _show_time(self, moment: datetime) -> None:
        minute = int((moment - self.cursor.start).total_seconds() // 60)
        if minute == self._minute:
            return  # the slider and the text change by the minute; playback ticks faster
        self._minute = minute
        self.slider.blockSignals(True)
        self.slider.setValue(minute)
        self.slider.blockSignals(False)
        self.time_label.setText(timefmt.short(moment))
        self.time_label.setToolTip(f"Exercise time shown: {timefmt.dtg(moment)}")

    def _show_playing(self, playing: bool) -> None:
        icon = (QStyle.StandardPixmap.SP_MediaPause if playing
                else QStyle.StandardPixmap.SP_MediaPlay)  # fmt: skip
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setToolTip(("Pause" if playing else "Play the exercise forward")
                                    + " (Space)")  # fmt: skip

    def _show_speed(self, speed: float) -> None:
        index = self.speed_combo.findData(speed)
        if index < 0:  # a speed set in code that no preset names
            self.speed_combo.addItem(f"{speed:g}×", speed)
            index = self.speed_combo.count() - 1
        self.speed_combo.blockSignals(True)
        self.speed_combo.setCurrentIndex(index)
        self.speed_combo.blockSignals(False)

    # -- the user's hand ------------------------------------------------------------------
    def _slid(self, minute: int) -> None:
        self.cursor.set_time(self.cursor.start + timedelta(minutes=minute))

    def _speed_chosen(self, index: int) -> None:
        speed = self.speed_combo.itemData(index)
        if speed is not None:
            self.cursor.set_speed(float(speed))
