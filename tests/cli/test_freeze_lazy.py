"""oxpack freeze --lazy auto / check, --lazy-include / --lazy-exclude,
oxpack lazy-report and info --lazy: the lazy set chosen from a profiled run
of a small application, checked against its output, and run. (What the
recorder sees on each interpreter: tests/python/test_cli_programs.py.)"""
import json
import sys
import textwrap

from scan_helpers import oxpack, oxpack_json

PY = sys.executable

APP = {
    "app/__init__.py": "",
    "app/unused.py": "VALUE = 'unused'\n",
    "app/used.py": "VALUE = 'used'\n",
    "app/cleanup.py": "import atexit\natexit.register(print, 'cleanup at exit')\n",
    "app/registry.py": "CLASSES = []\n",
    # A registration the recorder cannot see (a class appended to another
    # module's list): only comparing the outputs finds it.
    "app/sneaky.py": "from app.registry import CLASSES\nclass Sneaky:\n    pass\nCLASSES.append(Sneaky)\n",
    "main.py": textwrap.dedent("""
        import app.unused, app.used, app.cleanup, app.sneaky
        import app.registry
        print(app.used.VALUE, len(app.registry.CLASSES))
    """),
}


def make_app(root):
    for name, text in APP.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def freeze(root, *args, check=0):
    return oxpack("freeze", str(root), "--python", PY, "--no-progress", "--profile-script", str(root / "main.py"),
                  *args, check=check, env={"SOURCE_DATE_EPOCH": "0"})


def test_lazy_auto_chooses_unused_modules_without_effects(tmp_path):
    root = make_app(tmp_path / "tree")
    blob, profile = tmp_path / "app.oxr", tmp_path / "app.profile"
    freeze(root, "--lazy", "auto", "--profile-out", profile, "-o", blob)
    # Never used after their import, no effect seen: app.unused, and app.sneaky
    # (its effect is invisible to the recorder); used, or with an effect: not.
    assert oxpack("info", blob, "--lazy").stdout.split() == ["app.sneaky", "app.unused"]
    report = {d["module"]: d for d in oxpack_json("lazy-report", "--profile-from", profile, "--json")}
    assert report["app.unused"]["lazy"] and report["app.unused"]["body_ms"] >= 0
    assert report["app.used"]["reason"] == "used after its import: .VALUE read by __main__"
    assert report["app.cleanup"]["reason"] == "its import has effects: registers an atexit function"
    assert not report["app.registry"]["lazy"]
    # The saved profile gives the same blob.
    again = tmp_path / "again.oxr"
    oxpack("freeze", str(root), "--python", PY, "--no-progress", "--profile-from", profile, "--lazy", "auto",
           "-o", again, env={"SOURCE_DATE_EPOCH": "0"})
    assert again.read_bytes() == blob.read_bytes()
    # Run lazily, the app prints what it printed eagerly except what app.sneaky's
    # deferred registration changes: which is why --lazy check exists.
    eager = oxpack("run", blob, str(root / "main.py")).stdout
    lazy = oxpack("run", blob, "--lazy", "auto", str(root / "main.py")).stdout
    assert eager == "used 1\ncleanup at exit\n" and lazy == "used 0\ncleanup at exit\n"


def test_lazy_check_refuses_a_set_that_changes_the_output_and_names_the_module(tmp_path):
    root = make_app(tmp_path / "tree")
    blob = tmp_path / "app.oxr"
    r = freeze(root, "--lazy", "check", "-o", blob, check=1)
    assert "prints something else with the lazy set (2 modules) than eagerly" in r.stderr
    assert "eager: used 1" in r.stderr and "lazy:  used 0" in r.stderr
    assert "deferring app.sneaky alone makes the difference; --lazy-exclude it" in r.stderr
    assert not blob.exists()
    freeze(root, "--lazy", "check", "--lazy-exclude", "app.sneaky", "-o", blob)
    assert oxpack("info", blob, "--lazy").stdout.split() == ["app.unused"]
    assert oxpack("run", blob, "--lazy", "auto", str(root / "main.py")).stdout == "used 1\ncleanup at exit\n"


def test_include_and_exclude_globs(tmp_path):
    root = make_app(tmp_path / "tree")
    blob = tmp_path / "app.oxr"
    # Without --lazy auto, --lazy-include globs are kept as globs ...
    oxpack("freeze", str(root), "--python", PY, "--no-progress", "--lazy-include", "app.u*", "-o", blob)
    assert oxpack("info", blob, "--lazy").stdout.split() == ["app.u*"]
    # ... and with --lazy-exclude they become the names they match, minus the excluded.
    oxpack("freeze", str(root), "--python", PY, "--no-progress", "--lazy-include", "app.*", "--lazy-exclude",
           "app.s*", "-o", blob)
    assert oxpack("info", blob, "--lazy").stdout.split() == ["app.cleanup", "app.registry", "app.unused",
                                                              "app.used"]
    # --lazy-include adds to a chosen set; --lazy-exclude wins over both.
    freeze(root, "--lazy", "auto", "--lazy-include", "app.used", "--lazy-exclude", "app.unused", "-o", blob)
    assert oxpack("info", blob, "--lazy").stdout.split() == ["app.sneaky", "app.used"]
    assert oxpack_json("info", blob, "--json")["lazy"] == ["app.sneaky", "app.used"]


def test_lazy_auto_needs_a_profile_with_the_analysis(tmp_path):
    root = make_app(tmp_path / "tree")
    r = oxpack("freeze", str(root), "--python", PY, "--lazy", "auto", "-o", tmp_path / "x.oxr", check=2)
    assert "--lazy auto chooses from a profile" in r.stderr
    plain = tmp_path / "plain.profile"
    plain.write_text("import app.unused\n")
    r = oxpack("freeze", str(root), "--python", PY, "--profile-from", plain, "--lazy", "auto", "-o",
               tmp_path / "x.oxr", check=3)
    assert "the profile has no lazy analysis in it" in r.stderr
    r = oxpack("freeze", str(root), "--python", PY, "--profile-from", plain, "--lazy", "check", "-o",
               tmp_path / "x.oxr", check=2)
    assert "--lazy check runs the profiled command again" in r.stderr
    r = oxpack("lazy-report", check=2)
    assert "lazy-report needs a profile" in r.stderr
    assert not (tmp_path / "x.oxr").exists()
