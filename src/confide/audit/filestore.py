"""An audit log in a JSON-lines file: one entry per line, flushed to disk before append returns.

Each line is :meth:`~confide.audit.entry.AuditEntry.to_line`: the entry's canonical JSON and a
newline. :class:`FileAuditStore` is the single writer of a file: it holds an exclusive
``flock`` on it while open (a second writer, in this process or another, gets
:class:`~confide.audit.errors.AuditLockError`), opens it in append mode, and ``fsync``\\ s after
every entry, so an entry that ``append`` returned for survives a crash. Readers
(:func:`read_log`, ``confide audit verify``) take no lock. POSIX only (``fcntl``).

On opening, the store reads the whole file and refuses to extend one that is malformed, whose
last line was cut short, or whose entries do not link up: a log that may have been tampered
with is evidence, and must be looked at (``confide audit verify``) before anything is added.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from confide.audit.canonical import loads_json
from confide.audit.entry import AuditEntry
from confide.audit.errors import AuditFormatError, AuditLockError, AuditStoreError
from confide.audit.heads import Head
from confide.audit.store import check_successor
from confide.errors import ConfigError

__all__ = ["FileAuditStore", "iter_log", "read_log"]


def iter_log(path: str | os.PathLike[str]) -> Iterator[AuditEntry]:
    """The entries of a JSON-lines log, in file order (format checks only, no verification).

    Raises :class:`AuditFormatError` with ``line`` set at the first line that is not an entry
    (an incomplete last line included), and :class:`AuditStoreError` if the file cannot be read.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise AuditStoreError(f"audit log {path} does not exist") from None
    except OSError as exc:
        raise AuditStoreError(f"audit log {path} cannot be read: {exc}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"audit log {path} line {number}"
            if not raw.endswith(b"\n"):
                raise AuditFormatError(
                    f"{where} is incomplete (no newline at the end): a write was cut short, "
                    "or the file was edited",
                    line=number,
                )
            try:
                data = loads_json(raw, where)
            except ConfigError as exc:
                raise AuditFormatError(str(exc), line=number) from None
            try:
                entry = AuditEntry.from_json(data, where)
            except AuditFormatError as exc:
                raise AuditFormatError(str(exc), line=number) from None
            yield entry


def read_log(path: str | os.PathLike[str]) -> list[AuditEntry]:
    """All entries of a JSON-lines log (see :func:`iter_log`)."""
    return list(iter_log(path))


class FileAuditStore:
    """The :class:`~confide.audit.store.AuditStore` of one JSON-lines file, held for writing.

    Use as a context manager, or call :meth:`close`; the lock is released when the file is.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditStoreError(f"audit log {self.path} cannot be opened: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AuditLockError(
                f"audit log {self.path} is already open for writing (by this or another process)"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise AuditStoreError(f"audit log {self.path} cannot be locked: {exc}") from exc
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._broken = False
        try:
            if created:
                _fsync_folder(self.path.parent)
            self._head = self._scan()
        except BaseException:
            self.close()
            raise

    def _scan(self) -> Head | None:
        head: Head | None = None
        for position, entry in enumerate(iter_log(self.path)):
            try:
                check_successor(head, entry)
            except AuditStoreError as exc:
                raise AuditStoreError(
                    f"audit log {self.path} line {position + 1} does not continue the chain "
                    f"({exc}); run `confide audit verify` on it before writing to it"
                ) from None
            head = entry.head
        return head

    def append(self, entry: AuditEntry) -> None:
        """Write ``entry`` as one line and ``fsync`` it; it must continue the chain."""
        with self._lock:
            if self._fd is None:
                raise AuditStoreError(f"audit log {self.path} is closed")
            if self._broken:
                raise AuditStoreError(
                    f"an earlier write to audit log {self.path} failed; reopen it to go on"
                )
            check_successor(self._head, entry)
            data = memoryview(entry.to_line())
            try:
                while data:
                    written = os.write(self._fd, data)
                    data = data[written:]
                os.fsync(self._fd)
            except OSError as exc:
                self._broken = True
                raise AuditStoreError(f"writing audit log {self.path} failed: {exc}") from exc
            self._head = entry.head

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first, read back from the file."""
        return iter_log(self.path)

    def head(self) -> Head | None:
        """The last entry's head, or ``None`` for an empty log."""
        with self._lock:
            return self._head

    def close(self) -> None:
        """Release the lock and close the file (idempotent)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> FileAuditStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FileAuditStore({str(self.path)!r})"


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entry list, so a newly created log file survives a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
