"""Where datasets live, and the only code in skcontrast that touches the network.

Lookup order shared by every loader:

1. ``data_home`` passed to the loader (a folder you manage; never written to);
2. the folders listed in the ``SKCONTRAST_DATA`` environment variable
   (``os.pathsep``-separated; never written to);
3. the download cache, :func:`get_cache_dir` (``SKCONTRAST_CACHE``, else
   ``$XDG_CACHE_HOME/skcontrast``, else ``~/.cache/skcontrast``);
4. loader-specific offline sources (e.g. installed data packages);
5. a download into the cache, when ``download=True``.

Downloads are written to a temporary file and moved into place only after they
pass their checks (non-empty, valid zip, expected members, SHA-256 when known), so
an interrupted download never leaves a half-written dataset behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "DatasetNotFoundError",
    "DownloadError",
    "get_cache_dir",
]

DATA_ENV = "SKCONTRAST_DATA"
CACHE_ENV = "SKCONTRAST_CACHE"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is in none of the local places searched and was not downloaded.

    Raised by the loaders with ``download=False``; the message lists the folders
    searched and how to provide the files.

    Examples
    --------
    >>> from skcontrast.datasets import DatasetNotFoundError
    >>> issubclass(DatasetNotFoundError, FileNotFoundError)
    True
    """


class DownloadError(ConnectionError):
    """Downloading a dataset failed (offline, server error, corrupt or unexpected file).

    The message names the dataset, the URL and how to provide the files by hand.

    Examples
    --------
    >>> from skcontrast.datasets import DownloadError
    >>> issubclass(DownloadError, OSError)
    True
    """


def get_cache_dir(cache_dir=None) -> Path:
    """Return the folder downloads are cached in (not created here).

    Parameters
    ----------
    cache_dir : str, path-like or None, default=None
        An explicit folder. When ``None``: the ``SKCONTRAST_CACHE`` environment
        variable, else ``$XDG_CACHE_HOME/skcontrast``, else ``~/.cache/skcontrast``.

    Returns
    -------
    path : pathlib.Path
        The cache folder, with ``~`` expanded.

    Examples
    --------
    >>> from skcontrast.datasets import get_cache_dir
    >>> str(get_cache_dir("/tmp/skc-cache"))
    '/tmp/skc-cache'
    """
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_ENV)
    if not cache_dir:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".cache"
        cache_dir = base / "skcontrast"
    return Path(cache_dir).expanduser()


def search_dirs(data_home=None, cache_dir=None) -> list[tuple[str, Path]]:
    """The (origin, folder) pairs searched before any offline package or download."""
    dirs: list[tuple[str, Path]] = []
    if data_home is not None:
        dirs.append(("data_home", Path(data_home).expanduser()))
    for entry in os.environ.get(DATA_ENV, "").split(os.pathsep):
        if entry.strip():
            dirs.append(("env", Path(entry.strip()).expanduser()))
    dirs.append(("cache", get_cache_dir(cache_dir)))
    return dirs


def check_dataset_name(name) -> str:
    """Refuse names that could escape a folder or a URL path."""
    if not isinstance(name, str) or not _NAME_PATTERN.match(name) or ".." in name:
        raise ValueError(
            f"Invalid dataset name {name!r}: use the archive's name, letters, digits, "
            "'_', '-' and '.' only (e.g. 'ECG200')."
        )
    return name


def _progress_bar(total, description: str, enabled: bool):
    """A tqdm bar when tqdm is installed and wanted, else a no-op with ``update``."""
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            pass
        else:
            return tqdm(total=total, unit="B", unit_scale=True, desc=description, leave=False)

    class _Silent:
        def update(self, n):
            pass

        def close(self):
            pass

    return _Silent()


_NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    OSError,
)


def download_file(
    url: str,
    target: Path,
    *,
    what: str,
    manual_hint: str,
    sha256: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Download ``url`` to ``target`` atomically, checking size and SHA-256 if known.

    ``what`` names the dataset and ``manual_hint`` says how to provide the file
    by hand; both go into the error raised when anything fails.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "skcontrast"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                bar = _progress_bar(int(length) if length else None, what, progress)
                try:
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        bar.update(len(chunk))
                finally:
                    bar.close()
        if size == 0:
            raise DownloadError(f"{url} returned an empty file.")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise DownloadError(
                f"{url} has SHA-256 {digest.hexdigest()}, expected {sha256}; the file "
                "changed on the server or the download is corrupt."
            )
        os.replace(partial, target)
    except DownloadError as exc:
        _remove(partial)
        raise DownloadError(f"Could not download {what}: {exc} {manual_hint}") from exc
    except _NETWORK_ERRORS as exc:
        _remove(partial)
        raise DownloadError(
            f"Could not download {what} from {url} ({type(exc).__name__}: {exc}). {manual_hint}"
        ) from exc
    except BaseException:
        _remove(partial)
        raise
    return target


def _remove(path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def extract_members(
    archive: Path,
    dest: Path,
    select: Callable[[list[str]], dict[str, str]],
    *,
    what: str,
    url: str,
    manual_hint: str,
) -> dict[str, Path]:
    """Check that ``archive`` is a sound zip and extract the members ``select`` picks.

    ``select`` maps the archive's member names to ``{member: output file name}``
    and returns an empty dict when the expected files are absent. Members are
    written flat into ``dest`` under the chosen names, so a crafted member path
    (``../..``) cannot escape the cache.
    """

    def fail(reason: str):
        return DownloadError(f"The file downloaded for {what} from {url} {reason}. {manual_hint}")

    if not zipfile.is_zipfile(archive):
        raise fail("is not a zip archive (an HTML error page or a wrong URL?)")
    try:
        with zipfile.ZipFile(archive) as zf:
            if zf.testzip() is not None:
                raise fail("is a corrupt zip archive")
            names = [info.filename for info in zf.infolist() if not info.is_dir()]
            chosen = select(names)
            if not chosen:
                raise fail(f"does not hold the expected files; it holds {names[:20]}")
            dest.mkdir(parents=True, exist_ok=True)
            written = {}
            for member, out_name in chosen.items():
                out_path = dest / Path(out_name).name
                handle, partial = tempfile.mkstemp(dir=dest, prefix=out_path.name, suffix=".part")
                try:
                    with os.fdopen(handle, "wb") as out, zf.open(member) as src:
                        while chunk := src.read(1 << 16):
                            out.write(chunk)
                    os.replace(partial, out_path)
                except BaseException:
                    _remove(partial)
                    raise
                written[member] = out_path
    except zipfile.BadZipFile as exc:
        raise fail(f"is a corrupt zip archive ({exc})") from exc
    return written
