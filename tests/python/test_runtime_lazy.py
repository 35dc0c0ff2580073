"""install(lazy=...): module bodies run on first use. Each hazard on its own
fixture: a body with effects, a body that fails, circular imports, `from pkg
import sub`, module __getattr__, `import a.b.c` chains, threads racing to
first use, reload, tracebacks and inspect, multiprocessing children, and the
blob's recorded set (freeze --lazy-include)."""
import json
import os
import subprocess
import sys

import blobtools
from blobtools import run_json, run_py

# Every module body appends its name to the shared log when it runs.
LOG = "import builtins\nbuiltins.__dict__.setdefault('RAN', []).append(__name__)\n"

FIXTURE = {
    "lz/__init__.py": LOG + "PKG = 'pkg'\n",
    "lz/plain.py": LOG + "VALUE = 42\ndef f():\n    return VALUE + 1\n",
    "lz/fails.py": LOG + "VALUE = 1\nraise ValueError('body failed: ' + __name__)\n",
    "lz/getattr_mod.py": LOG + "def __getattr__(name):\n    return 'dynamic ' + name\n",
    "lz/circ_a.py": LOG + "import lz.circ_b as b\nA = 'a'\ndef use():\n    return b.B\n",
    "lz/circ_b.py": LOG + "import lz.circ_a as a\nB = 'b'\ndef use():\n    return a.A\n",
    "lz/deep/__init__.py": LOG,
    "lz/deep/er/__init__.py": LOG,
    "lz/deep/er/est.py": LOG + "WHERE = __name__\n",
    "lz/slow.py": LOG + "import time\ntime.sleep(0.2)\nCOUNT = len([n for n in RAN if n == __name__])\n",
    "lz/traced.py": LOG + "def boom():\n    raise RuntimeError('from the lazy body')  # a line to show\n",
    "lz/sub_user.py": LOG + "from lz import plain\nTWICE = plain.VALUE * 2\n",
    "lz/data.txt": "data\n",
    # mpmath.functions' pattern: a package whose body imports the modules
    # that register into a sibling's table, which another module reads.
    "lz/reg/__init__.py": LOG + "from . import table\nfrom . import plugin\n",
    "lz/reg/table.py": LOG + "REGISTRY = {}\n",
    "lz/reg/plugin.py": LOG + "from .table import REGISTRY\nREGISTRY['plugin'] = __name__\n",
    # six's pattern: a module that makes itself a package in its body and
    # serves its submodules from a meta path finder it registers.
    "lz/sixlike.py": LOG + (
        "import sys, importlib.machinery\n"
        "__path__ = []\n"
        "class _Moves:\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == __name__ + '.moves':\n"
        "            return importlib.machinery.ModuleSpec(name, self)\n"
        "    def create_module(self, spec):\n"
        "        return None\n"
        "    def exec_module(self, module):\n"
        "        module.X = 'moved'\n"
        "sys.meta_path.append(_Moves())\n"),
}

PRELUDE = """
import builtins, json, sys, oxpack_runtime
builtins.RAN = []
f = oxpack_runtime.install(sys.argv[1], lazy=%s)
def ran():
    return list(builtins.RAN)
"""


def lazy_blob(tree, origin="original"):
    return tree.files(FIXTURE).build(origin=origin)


def test_lazy_body_runs_on_first_attribute_use_once(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.*']" + """
import lz.plain
after_import = ran()
spec_ok = lz.plain.__spec__.name == 'lz.plain' and lz.plain.__name__ == 'lz.plain'
still = ran()
v = lz.plain.VALUE
after_use = ran()
print(json.dumps({'after_import': after_import, 'still': still, 'value': v, 'after_use': after_use,
                  'spec_ok': spec_ok, 'type': type(lz.plain).__name__, 'f': lz.plain.f(),
                  'lazy': list(f.lazy), 'in_modules': sys.modules['lz.plain'] is lz.plain}))
""", blob)
    # the package `lz` is not in lz.*: it runs at import, as usual
    assert r["after_import"] == ["lz"]
    assert r["still"] == ["lz"] and r["spec_ok"]
    assert r["value"] == 42 and r["after_use"] == ["lz", "lz.plain"]
    assert r["type"] == "module" and r["f"] == 43 and r["lazy"] == ["lz.*"] and r["in_modules"]


def test_eager_by_default_and_lazy_false(tree):
    blob = lazy_blob(tree)
    for arg in ("False", "[]", "None"):
        r = run_json(PRELUDE % arg + "import lz.plain\nprint(json.dumps([ran(), type(lz.plain).__name__, list(f.lazy)]))",
                     blob)
        assert r == [["lz", "lz.plain"], "module", []], arg


def test_failing_body_raises_at_first_use_and_is_forgotten(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.fails']" + """
import traceback, lz
import lz.fails
imported = 'lz.fails' in sys.modules and lz.__dict__.get('fails') is sys.modules['lz.fails']
try:
    lz.fails.VALUE
    outcome = 'no error'
except ValueError as e:
    outcome = str(e)
    tb = traceback.format_exc()
print(json.dumps({'imported': imported, 'outcome': outcome, 'gone': 'lz.fails' not in sys.modules,
                  'unbound': 'fails' not in vars(lz), 'body_line': "raise ValueError('body failed: '" in tb,
                  'file_in_tb': 'lz/fails.py' in tb}))
""", blob)
    assert r == {"imported": True, "outcome": "body failed: lz.fails", "gone": True, "unbound": True,
                 "body_line": True, "file_in_tb": True}


def test_module_getattr_and_from_import_and_chains(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.getattr_mod', 'lz.deep*', 'lz.sub_user', 'lz.plain']" + """
import lz.getattr_mod
dyn = lz.getattr_mod.anything
import lz.deep.er.est
chain_import = ran()
where = lz.deep.er.est.WHERE
chain_use = ran()
from lz import sub_user
twice = sub_user.TWICE
print(json.dumps({'dyn': dyn, 'chain_import': chain_import, 'where': where, 'chain_use': chain_use,
                  'twice': twice, 'final': ran()}))
""", blob)
    assert r["dyn"] == "dynamic anything"
    # importing a chain runs the lazy packages' bodies on the way (a package
    # prepares what its submodules assume) but not the leaf's ...
    assert r["chain_import"] == ["lz", "lz.getattr_mod", "lz.deep", "lz.deep.er"]
    # ... which runs on first use
    assert r["where"] == "lz.deep.er.est"
    assert r["chain_use"] == ["lz", "lz.getattr_mod", "lz.deep", "lz.deep.er", "lz.deep.er.est"]
    assert r["twice"] == 84 and r["final"][-2:] == ["lz.sub_user", "lz.plain"]


def test_circular_imports(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.circ_*']" + """
import lz.circ_a
print(json.dumps([lz.circ_a.use(), lz.circ_a.b.use(), ran()]))
""", blob)
    assert r[0] == "b" and r[1] == "a" and sorted(r[2]) == ["lz", "lz.circ_a", "lz.circ_b"]


def test_threads_racing_to_first_use_run_the_body_once(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.slow']" + """
import threading, lz.slow
got = []
def use():
    got.append(lz.slow.COUNT)
threads = [threading.Thread(target=use) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({'got': got, 'runs': ran().count('lz.slow')}))
""", blob)
    assert r["got"] == [1] * 16 and r["runs"] == 1


def test_writes_before_first_use_win_and_reload_runs_now(tree):
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.plain']" + """
import importlib, lz.plain
lz.plain.VALUE = 'patched'      # a setattr runs nothing, and wins over the body's VALUE
patched = lz.plain.VALUE
runs = ran().count('lz.plain')
importlib.reload(lz.plain)      # a reload is not an import: the body runs now
print(json.dumps({'patched': patched, 'runs': runs, 'after_reload': ran().count('lz.plain'),
                  'value': lz.plain.VALUE, 'type': type(lz.plain).__name__}))
""", blob)
    assert r == {"patched": "patched", "runs": 1, "after_reload": 2, "value": 42, "type": "module"}


def test_tracebacks_and_inspect_see_lazy_source(tree):
    blob = lazy_blob(tree, origin="blob")
    r = run_json(PRELUDE % "['lz.traced']" + """
import inspect, traceback, lz.traced
src = inspect.getsource(lz.traced)
try:
    lz.traced.boom()
except RuntimeError:
    tb = traceback.format_exc()
print(json.dumps({'src': 'def boom' in src, 'line': '# a line to show' in tb}))
""", blob)
    assert r == {"src": True, "line": True}


def test_environment_and_recorded_set(tree, tmp_path):
    tree.files(FIXTURE)
    out = str(tmp_path / "recorded.oxr")
    r = subprocess.run([blobtools.OXPACK, "freeze", tree.root, "--python", sys.executable, "-o", out,
                        "--lazy-include", "lz.plain", "--lazy-include", "lz.deep*"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    info = json.loads(subprocess.run([blobtools.OXPACK, "info", out, "--json"], stdout=subprocess.PIPE,
                                     universal_newlines=True).stdout)
    assert info["lazy"] == ["lz.plain", "lz.deep*"] and info["format_version"] == "1.3"
    code = "import builtins, json, lz.plain; print(json.dumps([builtins.RAN, type(lz.plain).__name__]))"
    prelude = "import builtins; builtins.RAN = []\n"
    env = {"OXPACK_BLOB": out, "OXPACK_LAZY": "1"}
    r = run_json("import oxpack_runtime; oxpack_runtime.activate_from_env()\n" + prelude + code, env=env)
    assert r == [["lz"], "_LazyModule"]
    env["OXPACK_LAZY"] = "lz.nothing"
    r = run_json("import oxpack_runtime; oxpack_runtime.activate_from_env()\n" + prelude + code, env=env)
    assert r == [["lz", "lz.plain"], "module"]
    r = run_json(PRELUDE % "True" + "import lz.plain\nprint(json.dumps([ran(), list(f.lazy)]))", out)
    assert r == [["lz"], ["lz.plain", "lz.deep*"]]
    # oxpack run --lazy: the same, and identical output eager and lazy
    prog = "import lz.plain, lz.deep.er.est; print(lz.plain.f(), lz.deep.er.est.WHERE)"
    runs = [subprocess.run([blobtools.OXPACK, "run", out, "--python", sys.executable, *extra, "-c", prog],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                           env=blobtools.env_with_runtime())
            for extra in ((), ("--lazy", "auto"), ("--lazy", "lz.*"))]
    assert [x.returncode for x in runs] == [0, 0, 0], [x.stderr for x in runs]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout == "43 lz.deep.er.est\n"


def test_multiprocessing_children_keep_the_lazy_set(tree, tmp_path):
    blob = lazy_blob(tree)
    script = tmp_path / "mp_main.py"
    script.write_text(
        "import json, sys, multiprocessing as mp\n"
        "def probe(_):\n"
        "    import builtins, oxpack_runtime, lz.plain\n"
        "    return [list(oxpack_runtime.installed()[0].lazy), type(lz.plain).__name__, lz.plain.VALUE]\n"
        "if __name__ == '__main__':\n"
        "    import oxpack_runtime\n"
        "    oxpack_runtime.install(sys.argv[1], lazy=['lz.plain'])\n"
        "    with mp.get_context('spawn').Pool(1) as pool:\n"
        "        print(json.dumps(pool.map(probe, [0])[0]))\n")
    r = run_py("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
               str(script), blob)
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [["lz.plain"], "_LazyModule", 42]


def test_bad_lazy_arguments(tree):
    blob = lazy_blob(tree)
    r = run_json("""
import json, sys, oxpack_runtime
out = []
for bad in (3, [1], b'lz'):
    try:
        oxpack_runtime.install(sys.argv[1], lazy=bad)
        out.append('accepted')
    except TypeError as e:
        out.append(str(e))
print(json.dumps(out))
""", blob)
    assert all(m.startswith("lazy must be False, True, or module-name globs") for m in r), r


def test_a_body_that_sets_its_own_path_runs_when_the_import_system_asks(tree):
    """The import system's attributes are served without running the body
    only when present; importing a submodule reads __path__, which runs the
    body (six sets __path__ in its body)."""
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.*']" + """
import lz.sixlike
before = ran()
import lz.sixlike.moves
print(json.dumps([before, ran(), lz.sixlike.moves.X]))
""", blob)
    assert r == [["lz"], ["lz", "lz.sixlike"], "moved"]


def test_importing_below_a_lazy_package_runs_its_body_once(tree):
    """`from lz.reg.table import REGISTRY` with lz.reg lazy: the package's
    body runs first (it registers the plugin), and lz.reg.table, which that
    body imports meanwhile, is imported once (not a second, empty table)."""
    blob = lazy_blob(tree)
    r = run_json(PRELUDE % "['lz.reg']" + """
from lz.reg.table import REGISTRY
import lz.reg.table
print(json.dumps({'registry': REGISTRY, 'same': lz.reg.table.REGISTRY is REGISTRY,
                  'ran': [n for n in ran() if n.startswith('lz.reg')]}))
""", blob)
    assert r == {"registry": {"plugin": "lz.reg.plugin"}, "same": True,
                 "ran": ["lz.reg", "lz.reg.table", "lz.reg.plugin"]}
