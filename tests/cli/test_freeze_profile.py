"""oxpack freeze --profile / --profile-script / --profile-from: a traced run's
imports and reads decide the payload layout; the same profile gives the same
bytes; without a profile, bytecode comes before sources."""
import json
import os
import sys
import textwrap
import time

import pytest

from scan_helpers import oxpack, oxpack_json

PY = sys.executable


def make_tree(root):
    pkg = root / "app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name in ("a", "m", "z", "unused", "other"):
        (pkg / (name + ".py")).write_text("VALUE = %r\n" % name + "# filler\n" * 50)
    (pkg / "data.txt").write_text("payload data\n")
    (pkg / "more.txt").write_text("never read\n")
    (root / "main.py").write_text(textwrap.dedent("""
        import app.z
        import app.a
        import os
        with open(os.path.join(os.path.dirname(app.__file__), "data.txt")) as f:
            f.read()
        import app.m
        try:
            import app.missing_module
        except ImportError:
            pass
    """))
    return root


def entries(blob):
    return oxpack_json("ls", blob, "--json")


def offsets(blob):
    return {(e["key"], e["kind"]): e["payload_offset"] for e in entries(blob) if e["stored_size"] > 0}


def freeze(tmp, *args, check=0, env=None):
    return oxpack("freeze", str(tmp / "tree"), "--python", PY, "--no-progress", *args, check=check,
                  env=dict({"SOURCE_DATE_EPOCH": "0"}, **(env or {})))


def test_profile_script_orders_recorded_payloads_first(tmp_path):
    tree = make_tree(tmp_path / "tree")
    out, prof = tmp_path / "p.oxr", tmp_path / "p.profile"
    r = freeze(tmp_path, "--profile-script", str(tree / "main.py"), "--profile-out", str(prof), "-o", str(out),
               "--json")
    assert json.loads(r.stdout)["profiled_entries"] >= 4
    lines = prof.read_text().splitlines()
    imports = [l.split(" ", 1)[1] for l in lines if l.startswith("import ")]
    assert imports.index("app") < imports.index("app.z") < imports.index("app.a") < imports.index("app.m")
    assert "app.missing_module" in imports  # failed lookups are recorded too (nothing to place)
    assert "open %s" % (tree / "app" / "data.txt") in lines
    assert not any(l.endswith(".pyc") for l in lines)

    off = offsets(out)
    bc = lambda m: off[(m, "bytecode")]
    assert bc("app") < bc("app.z") < bc("app.a") < bc("app.m")
    # Everything profiled comes before everything that is not (main.py ran
    # as __main__: it was not imported).
    profiled = [bc(m) for m in ("app", "app.z", "app.a", "app.m")]
    rest = [o for (k, kind), o in off.items() if (k, kind) not in
            {(m, "bytecode") for m in ("app", "app.z", "app.a", "app.m")}]
    assert max(profiled) < min(rest)
    # Original mode: the resource is read from disk, not from the blob: not placed.
    assert off[("app/data.txt", "resource")] > bc("app.unused")


def test_profile_in_blob_mode_places_the_files_read(tmp_path):
    tree = make_tree(tmp_path / "tree")
    out = tmp_path / "b.oxr"
    freeze(tmp_path, "--origin", "blob", "--profile-script", str(tree / "main.py"), "-o", str(out))
    off = offsets(out)
    bc = lambda m: off[(m, "bytecode")]
    assert bc("app.a") < off[("app/data.txt", "resource")] < bc("app.m") < bc("app.unused")
    assert off[("app/more.txt", "resource")] > bc("app.unused")


def test_same_profile_same_bytes(tmp_path):
    tree = make_tree(tmp_path / "tree")
    p1, p2 = tmp_path / "1.profile", tmp_path / "2.profile"
    freeze(tmp_path, "--profile-script", str(tree / "main.py"), "--profile-out", str(p1), "-o", str(tmp_path / "1.oxr"))
    freeze(tmp_path, "--profile-script", str(tree / "main.py"), "--profile-out", str(p2), "-o", str(tmp_path / "2.oxr"))
    assert p1.read_text() == p2.read_text()
    assert (tmp_path / "1.oxr").read_bytes() == (tmp_path / "2.oxr").read_bytes()
    freeze(tmp_path, "--profile-from", str(p1), "-o", str(tmp_path / "3.oxr"))
    assert (tmp_path / "3.oxr").read_bytes() == (tmp_path / "1.oxr").read_bytes()
    # A hand-written profile: bare module names.
    (tmp_path / "hand.profile").write_text("# mine\napp.other\napp.a\n\n")
    freeze(tmp_path, "--profile-from", str(tmp_path / "hand.profile"), "-o", str(tmp_path / "h.oxr"))
    off = offsets(tmp_path / "h.oxr")
    assert off[("app.other", "bytecode")] < off[("app.a", "bytecode")] < off[("app", "bytecode")]
    oxpack("verify", str(tmp_path / "h.oxr"), check=0)


def test_default_layout_puts_bytecode_before_sources(tmp_path):
    make_tree(tmp_path / "tree")
    out = tmp_path / "d.oxr"
    freeze(tmp_path, "-o", str(out))
    es = entries(out)
    bytecode = [e["payload_offset"] for e in es if e["kind"] == "bytecode"]
    sources = [e["payload_offset"] for e in es if e["kind"] == "source"]
    resources = [e["payload_offset"] for e in es if e["kind"] == "resource"]
    assert max(bytecode) < min(resources) < min(sources)


def test_profile_command_timeout_keeps_what_was_recorded(tmp_path):
    make_tree(tmp_path / "tree")
    cmd = "cd %s && %s -c 'import app.a, time; time.sleep(60)'" % (tmp_path / "tree", PY)
    t0 = time.monotonic()
    r = freeze(tmp_path, "--profile", cmd, "--profile-timeout", "2", "--profile-out", str(tmp_path / "t.profile"),
               "-o", str(tmp_path / "t.oxr"))
    assert time.monotonic() - t0 < 40
    assert "still running" in r.stderr
    assert "import app.a" in (tmp_path / "t.profile").read_text().splitlines()


def test_profile_problems_are_reported(tmp_path):
    make_tree(tmp_path / "tree")
    # -I ignores PYTHONPATH: nothing can be recorded.
    r = freeze(tmp_path, "--profile", "%s -I -c 'import json'" % PY, "-o", str(tmp_path / "x.oxr"), check=3)
    assert "recorded nothing" in r.stderr and not (tmp_path / "x.oxr").exists()
    # A failing command: a warning with its output, the profile still used.
    r = freeze(tmp_path, "--profile", "cd %s && %s -c 'import app.z; raise SystemExit(7)'" % (tmp_path / "tree", PY),
               "--profile-out", str(tmp_path / "f.profile"), "-o", str(tmp_path / "f.oxr"))
    assert "exited with 7" in r.stderr and "import app.z" in (tmp_path / "f.profile").read_text()
    r = freeze(tmp_path, "--profile-from", str(tmp_path / "nope.profile"), "-o", str(tmp_path / "y.oxr"), check=3)
    assert "nope.profile" in r.stderr
    (tmp_path / "bad.profile").write_text("import a b c\n")
    r = freeze(tmp_path, "--profile-from", str(tmp_path / "bad.profile"), "-o", str(tmp_path / "y.oxr"), check=3)
    assert "bad.profile:1" in r.stderr
    r = freeze(tmp_path, "--profile", "true", "--profile-from", str(tmp_path / "f.profile"), "-o",
               str(tmp_path / "y.oxr"), check=2)


def test_profiling_keeps_the_environments_sitecustomize(tmp_path):
    make_tree(tmp_path / "tree")
    site = tmp_path / "site"
    site.mkdir()
    marker = tmp_path / "marker"
    (site / "sitecustomize.py").write_text("open(%r, 'w').write('ran')\n" % str(marker))
    cmd = "cd %s && %s -c 'import app.m'" % (tmp_path / "tree", PY)
    freeze(tmp_path, "--profile", cmd, "--profile-out", str(tmp_path / "s.profile"), "-o", str(tmp_path / "s.oxr"),
           env={"PYTHONPATH": str(site)})
    assert marker.read_text() == "ran"
    assert "import app.m" in (tmp_path / "s.profile").read_text().splitlines()
