"""Running the ``oxpack`` binary: finding it, the console entry point, and
turning a failed run into :class:`OxpackError`.

The wheel ships the C++ binary as ``oxpack/_bin/oxpack``; the ``oxpack``
command on PATH is :func:`main`, which replaces itself with that binary (so
exit codes, signals and the terminal are the binary's own)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]

_BUNDLED = Path(__file__).resolve().parent / "_bin" / "oxpack"


class OxpackError(Exception):
    """A failed ``oxpack`` run: ``exit_code`` is the command's stable exit code
    (2 usage, 3 bad input, 4 I/O error writing output, 70 internal error),
    ``message`` its error line(s), ``stderr`` everything it wrote there."""

    def __init__(self, args: Sequence[str], exit_code: int, stderr: str) -> None:
        lines = [line for line in stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("oxpack: error:") or "internal error" in line]
        message = "\n".join(errors or lines[-3:]) or "exit code %d" % exit_code
        super().__init__("%s (exit %d)" % (message, exit_code))
        self.args_used = list(args)
        self.exit_code = exit_code
        self.message = message
        self.stderr = stderr


def binary() -> str:
    """The ``oxpack`` executable this package uses: ``$OXPACK_BINARY`` when
    set, else the one inside the installed package."""
    given = os.environ.get("OXPACK_BINARY")
    if given:
        return given
    if _BUNDLED.is_file():
        return str(_BUNDLED)
    raise FileNotFoundError(
        "%s: the oxpack binary is missing (this package was not installed from its wheel; "
        "set OXPACK_BINARY to an oxpack executable)" % _BUNDLED)


def run(args: Sequence[Any], *, ok: Sequence[int] = (0,), env: Optional[Dict[str, str]] = None
        ) -> subprocess.CompletedProcess:
    """Runs ``oxpack ARGS`` (text mode, captured; ``env`` added to this
    process's environment); raises OxpackError unless the exit code is in ``ok``."""
    argv = [binary()] + [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          errors="surrogateescape", env=full_env)
    if proc.returncode not in ok:
        raise OxpackError(argv[1:], proc.returncode, proc.stderr)
    return proc


def run_json(args: Sequence[Any], *, ok: Sequence[int] = (0,), env: Optional[Dict[str, str]] = None
             ) -> Tuple[Any, subprocess.CompletedProcess]:
    """``run`` with ``--json`` output decoded."""
    proc = run(args, ok=ok, env=env)
    try:
        return json.loads(proc.stdout), proc
    except ValueError as e:
        raise OxpackError(list(map(str, args)), 70, "oxpack: internal error: output is not JSON (%s)\n%s" %
                          (e, proc.stderr)) from None


def warnings_of(stderr: str) -> List[str]:
    """The warning lines of a run's stderr, without the 'oxpack: warning: ' prefix."""
    prefix = "oxpack: warning: "
    return [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The ``oxpack`` console command: exec the binary with our arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        exe = binary()
    except FileNotFoundError as e:
        sys.stderr.write("oxpack: error: %s\n" % e)
        sys.exit(3)
    try:
        os.execv(exe, [exe] + args)
    except OSError as e:
        sys.stderr.write("oxpack: error: %s: cannot run: %s\n" % (exe, e.strerror))
        sys.exit(3)
