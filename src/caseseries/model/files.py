"""Writing outputs: atomically (a reader sees the old file or the new one, never half of one), into folders
checked before anything runs; the error every layer raises for an output that cannot be made or written."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from caseseries.model.paths import project_root


class RenderError(Exception):
    """An output that could not be made or written: a render that failed (the message names the case and the
    failing cell), a folder that cannot be written."""


def check_writable(paths: list[Path]) -> None:
    """Refuse, before anything runs, outputs that cannot be written: RenderError naming the first one.

    Each folder is probed by creating and removing a hidden file in it (what the atomic
    write will do), which is the only test that holds for root and read-only mounts alike.
    """
    for path in paths:
        if path.is_dir():
            raise RenderError(f"cannot write {shown(path)}: it is a folder; move it away")
    for folder in dict.fromkeys(p.parent for p in paths):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".caseseries-probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise RenderError(f"cannot write into {shown(folder)}: {reason(exc)}; nothing was rendered") from None


def reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only?)"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and exc.filename:
        return f"{shown(Path(exc.filename))} is not a folder"
    return (exc.strerror or str(exc)).lower()


def shown(path: Path) -> str:
    """The path relative to the project root when inside it, as messages name it."""
    root = project_root()
    path = Path(path)
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else str(path)


def write_atomic(path: Path, text: str) -> None:
    """Write text to path through a temporary file beside it and a rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def holding(folder: Path) -> Iterator[None]:
    """Run the block while holding an exclusive lock on folder, for a writer whose output lists what is in it:
    two of them running at once (the index after the reports and after the exports) then write in turn, and the
    last one sees both. The lock is on the folder itself, so no lock file is left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                raise
            # a shared file system without locks (some cluster mounts): write unlocked, as before the lock
        yield
    finally:
        os.close(fd)
