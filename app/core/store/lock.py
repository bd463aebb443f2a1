"""One MovCon per store: an advisory lock on `<store>.lock`, held while the store is open.

The OS lock (flock on POSIX, msvcrt byte lock on Windows) is what excludes; the file's text
only says who holds it. A process that dies loses its lock with it, so a lock file left
behind is taken over rather than trusted.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from app.core.store.store import StoreError

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

# Windows byte locks are mandatory: the locked byte sits far past the text, so a refused
# process can still read who holds the store.
_WIN_LOCK_OFFSET = 1 << 20
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS}


class StoreLocked(StoreError):
    """The store is open in another MovCon; the message names the holder."""

    def __init__(self, path: Path, holder: dict[str, object] | None) -> None:
        self.path = path
        self.holder = holder or {}
        super().__init__(f"the store {path} is open in another MovCon ({describe(holder)})")


def lock_path(store_path: str | Path) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + ".lock")


def describe(holder: dict[str, object] | None, now: datetime | None = None) -> str:
    """'pid 1234 on host, since 12:03Z' from the lock file's text, or what is known of it."""
    if not holder:
        return "holder unknown"
    parts = [f"pid {holder.get('pid', '?')} on {holder.get('host') or 'an unknown host'}"]
    since = holder.get("since")
    if isinstance(since, str):
        try:
            moment = datetime.fromisoformat(since).astimezone(timezone.utc)
        except ValueError:
            moment = None
        if moment is not None:
            today = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()
            form = "%H:%MZ" if moment.date() == today else "%Y-%m-%d %H:%MZ"
            parts.append(f"since {moment.strftime(form)}")
    return ", ".join(parts)


class StoreLock:
    """An exclusive lock on the store at `store_path`: `with StoreLock(p): ...`."""

    def __init__(self, store_path: str | Path) -> None:
        self.store_path = Path(store_path)
        self.path = lock_path(self.store_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> dict[str, object] | None:
        """What the lock file says of its holder (None when absent or unreadable)."""
        try:
            text = self.path.read_text(encoding="utf-8")
            found = json.loads(text)
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def acquire(self) -> StoreLock:
        """Take the lock or raise `StoreLocked`; a file whose lock nobody holds is taken over."""
        if self._fd is not None:
            return self
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StoreError(f"cannot lock {self.store_path}: cannot write "
                                 f"{self.path} ({exc.strerror})") from None
            try:
                locked = _try_lock(fd)
            except BaseException:
                os.close(fd)
                raise
            if not locked:
                os.close(fd)
                raise StoreLocked(self.store_path, self.holder())
            # A holder releasing unlinks its file; if we locked that unlinked file while a
            # third process made a new one, we hold nothing. Try again on the new file.
            if sys.platform != "win32" and not _same_file(fd, self.path):
                os.close(fd)
                continue
            self._fd = fd
            self._write_holder()
            return self
        raise StoreError(f"cannot lock {self.store_path}: {self.path} keeps changing")

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Unlink before closing (POSIX) so no one locks a file we are about to remove;
        # Windows cannot remove an open file, so there it goes after the close, if it can.
        if sys.platform != "win32":
            self.path.unlink(missing_ok=True)
            os.close(fd)
            return
        _unlock_windows(fd)
        os.close(fd)
        with contextlib.suppress(OSError):  # another MovCon has just opened it to take over
            self.path.unlink(missing_ok=True)

    close = release

    def _write_holder(self) -> None:
        assert self._fd is not None
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                           "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           "store": str(self.store_path)})
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, text.encode("utf-8"))

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def __del__(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):  # the OS lock goes; the file stays to be taken over
                os.close(self._fd)


def _try_lock(fd: int) -> bool:
    """True when this fd now holds the lock, False when another does."""
    if sys.platform == "win32":
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        if exc.errno in _NO_LOCKS:
            return True  # a filesystem without locks (some network shares): do not refuse work
        raise
    return True


def _unlock_windows(fd: int) -> None:
    if sys.platform == "win32":
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):  # closing the file releases it anyway
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)
