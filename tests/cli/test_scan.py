"""oxpack scan: agreement with the target interpreter's own view, on the
machine's real environments, real wheels and several Python versions."""
import glob
import os
import subprocess
import sys
import zipfile

import pytest

from scan_helpers import (WHEEL_DIR, assert_same_modules, oxpack, oxpack_distributions, oxpack_json,
                          oxpack_modules, python_info, python_view, site_packages)

PYENV = os.path.expanduser("~/.pyenv/versions")
PY38 = os.path.join(PYENV, "3.8.18/bin/python3.8")
PY313 = os.path.join(PYENV, "3.13.0/bin/python3.13")


def test_site_packages_agrees_with_python_exactly():
    sp = site_packages()
    scan = oxpack_json("scan", sp, "--json")
    view = python_view("python3", sp)
    assert len(view["modules"]) > 5000  # the real, large site-packages
    assert_same_modules(oxpack_modules(scan), view["modules"])
    ours = oxpack_distributions(scan)
    theirs = {(d["dir"], d["name"], d["version"]) for d in view["distributions"]}
    assert ours == theirs
    assert scan["target"]["extension_suffixes"] == view["extension_suffixes"]
    # every item says what it is, what it is called and where it came from
    for it in scan["items"][:2000]:
        assert it["kind"] and it["name"] and it["path"] and isinstance(it["root"], int)


@pytest.mark.parametrize("python", ["python3", PY38, PY313])
def test_whole_sys_path_agrees_for_each_target(python):
    if not os.path.exists(python) and python != "python3":
        pytest.skip(f"{python} is not installed")
    scan = oxpack_json("scan", "--python", python, "--include-tests", "--json")
    view = python_view(python)
    assert_same_modules(oxpack_modules(scan), view["modules"])
    assert scan["target"]["extension_suffixes"] == view["extension_suffixes"]
    assert {"os", "json", "email.mime.text", "asyncio"} <= set(oxpack_modules(scan))


def test_stdlib_test_suite_left_out_by_default():
    default = oxpack_modules(oxpack_json("scan", "--json"))
    full = oxpack_modules(oxpack_json("scan", "--include-tests", "--json"))
    assert "test" not in default and "idlelib.idle_test" not in default
    assert "test" in full and "test.support" in full and "idlelib.idle_test" in full
    assert "unittest" in default and "idlelib" in default


def test_nested_roots_are_not_walked_twice():
    info = python_info("python3")
    scan = oxpack_json("scan", info["stdlib"], "--json")
    paths = [it["path"] for it in scan["items"]]
    assert not any(p.startswith(("site-packages/", "lib-dynload/")) for p in paths)
    assert any("of its own; not walked as part of" in n["what"] for n in scan["notes"])


def test_a_venv_leaves_out_the_base_site_packages(tmp_path):
    """The stdlib directory holds the base interpreter's site-packages; a
    venv without system site-packages never imports from it, so neither is
    it walked as data of the stdlib root (it was: a 1.2 GB blob for a venv)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    scan = oxpack_json("scan", "--python", venv / "bin" / "python", "--json")
    info = python_info(sys.executable)
    base_site, stdlib = info["site"][0], info["stdlib"]
    roots = [r["path"] if isinstance(r, dict) else r for r in scan["roots"]]
    assert stdlib in roots and base_site not in roots
    under_stdlib = [it["path"] for it in scan["items"] if it["root"] == roots.index(stdlib)]
    assert "os.py" in under_stdlib and not any(p.startswith("site-packages/") for p in under_stdlib)
    assert any(n["path"] == base_site for n in scan["notes"])


def test_debian_wheel_directory_agrees_with_zipimport_view():
    wheels = sorted(glob.glob(os.path.join(WHEEL_DIR, "*.whl")))
    if len(wheels) < 2:
        pytest.skip("python3-pip-whl / python3-setuptools-whl not installed (scripts/setup installs them)")
    scan = oxpack_json("scan", WHEEL_DIR, "--json")
    assert [r["path"] for r in scan["roots"]] == wheels
    assert all(r["type"] == "wheel" for r in scan["roots"])
    mods = oxpack_modules(scan)
    assert {"pip", "pip._internal.cli.main", "setuptools", "pkg_resources"} <= set(mods)
    # Pure wheels are importable with zipimport: Python's own view of them must match.
    view = python_view("python3", *wheels)
    assert_same_modules(mods, view["modules"])
    names = {d for _, d, _ in oxpack_distributions(scan)}
    assert names == {"pip", "setuptools"}


def test_wheel_for_another_python_is_reported_not_packed(tmp_path):
    wheel = tmp_path / "old-1.0-cp27-cp27mu-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("old/__init__.py", "")
        z.writestr("old-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
    r = oxpack("scan", wheel, "--json", check=5)
    import json
    scan = json.loads(r.stdout)
    assert scan["items"] == []
    assert [p["path"] for p in scan["problems"]] == [str(wheel)]
    assert "cp27" in scan["problems"][0]["what"]


def test_wheel_data_dirs_mapped_like_an_installer(tmp_path):
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("demo-1.0.data/purelib/demo_pure.py", "A = 1\n")
        z.writestr("demo-1.0.data/platlib/demo_plat/__init__.py", "")
        z.writestr("demo-1.0.data/scripts/demo", "#!python\n")
        z.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        z.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
        z.writestr("demo-1.0.dist-info/RECORD", "demo-1.0.data/purelib/demo_pure.py,,\n")
        z.writestr("../escape.py", "boom")
    r = oxpack("scan", wheel, "--json", check=5)
    import json
    scan = json.loads(r.stdout)
    by_name = {it["name"]: it for it in scan["items"]}
    assert by_name["demo_pure"]["path"] == "demo-1.0.data/purelib/demo_pure.py"
    assert "package" in by_name["demo_plat"]["flags"]
    assert "demo-1.0.data/scripts/demo" in by_name  # kept as a file, not importable
    assert by_name["demo-1.0.dist-info/METADATA"]["distribution"] == "demo"
    problems = [p for p in scan["problems"]]
    assert len(problems) == 1 and problems[0]["path"].endswith("!../escape.py")
    assert "refused" in problems[0]["what"]
    notes = " ".join(n["path"] for n in scan["notes"])
    assert "demo_plat/__init__.py" in notes  # not listed in RECORD


def test_scan_summary_is_readable():
    r = oxpack("scan", check=0)
    assert "roots:" in r.stdout and "by kind:" in r.stdout and "shadowed names" in r.stdout
    assert "problems (0" in r.stdout
