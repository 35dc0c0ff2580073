"""oxpack info --tree and oxpack report: the tree of a blob's bytes (its
total is the file size), the HTML page (self-contained, valid, its data
right), the profiled prefix of the payload order, and the page rendered by a
real browser (Debian's chromium, headless) without console errors."""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def leaves(node, depth=0):
    if not node.get("children"):
        yield depth, node
    for c in node.get("children", []):
        yield from leaves(c, depth + 1)


def check_sorted(node):
    kids = node.get("children", [])
    assert [k["bytes"] for k in kids] == sorted((k["bytes"] for k in kids), reverse=True), node["name"]
    assert sum(k["bytes"] for k in kids) == node["bytes"] or not kids, node["name"]
    for k in kids:
        check_sorted(k)


@pytest.fixture(scope="module")
def app(tmp_path_factory, oxpack):
    """A small application frozen twice: default layout and with a profile
    (a saved one: `import` lines), plus a payload two entries share."""
    base = tmp_path_factory.mktemp("report")
    site = base / "site"
    files = {
        "app/__init__.py": "from . import core\n",
        "app/core.py": "import json\nVALUE = 1\n",
        "app/big.py": "".join("def f%d(): return %d\n" % (i, i) for i in range(2000)),
        "app/data/table.csv": "a,b\n" * 500,
        "app/data/copy.csv": "a,b\n" * 500,
        "zz_late.py": "import app\n",
        "app-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: app\nVersion: 1.0\n",
        "app-1.0.dist-info/RECORD": "",
    }
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    plain, profiled = base / "plain.oxr", base / "profiled.oxr"
    assert oxpack("freeze", site, "--python", sys.executable, "-o", plain, "-q").returncode == 0
    profile = base / "app.profile"
    profile.write_text("import zz_late\nimport app\nimport app.core\n")
    assert oxpack("freeze", site, "--python", sys.executable, "--profile-from", profile, "-o", profiled,
                  "-q").returncode == 0
    return plain, profiled


def test_info_tree_json_accounts_for_every_byte(oxpack, app):
    plain, _ = app
    r = oxpack("info", "--tree", "--json", plain)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    tree = j["tree"]
    assert j["file_size"] == os.path.getsize(plain) == tree["bytes"]
    check_sorted(tree)
    names = [c["name"] for c in tree["children"]]
    assert "(header and index)" in names
    root = next(c for c in tree["children"] if c.get("children"))
    packages = {c["name"]: c for c in root["children"]}
    assert {"app", "zz_late"} <= set(packages)
    assert {k["name"] for k in packages["app"]["children"]} >= {"source", "bytecode", "resource", "metadata"}
    csv_bytes = len("a,b\n" * 500)
    res = next(k for k in packages["app"]["children"] if k["name"] == "resource")
    assert res["entries"] == 2 and res["bytes"] == csv_bytes     # two identical payloads, stored once
    assert abs(sum(c["percent"] for c in tree["children"]) - 100.0) < 0.01


def test_info_tree_text(oxpack, app):
    plain, _ = app
    r = oxpack("info", "--tree", plain)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith(str(plain)) and "100.0%" in lines[0]
    assert any(re.match(r"^    app\s+\d", line) for line in lines)
    assert any(re.match(r"^      bytecode\s+\d", line) for line in lines)
    shallow = oxpack("info", "--tree", "--depth", "1", plain).stdout.splitlines()
    assert all(not line.startswith("    ") for line in shallow) and len(shallow) < len(lines)


class Page(html.parser.HTMLParser):
    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.urls, self.data, self.ids = [], [], [], None, set()
        self._data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if "id" in a:
            self.ids.add(a["id"])
        self._data = tag == "script" and a.get("id") == "oxpack-data"
        if self._data:
            self.data = ""
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(tag)
        self._data = False

    def handle_data(self, d):
        if self._data:
            self.data += d


def parse(path):
    p = Page()
    text = Path(path).read_text(encoding="utf-8")
    p.feed(text)
    p.close()
    assert text.startswith("<!doctype html>")
    assert not p.errors and not p.stack
    assert p.urls == [] and not re.search(r"https?://", text), "the page fetches nothing"
    return p, json.loads(p.data)


def test_report_page_and_profile_order(oxpack, app, tmp_path):
    plain, profiled = app
    out = tmp_path / "plain.html"
    r = oxpack("report", plain, "-o", out)
    assert r.returncode == 0, r.stderr
    page, data = parse(out)
    assert {"treemap", "largest", "shared", "order", "kinds"} <= page.ids
    assert data["file_size"] == os.path.getsize(plain) == data["tree"]["bytes"]
    assert data["largest"][0]["key"] == "app.big"
    assert data["shared"] and data["shared"][0]["refs"] == 2 and data["shared"][0]["copies"] == 1
    assert data["order"]["out_of_default_order"] == 0
    assert data["order"]["items"][0]["kind"] == "bytecode"
    # With the profile, start-up's modules come first, in its order.
    r = oxpack("report", profiled, "-o", "-")
    assert r.returncode == 0
    data = json.loads(re.search(r'id="oxpack-data">(.*?)</script>', r.stdout, re.S).group(1))
    keys = [i["key"] for i in data["order"]["items"]]
    assert keys[:3] == ["zz_late", "app", "app.core"]
    assert data["order"]["out_of_default_order"] == 3
    # A name that could end the script element is escaped.
    assert "</script" not in json.dumps(data)


def test_report_errors(oxpack, app, tmp_path):
    plain, _ = app
    r = oxpack("report", tmp_path / "missing.oxr", "-o", tmp_path / "r.html")
    assert r.returncode == 3 and "missing.oxr" in r.stderr and not (tmp_path / "r.html").exists()
    r = oxpack("report", plain, "-o", tmp_path)            # a directory is refused, not replaced
    assert r.returncode == 3
    r = oxpack("report", plain)
    assert r.returncode == 2


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,1500"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_report_renders_in_a_browser(oxpack, tmp_path):
    """The stdlib blob's page in headless chromium: the treemap is drawn
    (the script marks how many boxes) and the console shows no error."""
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed (scripts/setup installs it for this test)")
    blob = os.environ.get("OXPACK_FIXTURE_ENV")
    if not blob or not os.path.isfile(blob):
        blob = str(tmp_path / "std.oxr")
        import sysconfig
        assert oxpack("freeze", os.path.join(sysconfig.get_paths()["stdlib"], "json"), "--python", sys.executable,
                      "-o", blob, "-q").returncode == 0
    page = tmp_path / "report.html"
    assert oxpack("report", blob, "-o", page).returncode == 0
    r = subprocess.run([browser, *CHROMIUM_FLAGS, "--user-data-dir=%s" % (tmp_path / "profile"),
                        "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r'<body[^>]*data-rendered="(\d+)"', r.stdout)
    assert m and int(m.group(1)) > 10, r.stdout[:2000]
    assert r.stdout.count('class="tm ') == int(m.group(1))
    console = [line for line in r.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
