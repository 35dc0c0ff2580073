"""The wheel, installed in a fresh venv with no access to the build tree:
the oxpack command, the Python API, the runtime, the report, what the
binaries load, and the hook leaving pip's runtime alone (issue #12, #10
item 5)."""
import csv
import base64
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, timed

GLIBC = re.compile(r"^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|"
                   r"ld-linux-x86-64\.so\.2|/lib64/ld-linux-x86-64\.so\.2)$")


@pytest.fixture(scope="module")
def app_blob(venv, tmp_path_factory):
    """`oxpack freeze -o app.oxr` of the venv: its python3 is first on PATH."""
    out = tmp_path_factory.mktemp("app") / "app.oxr"
    with timed("oxpack freeze -o app.oxr (the venv)"):
        r = venv.run("oxpack", "freeze", "-o", out, "--no-progress")
    assert r.returncode in (0, 5), r.stderr
    return out


def test_version(venv):
    r = venv.run("oxpack", "--version", check=True)
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"oxpack \d+\.\d+\.\d+", lines[0])
    assert re.search(r"writes oxr 1\.\d+ \(with the index page table\)", r.stdout)
    assert "CPython 3.8 to 3.13" in r.stdout
    # The runtime the wheel installed is the one the binary finds.
    assert "%d.%d" % sys.version_info[:2] in r.stdout.split("present here for ")[1].strip().split(", ")


def test_freeze_and_run(venv, app_blob):
    info = json.loads(venv.run("oxpack", "info", app_blob, "--json", check=True).stdout)
    roots = [r["path"] for r in info["roots"]]
    assert str(venv.site_packages()) in roots
    r = venv.run("oxpack", "run", app_blob, "-c",
                 "import json, oxpack, oxpack_runtime; "
                 "print(type(json.__loader__).__name__, type(oxpack.__loader__).__name__, oxpack.__file__)",
                 check=True)
    loader, oxpack_loader, oxpack_file = r.stdout.split()
    assert loader == "Loader" and oxpack_loader == "Loader"   # served from the blob
    assert oxpack_file.startswith(str(venv.site_packages()))


def test_python_api_round_trip(venv, app_blob, tmp_path):
    code = r"""
import json, sys, sysconfig, oxpack
site = sysconfig.get_paths()["purelib"]
a, b = sys.argv[1], sys.argv[2]
s = oxpack.scan(site)
f = oxpack.freeze(a, site, compress="zstd:3", exclude=["pip.*"])
with oxpack.open(a) as blob:
    entries = blob.entries()
    payload = blob.read("oxpack._commands")
    first = bytes(payload[:40]).decode()
f2 = oxpack.freeze(b, site, compress="zstd:3")
d = oxpack.diff(a, b)
print(json.dumps({"scan": len(s.items), "entries": f.entries, "listed": len(entries),
                  "mv": isinstance(payload, memoryview), "first": first,
                  "added": len(d.added), "added_pip": all(e.key.startswith("pip") for e in d.added if e.space == "module"),
                  "differ": bool(d)}))
"""
    with timed("Python API round trip"):
        r = venv.run(venv.python, "-c", code, tmp_path / "a.oxr", tmp_path / "b.oxr", cwd=tmp_path, check=True)
    out = json.loads(r.stdout)
    assert out["scan"] > 0 and out["entries"] == out["listed"] > 0
    assert out["mv"] and out["first"].startswith('"""oxpack.scan')
    assert out["differ"] and out["added"] > 0 and out["added_pip"]


class _Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.data, self.urls = [], [], None, []
        self._in_data = False

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.urls.append(v)
        if tag == "script" and ("id", "oxpack-data") in attrs:
            self._in_data, self.data = True, ""
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unbalanced </%s> (open: %s)" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data += data


def check_html(path):
    text = Path(path).read_text(encoding="utf-8")
    c = _Checker()
    c.feed(text)
    c.close()
    assert text.startswith("<!doctype html>")
    assert not c.errors and not c.stack, (c.errors, c.stack)
    assert c.urls == [], "the page must load nothing: %s" % c.urls
    assert not re.search(r"https?://", text.replace("http.server", "")), "no network references"
    return json.loads(c.data)


def test_report(venv, app_blob, tmp_path):
    out = tmp_path / "report.html"
    with timed("oxpack report"):
        venv.run("oxpack", "report", app_blob, "-o", out, check=True)
    data = check_html(out)
    assert data["file_size"] == os.path.getsize(app_blob)
    assert data["tree"]["bytes"] == data["file_size"]
    assert data["largest"] and data["order"]["items"]


def test_share_files_and_completions(venv):
    share = venv.root / "share"
    for rel in ("bash-completion/completions/oxpack", "zsh/site-functions/_oxpack",
                "fish/vendor_completions.d/oxpack.fish", "man/man1/oxpack.1"):
        assert (share / rel).is_file(), rel
    r = subprocess.run(["bash", "-c", 'source "$1"; COMP_WORDS=(oxpack rep); COMP_CWORD=1; _oxpack; '
                        'echo "${COMPREPLY[@]}"', "-", str(share / "bash-completion/completions/oxpack")],
                       stdout=subprocess.PIPE, universal_newlines=True)
    assert r.stdout.split() == ["report"]


def ldd(path):
    r = subprocess.run(["ldd", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert r.returncode == 0, r.stdout
    deps = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(\S+)(?: => (\S+|not found))?", line)
        if m:
            deps[m.group(1)] = m.group(2) or m.group(1)
    return deps


def test_binaries_need_nothing_from_the_build_machine(venv):
    """Every library the binary and the runtime load is glibc's or comes
    with the wheel (oxpack.libs/): nothing from Debian's dev packages, no
    libstdc++ (linked statically)."""
    site = venv.site_packages()
    files = [site / "oxpack" / "_bin" / "oxpack"] + list(site.glob("oxpack_runtime*.so"))
    assert len(files) == 2, files
    for f in files:
        for name, where in ldd(f).items():
            if GLIBC.match(name):
                continue
            assert where != "not found", (f, name)
            assert Path(where).resolve().parent == (site / "oxpack.libs").resolve(), (f, name, where)


def test_auditwheel_agrees_on_the_tag(wheel):
    """auditwheel (scripts/setup installs it) finds the wheel consistent with
    a manylinux tag no newer than this machine's glibc."""
    if shutil.which("auditwheel") is None and subprocess.run([sys.executable, "-m", "auditwheel", "--help"],
                                                            stdout=subprocess.DEVNULL).returncode != 0:
        pytest.skip("auditwheel is not installed (scripts/setup installs it)")
    r = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    text = " ".join(r.stdout.split())
    m = re.search(r'consistent with the following platform tag: "manylinux_2_(\d+)_x86_64"', text)
    assert m, r.stdout
    glibc = tuple(int(x) for x in os.confstr("CS_GNU_LIBC_VERSION").split()[1].split("."))
    assert int(m.group(1)) <= glibc[1]


def record_hash(site, name):
    for record in site.glob("*.dist-info/RECORD"):
        with open(record, newline="") as f:
            for row in csv.reader(f):
                if row and row[0] == name:
                    return row[1]
    return None


def file_hash(path):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).rstrip(b"=").decode()


def test_hook_uses_and_keeps_the_pip_installed_runtime(venv, app_blob, tmp_path):
    site = venv.site_packages()
    (runtime,) = site.glob("oxpack_runtime*.so")
    recorded = record_hash(site, runtime.name)
    assert recorded == file_hash(runtime)
    r = venv.run("oxpack", "hook", "install", "--python", venv.python, "--json", check=True)
    status = json.loads(r.stdout)
    assert status["installed"] and Path(status["runtime"]) == runtime and not status["runtime_written_by_hook"]
    assert file_hash(runtime) == recorded                 # pip's file untouched
    r = venv.run(venv.python, "-c", "import json; print(type(json.__loader__).__name__)",
                 env={"OXPACK_BLOB": str(app_blob)}, cwd=tmp_path, check=True)
    assert r.stdout.strip() == "Loader"
    r = venv.run("oxpack", "hook", "remove", "--python", venv.python, "--json", check=True)
    removed = json.loads(r.stdout)
    assert removed["removed"] == [str(site / "oxpack_runtime.pth")]
    assert runtime.is_file() and file_hash(runtime) == recorded
    assert not (site / "oxpack_runtime.pth").exists() and not (site / "oxpack_hook.manifest").exists()
    venv.run(venv.python, "-c", "import oxpack_runtime", check=True)
    r = venv.run(venv.python, "-m", "pip", "check", "--disable-pip-version-check")
    assert r.returncode == 0, r.stdout
