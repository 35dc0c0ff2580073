"""Activation without code changes: `oxpack run`, and the .pth hook that
honours $OXPACK_BLOB in an environment (a venv made here), kept by child
processes: subprocess, multiprocessing spawn and forkserver."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import blobtools

APP = {
    "app/__init__.py": "",
    "app/main.py": ("import sys, json\nimport app.helper\n"
                    "if __name__ == '__main__':\n"
                    "    print(json.dumps({'argv': sys.argv[1:], 'name': __name__, 'spec': __spec__.name,\n"
                    "                      'loader': type(app.helper.__loader__).__name__, 'path0': sys.path[0]}))\n"
                    "    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)\n"),
    "app/helper.py": "VALUE = 'helped'\n",
    "app/fails.py": "raise SystemExit('fails: ' + __name__)\n",
    "app/children.py": (
        "import json, multiprocessing as mp, subprocess, sys\n"
        "def where(_):\n"
        "    import app.helper\n"
        "    return type(app.helper.__loader__).__name__\n"
        "if __name__ == '__main__':\n"
        "    out = {}\n"
        "    for method in ('spawn', 'forkserver'):\n"
        "        with mp.get_context(method).Pool(1) as pool:\n"
        "            out[method] = pool.map(where, [0])[0]\n"
        "    out['subprocess'] = subprocess.run([sys.executable, '-c',\n"
        "        'import app.helper; print(type(app.helper.__loader__).__name__)'],\n"
        "        stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()\n"
        "    print(json.dumps(out))\n"),
}


def oxpack(*args, env=None, cwd=None):
    e = blobtools.env_with_runtime(env)
    e.pop("PYTHONPATH", None)  # `oxpack run` finds the runtime itself
    return subprocess.run([blobtools.OXPACK, *args], env=e, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


@pytest.fixture
def app_blob(tree):
    tree.files(APP)
    return tree.build()


def test_run_module_with_arguments(app_blob, tmp_path):
    r = oxpack("run", app_blob, "--python", sys.executable, "-m", "app.main", "--help", "x", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"argv": ["--help", "x"], "name": "__main__", "spec": "app.main", "loader": "Loader",
                   "path0": str(tmp_path)}
    r = oxpack("run", app_blob, "--python", sys.executable, "-m", "app.main", "7")
    assert r.returncode == 7
    r = oxpack("run", app_blob, "--python", sys.executable, "-m", "app.fails")
    assert r.returncode == 1 and "fails: __main__" in r.stderr


def test_run_script_and_command(app_blob, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys, json, app.helper\nprint(json.dumps([__name__, __file__, sys.argv, "
                      "app.helper.VALUE, sys.path[0]]))\n")
    r = oxpack("run", app_blob, "--python", sys.executable, str(script), "-v", "--flag")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == ["__main__", str(script), [str(script), "-v", "--flag"], "helped", str(tmp_path)]
    r = oxpack("run", app_blob, "--python", sys.executable, "--origin", "blob", "-c",
               "import app.helper, sys; print(app.helper.__file__, sys.argv)", "a")
    assert r.stdout.strip() == "%s/app/helper.py ['-c', 'a']" % app_blob


def test_run_verify_modes(app_blob, tmp_path):
    cache = tmp_path / "cache"
    code = "import os, app.helper; print(app.helper.VALUE, os.environ.get('OXPACK_VERIFY'))"
    r = oxpack("run", app_blob, "--python", sys.executable, "--verify", "once", "-c", code,
               env={"OXPACK_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["helped", "once"]  # children get the same choice
    assert len(os.listdir(str(cache / "verified"))) == 1  # the check is on record
    r = oxpack("run", app_blob, "--python", sys.executable, "--verify", "header", "-c", code)
    assert r.returncode == 0 and r.stdout.split() == ["helped", "header"], r.stderr
    r = oxpack("run", app_blob, "--python", sys.executable, "--verify", "sometimes", "-c", code)
    assert r.returncode == 2 and "--verify" in r.stderr


def test_run_picks_the_interpreter_for_the_blob(app_blob):
    default = shutil.which("python3")
    if default is not None:
        default = subprocess.run([default, "-c", "import sys; print(sys.executable)"], stdout=subprocess.PIPE,
                                 universal_newlines=True).stdout.strip()
    if not default or os.path.realpath(default) != os.path.realpath(sys.executable):
        pytest.skip("the automatic choice is checked under the default python3")
    r = oxpack("run", app_blob, "-m", "app.main")
    assert r.returncode == 0 and json.loads(r.stdout)["loader"] == "Loader", r.stderr


def test_run_refuses_bad_blobs_and_usage(app_blob, tmp_path):
    bad = tmp_path / "bad.oxr"
    bad.write_bytes(b"nope" * 100)
    r = oxpack("run", str(bad), "--python", sys.executable, "-m", "app.main")
    assert r.returncode == 3 and str(bad) in r.stderr and "not an oxpack blob" in r.stderr
    r = oxpack("run", app_blob, "--python", sys.executable)
    assert r.returncode == 2 and "-m MODULE" in r.stderr
    r = oxpack("run", app_blob, "--python", sys.executable, str(tmp_path / "missing.py"))
    assert r.returncode == 3 and "no such script" in r.stderr


def test_run_passes_interpreter_options_through(app_blob, tmp_path):
    """-W, -X, -O, -B, -u, -E, -I, -s... go to python as it takes them,
    combined or apart, attached values or not; the program still runs with
    the blob installed."""
    code = ("import sys, json, app.helper; print(json.dumps([sys.flags.optimize, sys.flags.dont_write_bytecode, "
            "sys.flags.no_user_site, sys.flags.ignore_environment, sys.flags.isolated, sys.warnoptions, "
            "sys.flags.dev_mode, type(app.helper.__loader__).__name__, sys.argv]))")
    r = oxpack("run", app_blob, "--python", sys.executable, "-W", "error::DeprecationWarning", "-Wignore::UserWarning",
               "-X", "dev", "-OO", "-Bs", "-u", "-E", "-c", code, "arg")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [2, 1, 1, 1, 0, ["default", "error::DeprecationWarning", "ignore::UserWarning"],
                                    True, "Loader", ["-c", "arg"]]
    r = oxpack("run", app_blob, "--python", sys.executable, "-I", "-c", code)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[2:5] == [1, 1, 1]
    r = oxpack("run", app_blob, "--python", sys.executable, "-W", "ignore", "-m", "app.main", "5", cwd=str(tmp_path))
    assert r.returncode == 5 and json.loads(r.stdout)["path0"] == str(tmp_path)
    r = oxpack("run", app_blob, "--python", sys.executable, "-Z", "-c", "pass")
    assert r.returncode == 2 and "unknown option '-Z'" in r.stderr
    r = oxpack("run", app_blob, "--python", sys.executable, "-X")
    assert r.returncode == 2 and "-X needs an argument" in r.stderr


def test_run_bootstrap_runs_on_its_own(app_blob, tmp_path):
    """tools/oxpack/run_bootstrap.py, the program `oxpack run` embeds, run
    directly: each mode, and an unusable blob."""
    src = os.path.join(blobtools.REPO, "tools", "oxpack", "run_bootstrap.py")
    with open(src) as f:
        boot = f.read()
    ext = [os.path.join(blobtools.RUNTIME_DIR, n) for n in os.listdir(blobtools.RUNTIME_DIR)
           if n.startswith("oxpack_runtime")][0]

    def run(*args):
        return subprocess.run([sys.executable, "-c", boot, ext, app_blob, "", "warn", "index", "", "", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              env=blobtools.env_with_runtime(), cwd=str(tmp_path))
    r = run("-m", "app.main", "x")
    assert r.returncode == 0 and json.loads(r.stdout)["argv"] == ["x"] and json.loads(r.stdout)["loader"] == "Loader"
    r = run("-c", "import sys, app.helper; print(app.helper.VALUE, sys.argv, __doc__)", "y")
    assert r.stdout == "helped ['-c', 'y'] None\n"
    script = tmp_path / "s.py"
    script.write_text("import sys, app.helper; print(__file__ == sys.argv[0], app.helper.VALUE)\n")
    assert run("script", str(script)).stdout == "True helped\n"
    bad = tmp_path / "bad.oxr"
    bad.write_bytes(b"x" * 200)
    r = subprocess.run([sys.executable, "-c", boot, ext, str(bad), "", "warn", "index", "", "", "-c", "pass"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 3 and "oxpack run:" in r.stderr and str(bad) in r.stderr


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A venv of this interpreter with the oxpack startup hook installed."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = str(path / "bin" / "python")
    r = oxpack("hook", "install", "--python", python, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["installed"] and os.path.isfile(info["pth"]) and os.path.isfile(info["extension"])
    return python


def venv_run(python, code, env=None):
    e = blobtools.env_with_runtime(env)
    e.pop("PYTHONPATH", None)  # the hook's own copy of the runtime must do
    return subprocess.run([python, "-c", code], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


def test_hook_does_nothing_without_the_variable(venv):
    r = venv_run(venv, "import sys; print('oxpack_runtime' in sys.modules)")
    assert r.stdout.strip() == "False" and r.stderr == ""


def test_hook_serves_the_blob_and_children_keep_it(venv, app_blob, tmp_path):
    r = subprocess.run([venv, "-m", "app.children"], env=dict(blobtools.env_with_runtime({"OXPACK_BLOB": app_blob})),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"spawn": "Loader", "forkserver": "Loader", "subprocess": "Loader"}
    # and through oxpack run with the venv's python
    r = oxpack("run", app_blob, "--python", venv, "-m", "app.children", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"spawn": "Loader", "forkserver": "Loader", "subprocess": "Loader"}


def test_hook_with_a_broken_blob_reports_and_continues(venv, tmp_path):
    bad = tmp_path / "bad.oxr"
    bad.write_bytes(b"\x89OXR\r\n" + b"\x00" * 200)
    r = venv_run(venv, "print('still running')", env={"OXPACK_BLOB": str(bad)})
    assert r.returncode == 0 and r.stdout.strip() == "still running"
    assert "oxpack_runtime: OXPACK_BLOB:" in r.stderr and str(bad) in r.stderr


def test_hook_status_and_remove(venv, tmp_path):
    r = oxpack("hook", "status", "--python", venv, "--json")
    assert json.loads(r.stdout)["installed"] is True
    other = tmp_path / "site"
    other.mkdir()
    assert oxpack("hook", "install", "--python", venv, "--site", str(other)).returncode == 0
    assert sorted(os.listdir(str(other)))[1] == "oxpack_runtime.pth"
    r = oxpack("hook", "remove", "--python", venv, "--site", str(other), "--json")
    assert json.loads(r.stdout)["installed"] is False and os.listdir(str(other)) == []


def test_hook_install_again_changes_nothing(venv, tmp_path):
    """A second install with the same runtime leaves the files and the
    directory's mtime alone: a blob frozen after the first is not stale."""
    site = tmp_path / "site"
    site.mkdir()
    assert oxpack("hook", "install", "--python", venv, "--site", str(site)).returncode == 0
    before = {p.name: p.stat().st_ino for p in site.iterdir()}
    dir_mtime = site.stat().st_mtime_ns
    r = oxpack("hook", "install", "--python", venv, "--site", str(site), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["installed"] is True
    assert {p.name: p.stat().st_ino for p in site.iterdir()} == before
    assert site.stat().st_mtime_ns == dir_mtime
    # A changed file is rewritten.
    (site / "oxpack_runtime.pth").write_text("# edited\n")
    assert oxpack("hook", "install", "--python", venv, "--site", str(site)).returncode == 0
    assert "activate_from_env" in (site / "oxpack_runtime.pth").read_text()


def site_of(python):
    return subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()


def new_venv(tmp_path, name):
    path = tmp_path / name
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return str(path / "bin" / "python")


def test_hook_records_what_it_wrote_and_removes_only_that(tmp_path):
    """A venv without a runtime of its own: install copies one in and records
    it; remove deletes the recorded files only, and keeps one changed since
    (issue #10 item 5)."""
    python = new_venv(tmp_path, "plain")
    site = site_of(python)
    with open(os.path.join(site, "unrelated.pth"), "w") as f:
        f.write("# not oxpack's\n")
    r = oxpack("hook", "install", "--python", python, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["runtime_written_by_hook"] is True and os.path.dirname(info["runtime"]) == site
    manifest = open(os.path.join(site, "oxpack_hook.manifest")).read()
    runtime_name = os.path.basename(info["runtime"])
    assert "  oxpack_runtime.pth\n" in manifest and "  %s\n" % runtime_name in manifest
    # Edited after install: remove leaves it, and says so.
    with open(os.path.join(site, "oxpack_runtime.pth"), "a") as f:
        f.write("# edited\n")
    r = oxpack("hook", "remove", "--python", python, "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out["removed"] == [info["runtime"]] and out["kept"] == [os.path.join(site, "oxpack_runtime.pth")]
    assert "changed after oxpack hook wrote it" in r.stderr
    assert sorted(os.listdir(site)) == ["oxpack_runtime.pth", "unrelated.pth"]


def test_hook_leaves_a_runtime_that_pip_installed(tmp_path):
    """A runtime a distribution's RECORD lists (what `pip install oxpack`
    leaves) is used as it is: install does not overwrite it, remove does not
    delete it (issue #10 item 5; tests/packaging does it with the real wheel)."""
    python = new_venv(tmp_path, "piplike")
    site = site_of(python)
    runtime = [n for n in os.listdir(blobtools.RUNTIME_DIR) if n.startswith("oxpack_runtime")][0]
    with open(os.path.join(blobtools.RUNTIME_DIR, runtime), "rb") as f:
        data = f.read()
    with open(os.path.join(site, runtime), "wb") as f:
        f.write(data)
    os.makedirs(os.path.join(site, "oxpack-0.1.0.dist-info"))
    with open(os.path.join(site, "oxpack-0.1.0.dist-info", "RECORD"), "w") as f:
        f.write("%s,sha256=x,%d\noxpack-0.1.0.dist-info/RECORD,,\n" % (runtime, len(data)))
    before = os.stat(os.path.join(site, runtime))
    r = oxpack("hook", "install", "--python", python, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["installed"] and info["runtime"] == os.path.join(site, runtime)
    assert info["runtime_written_by_hook"] is False
    after = os.stat(os.path.join(site, runtime))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert runtime not in open(os.path.join(site, "oxpack_hook.manifest")).read()
    src = tmp_path / "src"
    src.mkdir()
    (src / "hooked_mod.py").write_text("X = 1\n")
    blob = blobtools.build_tree_blob([str(src)], str(tmp_path / "x.oxr"), bytecode="compile")
    r = subprocess.run([python, "-c", "import hooked_mod; print(type(hooked_mod.__loader__).__name__)"],
                       env={"OXPACK_BLOB": blob, "PATH": os.environ["PATH"]}, cwd="/",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0 and r.stdout.strip() == "Loader", r.stderr
    r = oxpack("hook", "remove", "--python", python, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["removed"] == [os.path.join(site, "oxpack_runtime.pth")]
    assert os.path.isfile(os.path.join(site, runtime)) and not os.path.exists(os.path.join(site, "oxpack_hook.manifest"))
    # An old hook without a manifest: its .pth goes, a runtime a RECORD lists stays.
    with open(os.path.join(site, "oxpack_runtime.pth"), "w") as f:
        f.write("import os; os.environ.get('OXPACK_BLOB') and __import__('oxpack_runtime').activate_from_env()\n")
    r = oxpack("hook", "remove", "--python", python)
    assert r.returncode == 0 and not os.path.exists(os.path.join(site, "oxpack_runtime.pth"))
    assert os.path.isfile(os.path.join(site, runtime))
