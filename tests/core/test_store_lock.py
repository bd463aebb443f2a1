"""One MovCon per store: the lock file beside it refuses a second holder, names the first."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.core.store import StoreError
from app.core.store.lock import StoreLock, StoreLocked, describe, lock_path


def test_the_lock_file_sits_beside_the_store_and_names_its_holder(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    with StoreLock(store) as lock:
        assert lock.path == tmp_path / "cell.db.lock" == lock_path(store)
        said = json.loads(lock.path.read_text(encoding="utf-8"))
        assert said["pid"] == os.getpid()
        assert said["host"] == socket.gethostname()
        assert datetime.fromisoformat(said["since"]).tzinfo is not None
    assert not lock.path.exists()  # a clean close leaves nothing behind


def test_a_second_lock_on_the_same_store_is_refused_naming_the_first(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    first = StoreLock(store).acquire()
    second = StoreLock(store)
    with pytest.raises(StoreLocked) as refused:
        second.acquire()
    message = str(refused.value)
    assert isinstance(refused.value, StoreError)
    assert message.startswith(f"the store {store} is open in another MovCon (pid {os.getpid()} "
                              f"on {socket.gethostname()}, since ")
    assert message.endswith("Z)")
    assert refused.value.holder["pid"] == os.getpid()
    assert not second.held
    first.release()
    second.acquire()  # released: another may take it
    assert second.held
    with pytest.raises(StoreLocked):
        StoreLock(store).acquire()
    second.release()


def test_a_lock_held_by_another_process_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    code = ("import sys, time\nfrom app.core.store.lock import StoreLock\n"
            f"lock = StoreLock({str(store)!r}).acquire()\nprint('held', flush=True)\n"
            "sys.stdin.readline()\nlock.release()\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[2])
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(StoreLocked, match=f"pid {child.pid} on "):
            StoreLock(store).acquire()
    finally:
        child.communicate("\n", timeout=30)
    with StoreLock(store) as lock:
        assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_a_stale_lock_file_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    lock_path(store).write_text(json.dumps({"pid": 999999, "host": "gone",
                                            "since": "2026-01-01T00:00:00+00:00"}))
    with StoreLock(store) as lock:
        said = json.loads(lock.path.read_text(encoding="utf-8"))
        assert said["pid"] == os.getpid() and said["host"] != "gone"


def test_a_killed_holder_leaves_a_file_that_is_taken_over(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    code = ("import os\nfrom app.core.store.lock import StoreLock\n"
            f"StoreLock({str(store)!r}).acquire()\nos._exit(0)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
    assert lock_path(store).exists()  # died without releasing
    with StoreLock(store) as lock:
        assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_an_unreadable_holder_is_still_refused(tmp_path: Path) -> None:
    store = tmp_path / "cell.db"
    with StoreLock(store) as first:
        os.truncate(first.path, 0)
        with pytest.raises(StoreLocked, match=r"another MovCon \(holder unknown\)"):
            StoreLock(store).acquire()


def test_a_folder_that_cannot_hold_the_lock_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot lock"):
        StoreLock(tmp_path / "no such folder" / "cell.db").acquire()


def test_the_holder_is_described_with_the_day_when_not_today() -> None:
    now = datetime(2026, 6, 9, 15, 0, tzinfo=timezone.utc)
    holder = {"pid": 1234, "host": "nmcc-02", "since": "2026-06-09T12:03:41+00:00"}
    assert describe(holder, now) == "pid 1234 on nmcc-02, since 12:03Z"
    holder["since"] = "2026-06-08T14:03:00+02:00"
    assert describe(holder, now) == "pid 1234 on nmcc-02, since 2026-06-08 12:03Z"
    assert describe({"pid": 7}, now) == "pid 7 on an unknown host"
