"""The Python programs the oxpack CLI runs in a target interpreter, each run
directly under the interpreter running pytest (so under every supported
CPython), exactly as the C++ side runs it:

- lib/scan/probe_interpreter.py   `python -c PROBE`, prints one JSON object
- lib/freeze/compile_helper.py    `python -I -S -c HELPER`, a pipe protocol
- lib/freeze/profile_recorder.py  sitecustomize.py of a `freeze --profile` run

and the table of Python versions the CLI keeps (lib/scan/python_versions.hpp)
against this interpreter.
"""
import _imp
import importlib.machinery
import importlib.util
import json
import marshal
import os
import re
import struct
import subprocess
import sys
import sysconfig

import blobtools

PROBE = os.path.join(blobtools.REPO, "lib", "scan", "probe_interpreter.py")
HELPER = os.path.join(blobtools.REPO, "lib", "freeze", "compile_helper.py")
RECORDER = os.path.join(blobtools.REPO, "lib", "freeze", "profile_recorder.py")
VERSIONS = os.path.join(blobtools.REPO, "lib", "scan", "python_versions.hpp")


def read(path):
    with open(path) as f:
        return f.read()


def test_probe_describes_this_interpreter():
    r = subprocess.run([sys.executable, "-c", read(PROBE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, check=True)
    assert r.stderr == ""
    j = json.loads(r.stdout)
    assert j["implementation"] == "cpython"
    assert j["version"] == "%d.%d.%d" % sys.version_info[:3]
    assert j["version_info"] == list(sys.version_info[:2])
    assert j["hexversion"] == sys.hexversion
    assert j["magic"] == importlib.util.MAGIC_NUMBER.hex()
    assert j["cache_tag"] == sys.implementation.cache_tag
    assert j["source_suffixes"] == importlib.machinery.SOURCE_SUFFIXES
    assert j["bytecode_suffixes"] == importlib.machinery.BYTECODE_SUFFIXES
    assert j["extension_suffixes"] == importlib.machinery.EXTENSION_SUFFIXES
    assert j["stdlib"] == sysconfig.get_paths()["stdlib"]
    assert os.path.abspath(j["stdlib"]) in j["sys_path"]
    assert all(os.path.isabs(p) for p in j["sys_path"])
    assert j["optimize"] == 0
    assert os.path.realpath(j["executable"]) == os.path.realpath(sys.executable)
    assert j["sysconfig_platform"] == sysconfig.get_platform()
    assert j["libc"].startswith("glibc ")
    # -O reaches the probe as the target's sys.flags.optimize.
    r = subprocess.run([sys.executable, "-OO", "-c", read(PROBE)], stdout=subprocess.PIPE, check=True)
    assert json.loads(r.stdout.decode())["optimize"] == 2


class Helper:
    """compile_helper.py over its pipes, as lib/freeze/compiler.cpp drives it."""

    def __init__(self):
        self.p = subprocess.Popen([sys.executable, "-I", "-S", "-c", read(HELPER)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def compile(self, path, source, optimize=0):
        name = path.encode("utf-8", "surrogateescape")
        self.p.stdin.write(struct.pack("<BII", optimize, len(name), len(source)) + name + source)
        self.p.stdin.flush()
        status, n = struct.unpack("<BI", self.p.stdout.read(5))
        return status, self.p.stdout.read(n)

    def close(self):
        self.p.stdin.close()
        code = self.p.wait()
        err = self.p.stderr.read()
        self.p.stdout.close()
        self.p.stderr.close()
        return code, err


def test_compile_helper_writes_unchecked_hash_pycs():
    h = Helper()
    src = b"import sys\nVALUE = 6 * 7\nassert VALUE\ndef f():\n    '''doc'''\n    return __name__\n"
    status, pyc = h.compile("/src/pkg/mod.py", src)
    assert status == 0
    magic = importlib.util.MAGIC_NUMBER
    assert pyc[:4] == magic
    assert pyc[4:8] == (1).to_bytes(4, "little")  # hash-based, unchecked (PEP 552)
    assert pyc[8:16] == _imp.source_hash(int.from_bytes(magic, "little"), src)
    code = marshal.loads(pyc[16:])
    assert code.co_filename == "/src/pkg/mod.py"
    ns = {"__name__": "pkg.mod"}
    exec(code, ns)
    assert ns["VALUE"] == 42 and ns["f"]() == "pkg.mod" and ns["f"].__doc__ == "doc"
    # What importlib's own unchecked hash-based pyc of that source holds (the
    # marshalled bytes may differ in reference flags: compare the code).
    expected = bytes(importlib._bootstrap_external._code_to_hash_pyc(
        compile(src, "/src/pkg/mod.py", "exec", dont_inherit=True), _imp.source_hash(
            int.from_bytes(magic, "little"), src), checked=False))
    assert pyc[:16] == expected[:16] and code == marshal.loads(expected[16:])

    # Optimisation levels: -OO drops asserts and docstrings.
    status, pyc2 = h.compile("/src/pkg/mod.py", src, optimize=2)
    assert status == 0
    ns = {"__name__": "m"}
    exec(marshal.loads(pyc2[16:]), ns)
    assert ns["f"].__doc__ is None

    # A syntax error is an answer, not a crash; the helper keeps serving.
    status, err = h.compile("/src/bad.py", b"def f(:\n")
    assert status == 1
    assert re.match(r"/src/bad\.py:1: SyntaxError: ", err.decode())
    status, err = h.compile("/src/nul.py", b"x = 1\x00\n")
    assert status == 1 and err.decode().startswith("/src/nul.py")
    # Undecodable path bytes come back as given (surrogateescape).
    status, pyc = h.compile("/src/caf\udce9.py", b"pass\n")
    assert status == 0 and marshal.loads(pyc[16:]).co_filename == "/src/caf\udce9.py"
    assert h.close() == (0, b"")  # exits when its stdin closes


def test_profile_recorder_records_imports_and_reads(tmp_path):
    rec_dir = tmp_path / "recorder"
    rec_dir.mkdir()
    (rec_dir / "sitecustomize.py").write_text(read(RECORDER))
    # The environment's own sitecustomize, which the recorder must hand over to.
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import os\nos.environ['OWN_SITECUSTOMIZE'] = 'ran'\n")
    data = tmp_path / "data.txt"
    data.write_text("payload")
    written = tmp_path / "written.txt"
    events = tmp_path / "events"
    program = (
        "import json, os, sys\n"
        "import email.mime.text\n"
        "try:\n    import no_such_module_oxpack\nexcept ImportError:\n    pass\n"
        "open(%r).read()\n"
        "open(%r, 'w').write('x')\n"
        "print(json.dumps({'own': os.environ.get('OWN_SITECUSTOMIZE'), 'path': sys.path}))\n"
    ) % (str(data), str(written))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(rec_dir), str(own)]), OXPACK_PROFILE_OUT=str(events))
    r = subprocess.run([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env, cwd=str(tmp_path))
    assert r.returncode == 0 and r.stderr == "", r.stderr  # nothing of its own on the application's stderr
    out = json.loads(r.stdout)
    assert out["own"] == "ran"
    assert str(rec_dir) not in out["path"] and str(own) in out["path"]  # the application's usual sys.path
    lines = events.read_text().splitlines()
    assert len(lines) == len(set(lines))  # each event once
    assert "import sys" in lines  # loaded at start-up, before the recorder
    assert lines.index("import email.mime.text") > lines.index("import email")
    assert "import no_such_module_oxpack" in lines  # failed imports too
    assert "open " + str(data) in lines  # files opened for reading
    assert not any(str(written) in l for l in lines)  # not those opened for writing
    assert not any(l.endswith(".pyc") for l in lines)
    assert all(re.match(r"(import|open) \S", l) for l in lines)

    # Without OXPACK_PROFILE_OUT it records nothing and changes nothing.
    env.pop("OXPACK_PROFILE_OUT")
    r = subprocess.run([sys.executable, "-c", program], stdout=subprocess.PIPE, universal_newlines=True, env=env,
                       cwd=str(tmp_path), check=True)
    assert json.loads(r.stdout)["own"] == "ran"


# One module per hazard the lazy analysis must see (freeze --lazy auto), and
# the cases it must leave alone.
HAZARDS = {
    "hz/__init__.py": "",
    "hz/unused.py": "VALUE = 1\n",
    "hz/used.py": "VALUE = 2\n",
    "hz/submodule_user.py": "import hz.unused_pkg\nimport hz.unused_pkg.inner\n",
    "hz/unused_pkg/__init__.py": "",
    "hz/unused_pkg/inner.py": "X = 1\n",
    "hz/own_class.py": "class Own(type):\n    pass\nclass Thing(metaclass=Own):\n    pass\nThing.extra = 1\n",
    "hz/atexit_mod.py": "import atexit\natexit.register(lambda: None)\n",
    "hz/sysmodules.py": "import sys\nsys.modules['hz_alias_oxpack'] = sys.modules[__name__]\n",
    "hz/syspath.py": "import sys\nsys.path.append('/nonexistent-oxpack')\n",
    "hz/meta_path.py": "import sys\nclass F:\n    def find_spec(self, *a):\n        return None\nsys.meta_path.append(F())\n",
    "hz/patcher.py": "import hz.target\nhz.target.PATCHED = True\n",
    "hz/target.py": "PATCHED = False\n",
    "hz/class_patcher.py": "import hz.target_cls\nsetattr(hz.target_cls.C, 'added', 1)\n",
    "hz/target_cls.py": "class C:\n    pass\n",
    "hz/registry.py": "HANDLERS = {}\ndef register(f):\n    HANDLERS[f.__name__] = f\n    return f\n",
    "hz/plugin.py": "from hz.registry import register\n@register\ndef handler():\n    return 1\n",
    "hz/meta.py": ("class Meta(type):\n    seen = []\n    def __init__(cls, *a):\n"
                   "        super().__init__(*a)\n        Meta.seen.append(cls)\n"),
    "hz/meta_user.py": "from hz.meta import Meta\nclass Thing(metaclass=Meta):\n    pass\n",
    "hz/base.py": "class Base:\n    kinds = []\n    def __init_subclass__(cls):\n        Base.kinds.append(cls)\n",
    "hz/sub_user.py": "from hz.base import Base\nclass Kind(Base):\n    pass\n",
    "hz/warn.py": "import warnings\nwarnings.filterwarnings('ignore', message='oxpack-test')\n",
    "hz/codec.py": "import codecs\ncodecs.register(lambda name: None)\n",
    "hz/pickler.py": "import copyreg\nclass P:\n    pass\ncopyreg.pickle(P, lambda p: (P, ()))\n",
    "hz/environ.py": "import os\nos.environ['OXPACK_TEST_ENV'] = '1'\n",
    "hz/abc_reg.py": "import collections.abc\nclass Mine:\n    pass\ncollections.abc.Sized.register(Mine)\n",
    "hz/abc_other.py": "import collections.abc, fractions\ncollections.abc.Hashable.register(fractions.Fraction)\n",
    # array's C init registers array.array with MutableSequence: its own doing.
    "hz/uses_array.py": "import array\n",
    # a write undone before its import ends (warnings.catch_warnings does this)
    "hz/restores.py": "import hz.target2\nold = hz.target2.V\nhz.target2.V = 'tmp'\nhz.target2.V = old\n",
    "hz/target2.py": "V = 1\n",
    "hz/fails.py": "raise ValueError('hz.fails')\n",
    "hz/imports_effect.py": "import hz.effect_inner\n",
    "hz/effect_inner.py": "import atexit\natexit.register(lambda: None)\n",
}
HAZARD_MAIN = """
import hz.unused, hz.used, hz.submodule_user, hz.own_class, hz.atexit_mod, hz.sysmodules, hz.syspath
import hz.meta_path, hz.patcher, hz.class_patcher, hz.plugin, hz.meta_user, hz.sub_user, hz.warn
import hz.codec, hz.pickler, hz.environ, hz.abc_reg, hz.abc_other, hz.imports_effect, hz.uses_array
import hz.restores
try:
    import hz.fails
except ValueError:
    pass
print(hz.used.VALUE)
"""


def test_profile_recorder_lazy_analysis_sees_each_hazard(tmp_path):
    """OXPACK_PROFILE_LAZY=1: 'ran', 'touched', 'effect' and 'failed' lines,
    per module, on this interpreter."""
    rec_dir = tmp_path / "recorder"
    rec_dir.mkdir()
    (rec_dir / "sitecustomize.py").write_text(read(RECORDER))
    for name, text in HAZARDS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "main.py").write_text(HAZARD_MAIN)
    events = tmp_path / "events"
    env = dict(os.environ, PYTHONPATH=str(rec_dir), OXPACK_PROFILE_OUT=str(events), OXPACK_PROFILE_LAZY="1")
    r = subprocess.run([sys.executable, str(tmp_path / "main.py")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env, cwd=str(tmp_path))
    assert (r.returncode, r.stdout, r.stderr) == (0, "2\n", "")
    ran, touched, effects, failed = set(), {}, {}, set()
    for line in events.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        name, _, detail = rest.partition(" ")
        if kind == "ran":
            assert int(detail) >= 0
            ran.add(name)
        elif kind == "touched":
            touched.setdefault(name, detail)
        elif kind == "effect":
            effects.setdefault(name, []).append(detail)
        elif kind == "failed":
            failed.add(name)
        else:
            assert kind in ("import", "open"), line
    hz = {n for n in ran if n.startswith("hz.")}
    assert hz == {n[:-3].replace("/", ".").replace(".__init__", "") for n in HAZARDS if n != "hz/__init__.py"} - {
        "hz.fails"}
    assert failed == {"hz.fails"}
    assert touched["hz.used"] == "VALUE __main__"
    assert "hz.target" not in touched  # written, not read: a lazy body would not run
    # a submodule imported from outside its package's body reads __path__: a use
    assert touched["hz.unused_pkg"] == "__path__ hz.submodule_user"
    expected = {
        "hz.atexit_mod": "registers an atexit function",
        "hz.imports_effect": "registers an atexit function",  # an effect of an import it made
        "hz.sysmodules": "puts hz_alias_oxpack in sys.modules",
        "hz.syspath": "changes sys.path",
        "hz.meta_path": "changes sys.meta_path",
        "hz.patcher": "sets hz.target.PATCHED",
        "hz.class_patcher": "sets hz.target_cls.C.added",
        "hz.plugin": "something else keeps its function handler",
        "hz.meta_user": "makes class Thing with metaclass hz.meta.Meta",
        "hz.sub_user": "subclasses hz.base.Base, which has __init_subclass__",
        "hz.warn": "changes the warnings filters",
        "hz.codec": "registers a codec search function",
        "hz.pickler": "registers a pickle reducer",
        "hz.environ": "changes os.environ",
        "hz.abc_other": "registers fractions.Fraction with collections.abc.Hashable",
    }
    for name, what in expected.items():
        assert what in effects.get(name, []), (name, effects.get(name))
    # What a module does to itself, its own classes and ABC registrations of
    # its own classes are no effects.
    for name in ("hz.unused", "hz.used", "hz.own_class", "hz.abc_reg", "hz.target", "hz.registry", "hz.meta",
                 "hz.base", "hz.unused_pkg.inner", "hz.uses_array", "hz.restores"):
        assert name not in effects, (name, effects.get(name))
    assert "hz.unused" not in touched and "hz.own_class" not in touched


def test_python_versions_table_knows_this_interpreter():
    rows = {int(m.group(1)): (int(m.group(2)), int(m.group(3)), m.group(4))
            for m in re.finditer(r"\{(\d+), (\d+), (\d+), SourceHash::(\w+)\}", read(VERSIONS))}
    assert sys.version_info[1] in rows, "a Python the CLI's table (lib/scan/python_versions.hpp) lacks"
    magic, header_size, source_hash = rows[sys.version_info[1]]
    assert importlib.util.MAGIC_NUMBER == magic.to_bytes(2, "little") + b"\r\n"
    assert header_size == 16
    c, d = {"SipHash24": (2, 4), "SipHash13": (1, 3)}[source_hash]
    key = int.from_bytes(importlib.util.MAGIC_NUMBER, "little")
    for data in (b"", b"x = 1\n", bytes(range(256)) * 3):
        assert siphash(c, d, key, 0, data).to_bytes(8, "little") == _imp.source_hash(key, data)
    assert sys.implementation.cache_tag == "cpython-3%d" % sys.version_info[1]


def siphash(c_rounds, d_rounds, k0, k1, data):
    """SipHash-c-d, as lib/scan/pyc.cpp computes it."""
    mask = (1 << 64) - 1

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & mask

    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & mask; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)  # noqa: E702
            v[2] = (v[2] + v[3]) & mask; v[3] = rotl(v[3], 16); v[3] ^= v[2]  # noqa: E702
            v[0] = (v[0] + v[3]) & mask; v[3] = rotl(v[3], 21); v[3] ^= v[0]  # noqa: E702
            v[2] = (v[2] + v[1]) & mask; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)  # noqa: E702

    n = len(data)
    whole = n - n % 8
    for i in range(0, whole, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        rounds(c_rounds)
        v[0] ^= m
    b = (n << 56) & mask | int.from_bytes(data[whole:], "little")
    v[3] ^= b
    rounds(c_rounds)
    v[0] ^= b
    v[2] ^= 0xff
    rounds(d_rounds)
    return v[0] ^ v[1] ^ v[2] ^ v[3]
