"""Rendering views offscreen, and starting the console on a good or a bad store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui import app as gui_app
from app.gui import snapshot


def test_snapshot_writes_a_png_of_the_requested_size(
    store: Store, add_movements: Callable[[int], list[str]], tmp_path: Path, qtbot: QtBot
) -> None:
    add_movements(5)
    # A small window (the Movements/Permits tabs need the height of their bar).
    out = snapshot.render(store.path, tmp_path / "shots" / "main.png", size=(1000, 680))
    image = QImage(str(out))
    assert out.stat().st_size > 10_000
    assert (image.width(), image.height()) == (1000, 680)
    # Not a blank canvas: the table and the detail pane put many colours on it.
    colours = {image.pixel(x, y) for x in range(0, 1000, 25) for y in range(0, 680, 25)}
    assert len(colours) > 5


def test_snapshot_renders_the_list_and_the_detail_alone(
    store: Store, add_movements: Callable[[int], list[str]], tmp_path: Path, qtbot: QtBot
) -> None:
    add_movements(3)
    for view in ("movements", "detail"):
        image = QImage(
            str(
                snapshot.render(
                    store.path,
                    tmp_path / f"{view}.png",
                    view=view,
                    at="2027-03-02T12:00:00Z",
                    size=(900, 700),
                )
            )
        )
        assert 0 < image.width() < 900 and image.height() > 300


def test_snapshot_names_the_known_views_and_checks_the_time(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="main, movements, detail"):
        snapshot.render(store.path, tmp_path / "x.png", view="globe")
    with pytest.raises(ValueError, match="UTC offset"):
        snapshot.render(store.path, tmp_path / "x.png", at="2027-03-02T12:00:00")
    assert not (tmp_path / "x.png").exists()


def test_starting_on_a_missing_store_says_why_and_exits_2(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert gui_app.run(tmp_path / "nowhere.db") == 2
    assert shown and "no store at" in shown[0]


def test_the_application_is_named_and_uses_fusion(qtbot: QtBot) -> None:
    app = gui_app.application()
    assert app.applicationName() == "MovCon"
    assert app.organizationName() == "MovCon"
    assert app.style().name().lower() == "fusion"


def test_starting_on_a_store_shows_the_console_until_quit(
    store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def look_and_quit() -> None:
        seen.extend(w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible())
        QApplication.quit()

    QTimer.singleShot(50, look_and_quit)
    assert gui_app.run(store.path) == 0
    assert "MovCon — Vilnius NMCC (LT)" in seen
