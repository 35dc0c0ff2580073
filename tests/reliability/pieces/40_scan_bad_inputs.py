#!/usr/bin/env python3
"""Scan-side bad inputs in bulk, generated, run as an unprivileged user.

Each case is a fresh small environment holding good modules and one kind of
bad input, made at a random place with random names and sizes: symlink loops
(to itself, to a parent directory, two links to each other), an unreadable
directory, an unreadable file, file and directory names that are not UTF-8,
wheels that are truncated, have a member failing its CRC, a zip-slip member
name ("../../x.py", "pkg/../../x.py") or an absolute one, the same in a .zip
sys.path entry, and .pyc files with a wrong magic number or truncated
(cached beside a source, or sourceless).

`oxpack scan --json` and `oxpack freeze` run on it as user nobody (setpriv;
the target is /usr/bin/python3, which nobody can run). Goal, per case: both
exit 5; scan lists exactly the expected problems, each with the path of the
bad input (archive!member inside archives), and freeze warns about each
path; the good modules are in the blob, which verifies, and nothing of what
was reported is; nothing is written anywhere but the output (the case's
directory is unchanged but for the blob, and no zip-slip or absolute target
exists).
"""
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

TITLE = "Bad inputs to scan and freeze"
NOBODY = 65534


class Case:
    def __init__(self, d: Path):
        self.dir = d
        self.args = []          # PATHs given to scan/freeze
        self.expect = []        # (path or (prefix, suffix) for non-UTF-8 names, substring of the problem)
        self.keep = set()       # keys that must be in the blob
        self.absent = set()     # keys that must not be
        self.forbid = []        # paths that must not exist afterwards


def ident(rng, n=6):
    return "m" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def good_root(c: Case, rng):
    """A directory root with a package and a module; returns (root, a random directory inside the package)."""
    root = c.dir / "root"
    pkg = ident(rng)
    depth = rng.randint(0, 3)
    where = root / pkg
    (where).mkdir(parents=True)
    (where / "__init__.py").write_text("A = 1\n")
    for _ in range(depth):
        where = where / ident(rng)
        where.mkdir()
        (where / "__init__.py").write_text("")
    (root / "good.py").write_text("GOOD = True\n")
    c.args.append(root)
    c.keep |= {"good", pkg}
    return root, where


def wheel_members(rng, name):
    mod = ident(rng)
    return mod, {
        f"{mod}/__init__.py": f"X = {rng.randint(0, 10**6)}\n",
        f"{mod}/data.txt": "d" * rng.randint(1, 3000),
        f"{name}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\n",
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{name}-1.0.dist-info/RECORD": "",
    }


def write_zip(path, members, stored=False):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for n, text in members.items():
            z.writestr(n, text)


# --- the kinds of bad input --------------------------------------------------

def symlink_self(c, rng, tag):
    root, where = good_root(c, rng)
    link = where / ident(rng)
    os.symlink(link.name, link)
    c.expect.append((link, "symlink loop"))


def symlink_parent(c, rng, tag):
    root, where = good_root(c, rng)
    link = where / ident(rng)
    up = rng.randint(1, len(where.relative_to(root).parts))
    os.symlink("/".join([".."] * up), link)
    c.expect.append((link, "symlink loop"))


def symlink_pair(c, rng, tag):
    root, where = good_root(c, rng)
    a, b = where / ident(rng), where / ident(rng)
    os.symlink(b.name, a)
    os.symlink(a.name, b)
    c.expect += [(a, "symlink loop"), (b, "symlink loop")]


def unreadable_dir(c, rng, tag):
    root, where = good_root(c, rng)
    d = where / ident(rng)
    d.mkdir()
    (d / "inside.py").write_text("")
    os.chmod(d, rng.choice([0o000, 0o700, 0o300]))
    c.expect.append((d, "Permission denied"))


def unreadable_file(c, rng, tag):
    root, where = good_root(c, rng)
    f = where / (ident(rng) + rng.choice([".py", ".txt", ".pyc", ".so"]))
    f.write_bytes(b"secret")
    os.chmod(f, rng.choice([0o000, 0o600, 0o200]))
    c.expect.append((f, "Permission denied"))


def bad_utf8(rng):
    return bytes(rng.choice([0xff, 0xfe, 0xc0, 0x80, 0xed]) for _ in range(rng.randint(1, 3)))


def non_utf8_file(c, rng, tag):
    root, where = good_root(c, rng)
    name = ident(rng).encode() + bad_utf8(rng) + rng.choice([b".py", b".txt", b""])
    with open(os.fsencode(where) + b"/" + name, "wb") as f:
        f.write(b"X = 1\n")
    c.expect.append(((str(where) + "/", name[-3:] if name.endswith(b".py") else b""), "not valid UTF-8"))


def non_utf8_dir(c, rng, tag):
    root, where = good_root(c, rng)
    name = bad_utf8(rng) + ident(rng).encode()
    os.makedirs(os.fsencode(where) + b"/" + name + b"/sub")
    with open(os.fsencode(where) + b"/" + name + b"/sub/x.py", "wb") as f:
        f.write(b"")
    c.expect.append(((str(where) + "/", name[-3:]), "not valid UTF-8"))


def wheel_truncated(c, rng, tag):
    good_root(c, rng)
    name = ident(rng)
    mod, members = wheel_members(rng, name)
    w = c.dir / f"{name}-1.0-py3-none-any.whl"
    write_zip(w, members)
    data = w.read_bytes()
    w.write_bytes(data[: rng.randint(0, len(data) - 1)])
    c.args.append(w)
    c.expect.append((w, "zip"))
    c.absent.add(mod)


def crc_damage(path, rng):
    """Flips one bit inside one member's stored bytes; returns that member's name."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = rng.choice([i for i in z.infolist() if i.file_size > 0])
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26: info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    pos = start + rng.randrange(info.compress_size)
    data[pos] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    return info.filename


def wheel_bad_crc(c, rng, tag):
    good_root(c, rng)
    name = ident(rng)
    mod, members = wheel_members(rng, name)
    members[f"{name}-1.0.dist-info/RECORD"] = "".join(f"{m},,\n" for m in members)
    w = c.dir / f"{name}-1.0-py3-none-any.whl"
    write_zip(w, members, stored=True)
    member = crc_damage(w, rng)
    c.args.append(w)
    c.expect.append((f"{w}!{member}", "CRC"))
    c.absent |= {mod, f"{name}-1.0.dist-info/METADATA"}  # nothing of a damaged wheel


def escaping_names(c, rng, tag, kind):
    """A wheel or .zip root with one member whose name leaves the archive."""
    good_root(c, rng)
    name = ident(rng)
    mod, members = wheel_members(rng, name)
    target = f"oxpack-evil-{tag}.py"
    if kind == "absolute":
        bad = f"/tmp/{target}"
        c.forbid.append(Path(bad))
    else:
        up = rng.randint(1, 4)
        bad = rng.choice(["", f"{mod}/"]) + "../" * (up + (1 if rng.random() < 0.5 else 0)) + target
        for base in (c.dir, Path.cwd(), Path("/tmp")):
            c.forbid.append((base / bad).resolve())
    members[bad] = "import os\n"
    archive = c.dir / (f"{name}-1.0-py3-none-any.whl" if rng.random() < 0.5 else f"{name}.zip")
    with zipfile.ZipFile(archive, "w") as z:
        for n, text in members.items():
            info = zipfile.ZipInfo(n)  # ZipInfo keeps the name as given ('/' and '..' included)
            info.filename = n
            z.writestr(info, text)
    c.args.append(archive)
    c.expect.append((f"{archive}!{bad}", "escapes the archive"))
    c.keep.add(mod)  # the rest of the archive is packed


def zip_slip(c, rng, tag):
    escaping_names(c, rng, tag, "relative")


def absolute_name(c, rng, tag):
    escaping_names(c, rng, tag, "absolute")


def zip_root_bad_crc(c, rng, tag):
    good_root(c, rng)
    z = c.dir / f"{ident(rng)}.zip"
    mods = [ident(rng) for _ in range(3)]
    write_zip(z, {f"{m}.py": f"V = {rng.randint(0, 999)}\n" * rng.randint(1, 50) for m in mods}, stored=True)
    member = crc_damage(z, rng)
    c.args.append(z)
    c.expect.append((f"{z}!{member}", "CRC"))
    bad = member[:-3]
    c.absent.add(bad)
    c.keep |= set(mods) - {bad}


def pyc_header(magic, rng):
    return magic + bytes(4) + rng.randbytes(8)


def pyc_wrong_magic(c, rng, tag, target):
    root, where = good_root(c, rng)
    m = ident(rng)
    (where / f"{m}.py").write_text("Y = 2\n")
    (where / "__pycache__").mkdir()
    pyc = where / "__pycache__" / f"{m}.{target['tag']}.pyc"
    magic = rng.randbytes(2) + b"\r\n"
    while magic == target["magic"]:
        magic = rng.randbytes(2) + b"\r\n"
    pyc.write_bytes(pyc_header(magic, rng) + rng.randbytes(rng.randint(0, 200)))
    c.expect.append((pyc, "wrong magic"))


def pyc_truncated(c, rng, tag, target):
    root, where = good_root(c, rng)
    m = ident(rng)
    (where / f"{m}.py").write_text("Y = 2\n")
    (where / "__pycache__").mkdir()
    pyc = where / "__pycache__" / f"{m}.{target['tag']}.pyc"
    pyc.write_bytes(pyc_header(target["magic"], rng)[: rng.randint(0, 15)])
    c.expect.append((pyc, "truncated"))


def sourceless_bad(c, rng, tag, target):
    root, where = good_root(c, rng)
    m = ident(rng)
    pyc = where / f"{m}.pyc"
    if rng.random() < 0.5:
        pyc.write_bytes(pyc_header(b"BAD!", rng) + rng.randbytes(rng.randint(0, 100)))
        c.expect.append((pyc, "wrong magic"))
    else:
        pyc.write_bytes(pyc_header(target["magic"], rng)[: rng.randint(0, 15)])
        c.expect.append((pyc, "truncated"))


KINDS = [symlink_self, symlink_parent, symlink_pair, unreadable_dir, unreadable_file, non_utf8_file, non_utf8_dir,
         wheel_truncated, wheel_bad_crc, zip_slip, absolute_name, zip_root_bad_crc, pyc_wrong_magic, pyc_truncated,
         sourceless_bad]
NEEDS_TARGET = {pyc_wrong_magic, pyc_truncated, sourceless_bad}
NEEDS_NOBODY = {unreadable_dir, unreadable_file}


# --- running a case -------------------------------------------------------------

def snapshot(d: Path, skip: Path):
    out = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(d)):
        if os.fsencode(skip) == dirpath:
            dirnames[:] = []
            continue
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if p == os.fsencode(skip):
                continue
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def matches(expected, path_text):
    if isinstance(expected, tuple):
        prefix, suffix = expected
        return path_text.startswith(prefix) and path_text.endswith(suffix.decode())
    return path_text == str(expected)


def run_case(kind, c: Case, runner, python, failures, tag):
    out_dir = c.dir / "out"
    out_dir.mkdir(mode=0o777)
    os.chmod(out_dir, 0o777)
    before = snapshot(c.dir, out_dir)
    fail = lambda what: failures.append(f"{kind.__name__} #{tag}: {what}")  # noqa: E731

    scan = subprocess.run(runner + [str(common.OXPACK), "scan", *map(str, c.args), "--python", python, "--json"],
                          capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    if scan.returncode != 5:
        fail(f"scan exit {scan.returncode}, expected 5: {scan.stderr.decode(errors='replace')[-300:]}")
    else:
        problems = json.loads(scan.stdout)["problems"]
        for exp, what in c.expect:
            hits = [p for p in problems if matches(exp, p["path"])]
            if len(hits) != 1 or what not in hits[0]["what"]:
                fail(f"scan: expected one problem '{what}' for {exp}, got {hits}")
        extra = [p for p in problems if not any(matches(e, p["path"]) for e, _ in c.expect)]
        if extra:
            fail(f"scan: unexpected problems {extra}")

    blob = out_dir / "o.oxr"
    freeze = subprocess.run(runner + [str(common.OXPACK), "freeze", *map(str, c.args), "--python", python, "-o",
                                      str(blob), "--no-progress"],
                            capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    if freeze.returncode != 5:
        fail(f"freeze exit {freeze.returncode}, expected 5: {freeze.stderr.decode(errors='replace')[-300:]}")
    warnings = [line.decode(errors="surrogateescape") for line in freeze.stderr.splitlines() if b"warning:" in line]
    for exp, what in c.expect:
        text = str(exp) if not isinstance(exp, tuple) else exp[0]
        if not any(text in w for w in warnings):
            fail(f"freeze: no warning names {text}")
    if blob.exists():
        if common.oxpack("verify", blob).returncode != 0:
            fail("the blob does not verify")
        keys = {e["key"] for e in json.loads(common.oxpack("ls", blob, "--json").stdout)}
        if not c.keep <= keys:
            fail(f"missing from the blob: {sorted(c.keep - keys)}")
        if c.absent & keys:
            fail(f"packed though reported: {sorted(c.absent & keys)}")
    elif freeze.returncode == 5:
        fail("no blob written")
    after = snapshot(c.dir, out_dir)
    if after != before:
        changed = sorted(set(after.items()) ^ set(before.items()))
        fail(f"the input directory changed: {changed[:3]}")
    for p in c.forbid:
        if os.path.lexists(p):
            fail(f"{p} was created")
            os.unlink(p)
    return scan.returncode == 5 and freeze.returncode == 5


def main():
    a = common.args(__doc__, lambda p: p.add_argument("--per-kind", type=int, default=None))
    per_kind = a.per_kind or (1 if a.quick else 25)
    rng = random.Random(a.seed)
    as_nobody = os.geteuid() == 0 and shutil.which("setpriv") and os.path.exists("/usr/bin/python3")
    runner = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    python = "/usr/bin/python3" if as_nobody else shutil.which("python3")
    info = subprocess.run(runner + [python, "-c", "import sys, importlib.util as u; "
                                    "print(sys.implementation.cache_tag); print(u.MAGIC_NUMBER.hex())"],
                          capture_output=True, text=True, check=True).stdout.split()
    target = {"tag": info[0], "magic": bytes.fromhex(info[1])}
    common.log(f"seed {a.seed}, {per_kind} case(s) per kind, as {'nobody' if as_nobody else 'this user'}, "
               f"target {python} ({target['tag']})")
    work = Path(tempfile.mkdtemp(prefix="oxpack-bad-inputs-", dir="/tmp"))
    os.chmod(work, 0o755)
    failures, rows, notes = [], [["bad input", "cases", "scan exit 5", "freeze exit 5", "goal met"]], []
    total = 0
    t0 = time.monotonic()
    try:
        for kind in KINDS:
            if kind in NEEDS_NOBODY and not as_nobody:
                notes.append(f"{kind.__name__}: not run (needs root to run oxpack as nobody)")
                continue
            ok = both = 0
            for i in range(per_kind):
                tag = f"{a.seed}-{total}"
                d = work / f"case{total}"
                d.mkdir()
                os.chmod(d, 0o755)
                c = Case(d)
                (kind(c, rng, tag, target) if kind in NEEDS_TARGET else kind(c, rng, tag))
                n_before = len(failures)
                both += run_case(kind, c, runner, python, failures, tag)
                ok += len(failures) == n_before
                total += 1
                subprocess.run(["chmod", "-R", "u+rwx", str(d)], capture_output=True)
                shutil.rmtree(d, ignore_errors=True)
            rows.append([kind.__name__.replace("_", " "), per_kind, both, both, ok])
            common.log(f"{kind.__name__}: {ok}/{per_kind}")
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(work)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    common.finish(
        TITLE, "tests/reliability/pieces/40_scan_bad_inputs.py" + (" --quick" if a.quick else ""),
        f"{total} generated environments, {per_kind} per kind of bad input, each a fresh directory root (a package "
        "of random depth and a module) plus the bad input at a random place with random names and sizes; "
        "`oxpack scan --json` and `oxpack freeze` run on it "
        + ("as user nobody (setpriv), target /usr/bin/python3. " if as_nobody else "as this user. ")
        + "Per case: both exit 5; scan lists exactly the expected problems, each with the bad input's path "
        "(archive!member inside archives), and freeze warns about each; the good modules are in the blob, which "
        "verifies, and nothing reported is packed (nothing of a wheel with a damaged member); nothing is written "
        "outside the output (the case's directory is unchanged but for the blob; no zip-slip or absolute "
        "target exists).",
        total, failures, table=rows, notes=notes, quick=a.quick, seed=a.seed, seconds=round(time.monotonic() - t0, 1))


if __name__ == "__main__":
    main()
