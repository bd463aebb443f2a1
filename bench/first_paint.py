"""Store open to the first paint of the main window, on a 10,000-movement store.

Beside it, in the same process, a bare PySide6 main window of the same size from `show()` to
its first paint: the floor any console window pays. Qt runs offscreen.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QWidget

from bench.report import table

TARGET_S = 1.5


def _first_frame(window: QWidget) -> None:
    """Show the window and render its first complete frame.

    Offscreen there is no compositor to report a frame; rendering the whole window once
    (what `grab()` does, through every child's paintEvent) is the same work.
    """
    window.show()
    QApplication.instance().processEvents()
    if window.grab().isNull():
        raise RuntimeError("the window rendered nothing")


def _settle_plan(window: QWidget) -> None:
    from app.gui import workers

    deadline = time.perf_counter() + 120
    while window.planning.current is None and time.perf_counter() < deadline:
        QApplication.instance().processEvents()
        time.sleep(0.01)
    workers.wait_all(120)


def bare_window() -> float:
    start = time.perf_counter()
    window = QMainWindow()
    window.resize(1400, 850)
    _first_frame(window)
    elapsed = time.perf_counter() - start
    window.close()
    window.deleteLater()
    return elapsed


def console_window(path: Path) -> float:
    from app.core.store import Store
    from app.gui.main_window import MainWindow
    from app.gui.models.movement_table import MovementTableModel

    start = time.perf_counter()
    store = Store.open(path, check="quick")
    window = MainWindow(store)
    _first_frame(window)
    elapsed = time.perf_counter() - start
    rows = max(view.model().rowCount() for view in window.findChildren(QTableView)
               if isinstance(view.model(), MovementTableModel))
    # Planning starts after the first frame; let it finish so it does not weigh on the
    # next measurement.
    _settle_plan(window)
    window.close()
    window.deleteLater()
    store.close()
    if rows == 0:
        raise RuntimeError("the console painted no movements")
    return elapsed


def run(movements: int = 10_000, repeat: int = 5) -> tuple[str, dict[str, float]]:
    from app.core import synthetic
    from app.gui.app import application

    application()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        synthetic.generate(path, movements, seed=1)
        made = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        bare = [bare_window() for _ in range(repeat)]
        console = [console_window(path) for _ in range(repeat)]
    figures = {"bare_s": statistics.median(bare), "console_s": statistics.median(console),
               "console_first_s": console[0], "store_mb": size_mb, "generate_s": made}
    figures["ratio"] = figures["console_s"] / figures["bare_s"]
    rows = [
        ("bare PySide6 main window", f"{figures['bare_s'] * 1000:.0f}", "1.0x", ""),
        (f"console on {movements:,} movements (median)", f"{figures['console_s'] * 1000:.0f}",
         f"{figures['ratio']:.1f}x", f"< {TARGET_S * 1000:.0f} ms"),
        ("console, first of the run", f"{figures['console_first_s'] * 1000:.0f}", "", ""),
    ]  # fmt: skip
    text = table(f"Store open to first paint (store {size_mb:.0f} MB, written in {made:.1f} s; "
                 f"median of {repeat})", rows, ("window", "ms", "ratio", "target"))
    return text, figures


if __name__ == "__main__":
    print(run()[0])
