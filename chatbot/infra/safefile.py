"""Reading a file the program was pointed at, without hanging on it or being flooded by it.

Every file named by a setting, an option or an articles folder is read through ``read_regular``:
``lstat`` first (a FIFO, a device such as /dev/zero, a directory or a socket is refused before it is
opened), symlinks only when allowed, the size checked before reading, a non-blocking open (so a FIFO
swapped in after the check cannot hang the start-up), ``fstat`` on the open descriptor (the file that
is read is the file that was checked), and never more than ``limit`` bytes read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024


class UnsafeFile(ValueError):
    """The path is not a regular file of acceptable size; the message says why, in a few words."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit:,} bytes"


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (after resolving every symlink) lies inside ``folder``."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def read_regular(path: str | os.PathLike[str], limit: int, *, follow_symlinks: bool = True,
                 within: Path | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises ``UnsafeFile`` for anything else (with the reason), ``OSError`` when it cannot be read.
    A symlink is followed only when ``follow_symlinks`` is true and, if ``within`` is given, only to
    a file inside that folder.
    """
    p = Path(path)
    st = os.lstat(p)
    if stat.S_ISLNK(st.st_mode):
        if not follow_symlinks:
            raise UnsafeFile("a symlink (symlinks are not followed)")
        if within is not None and not inside(p, within):
            raise UnsafeFile("a symlink to a file outside the folder")
        st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(_kind(st.st_mode))
    if st.st_size > limit:
        raise UnsafeFile(f"larger than {_size_text(limit)}")
    fd = _open_checked(p, limit, nofollow=False)
    try:
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew after the check
                raise UnsafeFile(f"larger than {_size_text(limit)}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], limit: int, what: str) -> str:
    """A small UTF-8 text file (a BOM is accepted); any problem is a ``ValueError`` naming ``what``."""
    try:
        raw = read_regular(path, limit)
    except FileNotFoundError:
        raise ValueError(f"{what} not found: {path}") from None
    except UnsafeFile as exc:
        raise ValueError(f"{what} {path} is {exc}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{what} {path} is not UTF-8 text") from None


def open_regular(path: str | os.PathLike[str], limit: int) -> BinaryIO:
    """An open binary file, after the same checks as ``read_regular`` (for readers that stream)."""
    p = Path(path)
    st = os.lstat(p)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(_kind(st.st_mode) if not stat.S_ISLNK(st.st_mode) else "a symlink")
    fd = _open_checked(p, limit, nofollow=True)
    try:
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _open_checked(p: Path, limit: int, nofollow: bool) -> int:
    """A descriptor opened without blocking (a FIFO cannot hang), checked again with fstat."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(p, flags | (getattr(os, "O_NOFOLLOW", 0) if nofollow else 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(_kind(st.st_mode))
        if st.st_size > limit:
            raise UnsafeFile(f"larger than {_size_text(limit)}")
    except BaseException:
        os.close(fd)
        raise
    return fd


# -- writing: the one atomic write and the one private folder ---------------------------------------
TMP_PREFIX = ".tmp-"
TMP_SUFFIX = ".part"
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (0700, parents too), or tighten it if it is ours and others may read it."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    st = folder.stat()
    if hasattr(os, "getuid") and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
        folder.chmod(FOLDER_MODE)
    return folder


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` all at once: ``write`` fills a private temporary file beside it (0600), which then
    replaces ``path``. A reader sees the old file or the new one, never half of one; a failure leaves
    the old file and no temporary behind (one left by a killed process is removed by
    ``remove_stale_temporaries``)."""
    import tempfile  # only when writing: its import (random, hashlib) costs start-up time

    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def remove_stale_temporaries(folder: Path, older_than: float = 3600.0) -> None:
    """Remove temporary files a killed process left behind (never one still being written)."""
    import time

    now = time.time()
    try:
        for p in folder.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
            try:
                if now - p.lstat().st_mtime > older_than:
                    p.unlink()
            except OSError:
                continue
    except OSError:
        pass


def tidy_at_start(folders: list[Path], older_than: float = 3600.0) -> None:
    """At start-up, stale temporaries (left by a process killed mid-write) are removed from each of
    ``folders`` and from its direct subfolders (the index's checkpoint folders). Only a folder that is
    ours and that no one else may write to is touched; none is created, no symlink is followed."""
    for folder in dict.fromkeys(folders):
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o022 or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
            continue
        remove_stale_temporaries(folder, older_than)
        try:
            with os.scandir(folder) as entries:
                subfolders = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for sub in subfolders:
            remove_stale_temporaries(sub, older_than)


def usable_cache_dir(folder: Path) -> tuple[Path | None, str]:
    """``folder`` made ready for the cache, or (None, a warning) when it must not be trusted.

    Refused: a folder owned by another user, a folder that group or others can write to, and one
    inside a folder anyone can write to without the sticky bit (it could be swapped). A folder that
    cannot be created (read-only home) is no cache, silently.
    """
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        st = os.stat(folder)
        parent = os.stat(folder.parent)
    except OSError:
        return None, ""
    if not stat.S_ISDIR(st.st_mode):
        return None, ""
    from chatbot.infra.sanitise import clean_line

    shown = clean_line(str(folder))
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        why = "is owned by another user"
    elif st.st_mode & 0o022:
        why = f"can be written by {'others' if st.st_mode & 0o002 else 'its group'} (mode {st.st_mode & 0o777:o})"
    elif parent.st_mode & 0o002 and not parent.st_mode & stat.S_ISVTX:
        why = "is inside a folder anyone can write to"
    else:
        return folder, ""
    return None, (f"cache folder {shown} {why}: not used, the index is built in memory "
                  f"(use a private folder: chmod 700, or set cache_dir)")
