"""Writing outputs safely: whole files, whole folders, and never a user's folder replaced.

Two guarantees, used by every command that writes (``run``, ``compare``, ``report``, ``sweep``
and the commands to come):

* **Atomic files.** :func:`write_bytes_atomic` (and the text, JSON and CSV forms) write to a
  temporary name in the same folder and rename with ``os.replace``: a reader sees the old file
  or the new one, never half. Files get mode ``0666 & ~umask`` (0644 with the usual umask) and
  output folders ``0777 & ~umask`` (0755), like files made by any other tool, so a group can
  read the results.
* **Safe output folders.** :func:`prepare_output_dir` checks an ``--out`` folder *before* the
  work starts, builds the output in a hidden ``.partial`` sibling and renames it into place
  only when complete. It never replaces a folder that ecosim did not write: an existing
  ``--out`` is refused unless ``force`` is given *and* the folder carries ecosim's marker
  (:data:`MARKER`, written into every output folder with the list of its files) and holds
  nothing else. The final rename refuses to replace a folder that appeared meanwhile (another
  run with the same ``--out``), so two runs never silently overwrite each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import fnmatch
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from sim.errors import UserError

#: float format of ``indicators.csv`` and the sweep tables: 10 significant digits, so the same
#: run gives byte-identical files on every platform
FLOAT_FORMAT = "%.10g"

#: marker file written into every output folder ecosim creates: kind, version, file list
MARKER = ".ecosim-output.json"

#: what each kind of folder held before the marker existed (folders of older versions)
LEGACY_FILES: dict[str, frozenset[str]] = {
    "run": frozenset(
        {
            "indicators.csv",
            "run.json",
            "scenario.resolved.yaml",
            "snapshot.json",
            "zgc_index.csv",
            "zgc_index_replicates.csv",
            "sv_dashboard.csv",
            "fit.csv",
            "report.html",
            "figures",
        }
    ),
    "comparison": frozenset(
        {"comparison.csv", "comparison_replicates.csv", "comparison.html", "compare.json"}
    ),
}
#: the file that identifies a legacy folder of each kind
_LEGACY_KEY = {"run": "run.json", "comparison": "compare.json"}

_STAGE_SUFFIX = ".partial"
#: ``.<name>.<pid>.<random>.partial``: the pid tells whether the run that made it is alive
_STAGE_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.partial$")
_REPLACED_SUFFIX = ".replaced"
#: ``.<name>.<pid>.replaced``: an earlier folder moved aside while ``--force`` swaps in its
#: replacement; left only when that run was killed between the two renames
_REPLACED_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.replaced$")


# --------------------------------------------------------------------------- modes


def current_umask() -> int:
    """The process umask, read without changing it when the system allows (thread-safe)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode of an output file: readable like any file the user makes (0644 under umask 022)."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Mode of an output folder (0755 under umask 022)."""
    return 0o777 & ~current_umask()


# --------------------------------------------------------------------------- atomic files


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    ``mkstemp`` creates the file private (0600); it is given the umask-based mode before the
    rename so that every output file is as readable as the user's other files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def read_state_json(path: Path, remedy: str) -> dict[str, Any]:
    """A JSON state file of a resumable folder; a truncated, edited or unreadable one is a
    :class:`UserError` naming the file and ``remedy`` (what the user can do), never a traceback."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(
            f"cannot read {Path(path).name} ({exc}); the file is damaged: {remedy}",
            file=str(path),
        ) from None
    if not isinstance(data, dict):
        raise UserError(f"{Path(path).name} holds no JSON object; {remedy}", file=str(path))
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_csv_atomic(path: Path, df: pd.DataFrame, float_format: str | None = FLOAT_FORMAT) -> None:
    """A CSV file, ``\\n`` line ends, floats to 10 significant digits.

    One format for every CSV ecosim writes (indicators, index, dashboard, fit, facts), so a
    value reads the same in every file; ``float_format=None`` (Python's shortest repr) is left
    for callers that must round-trip floats exactly, such as posterior parameter values.
    """
    text = df.to_csv(index=False, float_format=float_format, lineterminator="\n")
    write_text_atomic(path, text)


# --------------------------------------------------------------------------- rename


def _renameat2() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


_RENAMEAT2 = _renameat2()
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` atomically, raising ``FileExistsError`` if ``dst`` exists.

    ``os.rename`` silently replaces an empty folder (and ``os.replace`` a file); Linux's
    ``renameat2(RENAME_NOREPLACE)`` checks and renames in one step, so a folder another run
    created a moment ago is never replaced. Elsewhere: check, then rename.
    """
    if _RENAMEAT2 is not None:
        rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(err, os.strerror(err), str(dst))
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


# --------------------------------------------------------------------------- output folders


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def ecosim_folder_problem(folder: Path, kind: str) -> str | None:
    """Why ``folder`` may not be replaced as an ecosim ``kind`` folder; None when it may.

    A folder may be replaced only when ecosim wrote it: it holds the marker naming the same
    kind (or, for folders of older versions, the kind's key file) and nothing but the files
    ecosim wrote there (the marker lists them; later ``ecosim report`` files are added to it).
    """
    marker = folder / MARKER
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError as exc:
        return f"cannot list it ({exc.strerror or exc})"
    if marker.is_file():
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
            written = set(meta["files"])
            found_kind = str(meta["kind"])
        except (OSError, ValueError, KeyError, TypeError):
            return f"its marker {MARKER} is unreadable"
        if found_kind != kind:
            return f"it is an ecosim {found_kind} folder, not a {kind} folder"
        allowed = written | {MARKER}
    else:
        key = _LEGACY_KEY.get(kind)
        if key is None or key not in names:
            return f"it was not written by ecosim (no {MARKER})"
        allowed = set(LEGACY_FILES[kind])
    foreign = sorted(names - allowed)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        return f"it holds files ecosim did not write ({shown})"
    return None


def record_outputs(folder: Path, names: Iterable[str]) -> None:
    """Add files written later into an ecosim folder (``ecosim report``) to its marker."""
    marker = Path(folder) / MARKER
    if not marker.is_file():
        return
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
        files = set(meta.get("files", []))
    except (OSError, ValueError, AttributeError):
        return
    new = files | set(names)
    if new != files:
        meta["files"] = sorted(new)
        write_json_atomic(marker, meta)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_leftover_stages(parent: Path) -> list[str]:
    """Tidy what killed runs left in ``parent``; return one note per leftover.

    Two kinds of hidden leftovers carry the pid of the run that made them, so a folder whose
    process is gone can only be the remains of a killed run:

    * ``.<name>.<pid>.<random>.partial``: an output being built; removed.
    * ``.<name>.<pid>.replaced``: an earlier ecosim folder moved aside while ``--force`` swapped
      in its replacement. When ``<name>`` exists the replacement made it and the old folder is
      removed; when it does not (killed between the two renames) the earlier folder is put
      back under its name, so a kill never loses it.

    Leftovers of a live run are left alone; unrecognised names are only reported.
    """
    notes: list[str] = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return notes
    for entry in entries:
        if not entry.name.startswith(".") or not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.endswith(_REPLACED_SUFFIX):
            note = _tidy_replaced(entry)
            if note:
                notes.append(note)
            continue
        if not entry.name.endswith(_STAGE_SUFFIX):
            continue
        match = _STAGE_RE.match(entry.name)
        if match and int(match["pid"]) != os.getpid() and not _pid_alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                notes.append(f"removed {entry}, left by a run that was killed")
                continue
        if match and _pid_alive(int(match["pid"])):
            continue  # another run is writing it right now
        notes.append(f"{entry} looks like the remains of a killed run; remove it if so")
    return notes


def _tidy_replaced(entry: Path) -> str | None:
    """Restore or remove one ``.<name>.<pid>.replaced`` folder (see clean_leftover_stages)."""
    match = _REPLACED_RE.match(entry.name)
    if match is None:
        return f"{entry} looks like the remains of a killed run; remove it if so"
    pid = int(match["pid"])
    if pid == os.getpid() or _pid_alive(pid):
        return None  # that run is swapping it in right now
    original = entry.with_name(match["name"])
    if not os.path.lexists(original):
        try:
            rename_noreplace(entry, original)
        except OSError:
            return f"{entry} holds an earlier output of a killed run; rename it back to {original}"
        return f"put back {original}, moved aside by a run that was killed while replacing it"
    shutil.rmtree(entry, ignore_errors=True)
    if entry.exists():
        return f"{entry} is the remains of a killed run; remove it"
    return f"removed {entry}, the earlier folder a killed run had already replaced"


class OutputDir:
    """An output folder being built; use as a context manager (see :func:`prepare_output_dir`).

    ``stage`` is the hidden folder to fill; ``final`` the folder it becomes (for ``unique``
    default names, possibly with a ``-2``, ``-3`` suffix when the name was taken meanwhile).
    ``notes`` says what was cleaned or noticed (leftovers of killed runs) for the caller to show.
    """

    def __init__(self, final: Path, stage: Path, *, kind: str, force: bool, unique: bool):
        self.final = final
        self.stage = stage
        self.kind = kind
        self.force = force
        self.unique = unique
        self.notes: list[str] = []
        #: folders made for ``final``'s parent, deepest first (removed again on discard)
        self.created_parents: list[Path] = []

    def __enter__(self) -> Path:
        return self.stage

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.discard()
            return
        try:
            self.commit()
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the stage, and the parent folders made for it while they stay empty."""
        shutil.rmtree(self.stage, ignore_errors=True)
        for folder in self.created_parents:
            try:
                folder.rmdir()  # only if empty: another run may have written there meanwhile
            except OSError:
                break

    def commit(self) -> Path:
        """Write the marker and rename the stage into place, never over a foreign folder."""
        files = sorted(p.name for p in self.stage.iterdir())
        from sim import __version__

        write_json_atomic(
            self.stage / MARKER,
            {
                "kind": self.kind,
                "files": files,
                "ecosim": __version__,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        old: Path | None = None
        if self.force and os.path.lexists(self.final):
            problem = _existing_problem(self.final, self.kind)
            if problem is not None:
                raise UserError(f"not replaced: {problem}", file=str(self.final), field="--out")
            old = self.final.parent / f".{self.final.name}.{os.getpid()}.replaced"
            os.rename(self.final, old)
        try:
            self.final = self._rename_into_place()
        except BaseException:
            if old is not None and not os.path.lexists(self.final):
                os.rename(old, self.final)  # put the earlier run back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.final

    def _rename_into_place(self) -> Path:
        candidates = [self.final]
        if self.unique:
            candidates += [self.final.with_name(f"{self.final.name}-{i}") for i in range(2, 1000)]
        for target in candidates:
            try:
                rename_noreplace(self.stage, target)
                return target
            except FileExistsError:
                continue
        # the folder appeared while we worked: keep this run's output beside it, say so
        keep = self.final.with_name(f"{self.final.name}.{os.getpid()}")
        rename_noreplace(self.stage, keep)
        raise UserError(
            "this folder appeared while the work ran (another run with the same --out?) and "
            f"was not replaced; this run's output is in {keep}",
            file=str(self.final),
            field="--out",
        )


def _existing_problem(final: Path, kind: str) -> str | None:
    if final.is_symlink():
        return "it is a symbolic link"
    if not final.is_dir():
        return "it is a file, not a folder"
    return ecosim_folder_problem(final, kind)


def _check_out_path(path: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The absolute output path and its text as given; refuses an empty path and ``.``."""
    text = "" if path is None else os.fspath(path)
    if not text.strip():
        raise UserError("the output folder is empty; give a folder path", field="--out")
    final = Path(os.path.abspath(text))
    shown = text
    cwd = Path.cwd().resolve()
    with contextlib.suppress(OSError):
        if _is_within(cwd, final.resolve()):
            raise UserError(
                "this is the current folder or contains it; ecosim writes its output into a "
                "new folder of its own (e.g. --out runs/my-run)",
                file=shown,
                field="--out",
            )
    return final, shown


def prepare_output_dir(
    path: str | os.PathLike[str] | None,
    *,
    force: bool = False,
    kind: str = "run",
    unique: bool = False,
) -> OutputDir:
    """Check an output folder before any work, and return its staging area.

    Call it before simulating, then fill the folder inside ``with``::

        out = prepare_output_dir(args.out or default, force=args.force, kind="run",
                                 unique=args.out is None)
        for note in out.notes: print(note)
        with out as stage:               # stage: hidden ``.partial`` folder beside the target
            ...                          # simulate, write files into ``stage``
        print("wrote", out.final)        # renamed into place; removed on any exception

    Refused with :class:`UserError` (exit 2), before anything is written:

    * an empty path, the current folder or one of its parents, an existing file, FIFO or
      symbolic link;
    * an existing folder, unless ``force`` is given and ecosim wrote it as a ``kind`` folder
      (its :data:`MARKER` names ``kind`` and it holds nothing else); even then it is replaced
      only at the end, atomically, and re-checked;
    * a place where the staging folder cannot be created (unwritable, ``/proc``, ...).

    ``kind`` names the folder type (``run``, ``comparison``; new commands add their own, e.g.
    ``calibration``): a folder of one kind never replaces another. ``unique`` is for default
    names (``runs/<name>-<timestamp>``): when the name is taken, ``-2``, ``-3``... are added
    instead of failing. Staging folders left by killed runs in the same parent are removed
    (their process is gone) or reported, in ``notes``.
    """
    final, shown = _check_out_path(path)
    if os.path.lexists(final):
        if final.is_symlink():
            raise UserError("is a symbolic link; give a new folder", file=shown, field="--out")
        if not final.is_dir():
            raise UserError(
                "exists and is not a folder; give a new folder", file=shown, field="--out"
            )
        if unique:
            pass  # a fresh default name is chosen at the end
        elif not force:
            problem = ecosim_folder_problem(final, kind)
            hint = (
                f"add --force to replace this earlier ecosim {kind}"
                if problem is None
                else f"ecosim replaces only its own {kind} folders and {problem}"
            )
            raise UserError(
                f"folder already exists; {hint}, or choose another --out",
                file=shown,
                field="--out",
            )
        else:
            problem = ecosim_folder_problem(final, kind)
            if problem is not None:
                raise UserError(
                    f"not replaced even with --force: {problem}; choose another --out",
                    file=shown,
                    field="--out",
                )
    parent = final.parent
    # parents this call creates, deepest first: a discarded output takes them away again
    created = [d for d in (parent, *parent.parents) if not d.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if not parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
        stage = Path(
            tempfile.mkdtemp(
                prefix=f".{final.name}.{os.getpid()}.", suffix=_STAGE_SUFFIX, dir=parent
            )
        )
        os.chmod(stage, dir_mode())
    except OSError as exc:
        raise UserError(
            f"cannot create the output folder here: {exc.strerror or exc}",
            file=shown,
            field="--out",
        ) from None
    out = OutputDir(final, stage, kind=kind, force=force, unique=unique)
    out.created_parents = created
    out.notes = clean_leftover_stages(parent)
    return out


def staged_directory(final: Path, *, kind: str = "run", force: bool = False) -> OutputDir:
    """Shortcut: ``with staged_directory(path) as stage`` (checks, stages, commits)."""
    return prepare_output_dir(final, force=force, kind=kind)


# --------------------------------------------------------------------------- resumable folders


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in patterns)


def resumable_folder_problem(folder: Path, kind: str, key: str, files: Iterable[str]) -> str | None:
    """Why ``folder`` is not an ecosim ``kind`` folder that may be resumed or replaced.

    A resumable folder is filled in place (so a killed search loses no finished run), so its
    marker names the *patterns* of the files the kind writes rather than a final list. Folders
    of older versions have no marker: their ``key`` file (``sweep.json``...) identifies them.
    Either way, a file matching none of the patterns is the user's, and the folder is not ours.
    """
    if folder.is_symlink():
        return "it is a symbolic link"
    if not folder.is_dir():
        return "it is a file, not a folder"
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError as exc:
        return f"cannot list it ({exc.strerror or exc})"
    allowed = {*files, MARKER, ".*.tmp"}
    if MARKER in names:
        try:
            meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
            found_kind = str(meta["kind"])
            allowed |= set(meta["files"])
        except (OSError, ValueError, KeyError, TypeError):
            return f"its marker {MARKER} is unreadable"
        if found_kind != kind:
            return f"it is an ecosim {found_kind} folder, not a {kind} folder"
    elif key not in names:
        return f"it was not written by ecosim (no {MARKER})"
    foreign = sorted(n for n in names if not _matches(n, allowed))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        return f"it holds files ecosim did not write ({shown})"
    return None


class ResumableDir:
    """A checked folder for a command that fills it in place and can ``--resume``.

    :func:`prepare_resumable_dir` checks; :meth:`create` (called once the inputs are known to
    be good, just before the first file is written) makes the folder, first moving an earlier
    folder of the same kind aside when ``--force`` asked to replace it.
    """

    def __init__(
        self, final: Path, *, kind: str, key: str, files: tuple[str, ...], replace: bool
    ) -> None:
        self.final = final
        self.kind = kind
        self.key = key
        self.files = files
        self.replace = replace
        self.notes: list[str] = []

    def create(self) -> Path:
        final = self.final
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if self.replace and os.path.lexists(final):
                self._replace(final)
            else:
                final.mkdir(mode=dir_mode(), exist_ok=True)
            if not (final / MARKER).exists():
                from sim import __version__

                write_json_atomic(
                    final / MARKER,
                    {
                        "kind": self.kind,
                        "files": sorted(self.files),
                        "ecosim": __version__,
                        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    },
                )
        except OSError as exc:
            raise UserError(
                f"cannot create the output folder: {exc.strerror or exc}",
                file=str(final),
                field="--out",
            ) from None
        return final

    def _replace(self, final: Path) -> None:
        """Move the earlier folder aside, make the new one, then remove the earlier one."""
        problem = resumable_folder_problem(final, self.kind, self.key, self.files)
        if problem is not None:  # re-checked: the folder may have changed since
            raise UserError(f"not replaced: {problem}", file=str(final), field="--out")
        old = final.parent / f".{final.name}.{os.getpid()}{_REPLACED_SUFFIX}"
        os.rename(final, old)
        try:
            final.mkdir(mode=dir_mode())
        except BaseException:
            if not os.path.lexists(final):
                os.rename(old, final)  # put the earlier folder back
            raise
        shutil.rmtree(old, ignore_errors=True)


def prepare_resumable_dir(
    path: str | os.PathLike[str] | None,
    *,
    kind: str,
    key: str,
    files: Iterable[str],
    force: bool = False,
    resume: bool = False,
) -> ResumableDir:
    """Check the folder of a resumable command (sweep, calibrate, optimize) before any work.

    The same rules as :func:`prepare_output_dir`: an empty path or the current folder, a file
    or a symbolic link is refused; an existing folder is used only when ecosim wrote it as a
    ``kind`` folder (``key`` names the state file that identifies older ones, ``files`` the
    patterns of every name the kind writes). Then:

    * ``resume``: the folder is continued (the caller checks its state file matches);
      a missing or empty folder simply starts;
    * ``force``: the earlier ``kind`` folder is replaced by a new one (by :meth:`create`);
    * neither: refused, saying ``--resume`` and ``--force``.

    A user's folder (any file ecosim did not write) is never touched, whatever the flags.
    Leftovers of killed runs in the parent are tidied and reported in ``notes``.
    """
    if force and resume:
        raise UserError(
            "--resume finishes this folder and --force starts it again; give one of them",
            field="--force",
        )
    final, shown = _check_out_path(path)
    files = tuple(files)
    replace = False
    if os.path.lexists(final):
        if final.is_symlink():
            raise UserError("is a symbolic link; give a new folder", file=shown, field="--out")
        if not final.is_dir():
            raise UserError(
                "exists and is not a folder; choose another --out", file=shown, field="--out"
            )
        try:
            empty = not any(final.iterdir())
        except OSError as exc:
            raise UserError(
                f"cannot read the folder: {exc.strerror or exc}", file=shown, field="--out"
            ) from None
        if not empty:
            problem = resumable_folder_problem(final, kind, key, files)
            if problem is not None:
                flag = " even with --force" if force else ""
                raise UserError(
                    f"folder exists and is not an ecosim {kind} folder: {problem}; choose "
                    f"another --out (nothing is replaced{flag})",
                    file=shown,
                    field="--out",
                )
            if not resume and not force:
                raise UserError(
                    f"folder already holds an ecosim {kind}; add --resume to finish it, "
                    "--force to start it again, or choose another --out",
                    file=shown,
                    field="--out",
                )
            replace = force
    out = ResumableDir(final, kind=kind, key=key, files=files, replace=replace)
    if final.parent.is_dir():
        out.notes = clean_leftover_stages(final.parent)
    return out


def git_commit(start: Path | None = None) -> str | None:
    """The current git commit of the source tree, when there is one."""
    here = Path(start or Path(__file__).resolve().parent)
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
