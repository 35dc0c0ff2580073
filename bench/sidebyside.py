#!/usr/bin/env python3
"""Side by side with the tools users pick instead (#13 item 4): one click
application (bench/sidebyside/sbs_app.py: imports boto3, jinja2, pydantic,
docutils and sympy, renders a template, prints one line) packaged by PEX
(zipapp and --venv), shiv, PyInstaller (onedir and onefile) and oxpack
(`oxpack run`, both origins; `oxpack run --lazy auto` with the set `freeze
--lazy check` chose from a run of the app; oxpack's hook in a venv), and
oxidized_importer 0.6 (PyOxidizer's importer, CPython 3.10 at most: the
same packages for 3.10 and its stdlib packed in memory), all from the same
pinned packages from PyPI; plus the plain interpreter over the machine's
site-packages.

    bench/sidebyside.py [--rounds 5] [--slow-rounds 3] [--skip-build] [--json OUT]

Per packaging: first run (PEX and shiv unpack into their root on first run:
the root is emptied before it; PyInstaller onefile unpacks on every run),
later runs warm, cold (page cache of the artefact, the unpacked trees, the
stdlib and the packages evicted before each run), slow storage at 1 ms per
filesystem call (strace, as bench/slow_storage.py), artefact size, and
whether the output is identical to the plain interpreter's. Runs are whole
processes; packagings interleaved, shuffled every round; medians with
min-max.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402
from cold import evict  # noqa: E402

APP = se.REPO / "bench" / "sidebyside" / "sbs_app.py"
REQS = ["boto3==1.43.11", "click==8.4.0", "docutils==0.19", "Jinja2==3.1.6", "pydantic==2.13.4", "sympy==1.14.0"]
W = se.WORK / "sbs"


def build(base):
    """Every artefact, once (each from PyPI with the same pins)."""
    tools = W / "tools"
    if not (tools / "bin" / "pyinstaller").exists():
        se.run([base, "-m", "venv", "--system-site-packages", tools])
        se.run([tools / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "pex", "shiv",
                "pyinstaller"])
    site, src = W / "site", W / "src"
    if not site.exists():
        se.run([tools / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
                "--target", site] + REQS, ok=(0, 1))
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(APP, src / "sbs_app.py")
    shutil.copy(APP, site / "sbs_app.py")
    if not (W / "app.shiv").exists():
        se.run([tools / "bin" / "shiv", "--site-packages", site, "-e", "sbs_app:main", "-p", base, "-o", W / "app.shiv"])
    for name, extra in (("app.pex", []), ("app-venv.pex", ["--venv"])):
        if not (W / name).exists():
            se.run([tools / "bin" / "pex"] + REQS + ["-D", src, "-m", "sbs_app", "--python", base, "-o", W / name]
                   + extra)
    for name, extra in (("sbs_onedir", []), ("sbs_onefile", ["--onefile"])):
        if not (W / "dist" / name).exists():
            se.run([tools / "bin" / "pyinstaller", "--noconfirm", "--log-level", "WARN", "--paths", site, "--distpath",
                    W / "dist", "--workpath", W / "pyi-work", "--specpath", W / "pyi-spec", "-n", name]
                   + extra + [src / "sbs_app.py"])
    stdlib = se.run([base, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]).stdout.strip()
    for name, compress in (("app.oxr", "none"), ("app-zstd.oxr", "zstd:3")):
        if not (W / name).exists():
            se.run([se.OXPACK, "freeze", "--no-progress", "--compress", compress, "--python", base, stdlib,
                    stdlib + "/lib-dynload", site, "-o", W / name], ok=(0, 5))
    # For the size column only: the packages alone, as PEX and shiv carry
    # them (they use the system's stdlib), compressed as hard as zstd goes.
    for name, sources in (("app-packages.oxr", "keep"), ("app-packages-nosrc.oxr", "drop")):
        if not (W / name).exists():
            se.run([se.OXPACK, "freeze", "--no-progress", "--compress", "zstd:19", "--sources", sources, "--python",
                    base, site, "-o", W / name], ok=(0, 5))
    # The lazy set from a profiled run of the app, checked against its output.
    if not (W / "app-lazy.oxr").exists():
        se.run([se.OXPACK, "freeze", "--no-progress", "--python", base, stdlib, stdlib + "/lib-dynload", site,
                "--profile-script", APP, "--lazy", "check", "-o", W / "app-lazy.oxr"], ok=(0, 5),
               env=dict(os.environ, PYTHONPATH=str(site)))
    # oxpack's hook in a venv: the venv sees the pinned packages through a
    # .pth line, and any python of it honours $OXPACK_BLOB.
    hook = W / "hookvenv"
    if not (W / "app-hook.oxr").exists():
        se.run([base, "-m", "venv", "--without-pip", hook])
        venv_site = se.run([hook / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        (Path(venv_site.stdout.strip()) / "sbs_site.pth").write_text(str(site) + "\n")
        se.run([se.OXPACK, "hook", "install", "--python", hook / "bin" / "python"])
        se.run([se.OXPACK, "freeze", "--no-progress", "--python", hook / "bin" / "python", "-o", W / "app-hook.oxr"],
               ok=(0, 5))
    build_oxidized()
    return stdlib, site


def python310():
    found = sorted(Path.home().glob(".pyenv/versions/3.10*/bin/python3.10"))
    return str(found[-1]) if found else shutil.which("python3.10")


def build_oxidized():
    """oxidized_importer 0.6 (PyOxidizer's importer; wheels for CPython up to
    3.10) with the app's packages for 3.10 and 3.10's stdlib packed in
    memory, as PyOxidizer embeds them. False where it cannot be built."""
    py = python310()
    if not py:
        return False
    site, target, packed = W / "site310", W / "oxidized", W / "app-310.oxidized"
    if not site.exists():
        se.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target", site] + REQS, ok=(0, 1))
        shutil.copy(APP, site / "sbs_app.py")
    if not target.exists():
        se.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target", target,
                "oxidized_importer==0.6.0"])
    if not packed.exists():
        code = (
            "import sys, sysconfig, oxidized_importer as oi\n"
            "c = oi.OxidizedResourceCollector(allowed_locations=['in-memory'])\n"
            "kinds = (oi.PythonModuleSource, oi.PythonModuleBytecode, oi.PythonPackageResource,\n"
            "         oi.PythonPackageDistributionResource)\n"
            "stdlib = sysconfig.get_paths()['stdlib']\n"
            "for where in (stdlib, sys.argv[1]):\n"
            "    for r in oi.find_resources_in_path(where):\n"
            "        if not isinstance(r, kinds): continue\n"
            "        owner = getattr(r, 'module', None) or getattr(r, 'package', '')\n"
            "        if where == stdlib and owner.startswith(('test.', 'site-packages', 'lib-dynload')): continue\n"
            "        try: c.add_in_memory(r)\n"
            "        except Exception: pass\n"
            "res, _ = c.oxidize()\n"
            "f = oi.OxidizedFinder(); f.add_resources(res)\n"
            "open(sys.argv[2], 'wb').write(f.serialize_indexed_resources())\n")
        se.run([py, "-c", code, site, packed], env=dict(os.environ, PYTHONPATH=str(target)))
    return True


# Runs the app with oxidized_importer's finder first on sys.meta_path
# (argv: its package directory, the packed resources); the packages' own
# directory stays off sys.path, as in a PyOxidizer binary.
OXIDIZED_RUN = """\
import sys
sys.path.insert(0, sys.argv[1])
import oxidized_importer
del sys.path[0]
f = oxidized_importer.OxidizedFinder()
f.index_bytes(open(sys.argv[2], 'rb').read())
sys.meta_path.insert(0, f)
sys.argv = ['sbs_app']
import runpy
runpy.run_module('sbs_app', run_name='__main__', alter_sys=True)
"""


def packagings(base):
    ox = [str(se.OXPACK), "run", "--python", base]
    pks = {
        "python + site-packages (no packaging)": {"cmd": [base, "-I", str(APP)], "size": []},
        "PEX zipapp": {"cmd": [base, str(W / "app.pex")], "root": "PEX_ROOT", "size": [W / "app.pex"]},
        "PEX --venv": {"cmd": [base, str(W / "app-venv.pex")], "root": "PEX_ROOT", "size": [W / "app-venv.pex"]},
        "shiv": {"cmd": [base, str(W / "app.shiv")], "root": "SHIV_ROOT", "size": [W / "app.shiv"]},
        "PyInstaller onedir": {"cmd": [str(W / "dist" / "sbs_onedir" / "sbs_onedir")],
                               "size": [W / "dist" / "sbs_onedir"]},
        "PyInstaller onefile": {"cmd": [str(W / "dist" / "sbs_onefile")], "size": [W / "dist" / "sbs_onefile"]},
        "oxpack run, origin original": {"cmd": ox + [str(W / "app.oxr"), "--origin", "original", "-I", "-S", "-m",
                                                     "sbs_app"], "size": [W / "app.oxr"]},
        "oxpack run, origin blob": {"cmd": ox + [str(W / "app.oxr"), "--origin", "blob", "-I", "-S", "-m", "sbs_app"],
                                    "size": [W / "app.oxr"]},
        "oxpack run --lazy auto (freeze --lazy check)": {
            "cmd": ox + [str(W / "app-lazy.oxr"), "--lazy", "auto", "-I", "-S", "-m", "sbs_app"],
            "size": [W / "app-lazy.oxr"]},
        "oxpack hook in a venv ($OXPACK_BLOB)": {
            "cmd": [str(W / "hookvenv" / "bin" / "python"), "-m", "sbs_app"], "size": [W / "app-hook.oxr"],
            "env": {"OXPACK_BLOB": str(W / "app-hook.oxr")}},
    }
    py310 = python310()
    if py310 and (W / "app-310.oxidized").exists():
        pks["oxidized_importer 0.6, CPython 3.10"] = {
            "cmd": [py310, "-I", "-S", "-c", OXIDIZED_RUN, str(W / "oxidized"), str(W / "app-310.oxidized")],
            "size": [W / "app-310.oxidized"]}
    return pks


def size_of(paths):
    n = 0
    for p in paths:
        p = Path(p)
        n += p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return n


def environ(pk, name):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_", "PEX_", "SHIV_"))}
    # Bytecode writing stays on: PEX and shiv compile what they unpacked on
    # their first run and use that later, as their users see it.
    if pk.get("root"):
        env[pk["root"]] = str(W / "roots" / name.replace(" ", "_").replace("/", "_"))
    env.update(pk.get("env", {}))
    return env


def run_one(pk, name, wrap=()):
    t = time.perf_counter()
    r = subprocess.run(list(wrap) + pk["cmd"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=environ(pk, name), cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (name, r.returncode, r.stderr[-2000:]))
    return wall, r.stdout


def reset_root(pk, name):
    if pk.get("root"):
        shutil.rmtree(environ(pk, name)[pk["root"]], ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cold-rounds", type=int, default=3)
    ap.add_argument("--slow-rounds", type=int, default=3)
    ap.add_argument("--json", type=Path, default=se.WORK / "sidebyside.json")
    a = ap.parse_args()
    base = se.base_python()
    stdlib, site = build(base)
    pks = packagings(base)
    names = list(pks)
    res = {"load": open("/proc/loadavg").read().split()[:3], "results": {n: {} for n in names}}
    outputs = {}
    first = {n: [] for n in names}
    failed = {}
    for i in range(max(1, a.cold_rounds)):  # first runs: roots emptied
        for n in random.Random(i).sample(names, len(names)):
            if n in failed:
                continue
            reset_root(pks[n], n)
            try:
                wall, out = run_one(pks[n], n)
            except RuntimeError as e:  # a packaging that cannot run the app: said, not measured
                lines = [l.strip() for l in str(e).splitlines() if l.strip()]
                failed[n] = " ".join(lines[-2:]) if lines else str(e)  # the failing frame and the error
                se.log("side by side: %s fails: %s" % (n, failed[n]))
                continue
            first[n].append(wall)
            outputs[n] = out
    names = [n for n in names if n not in failed]
    se.log("side by side: first runs done")
    warm = {n: [] for n in names}
    for i in range(a.rounds):
        for n in random.Random(100 + i).sample(names, len(names)):
            wall, out = run_one(pks[n], n)
            warm[n].append(wall)
    se.log("side by side: warm runs done")
    cold = {n: [] for n in names}
    targets = [stdlib, str(site), str(W / "roots"), str(W / "dist"), str(W / "app.oxr"), str(W / "app.pex"),
               str(W / "app-venv.pex"), str(W / "app.shiv"), str(APP),
               se.run([base, "-c", "import site; print(site.getsitepackages()[0])"]).stdout.strip()]
    for i in range(a.cold_rounds):
        for n in random.Random(200 + i).sample(names, len(names)):
            evict(targets)
            wall, _ = run_one(pks[n], n)
            cold[n].append(wall)
    se.log("side by side: cold runs done")
    slow = {n: [] for n in names}
    strace = ["strace", "-f", "--seccomp-bpf", "-qq", "-o", "/dev/null", "-e", "trace=" + se.FS_CALLS,
              "-e", "inject=%s:delay_enter=1000" % se.FS_CALLS]
    for i in range(a.slow_rounds):
        for n in random.Random(300 + i).sample(names, len(names)):
            wall, _ = run_one(pks[n], n, wrap=strace)
            slow[n].append(wall)
            se.log("side by side: slow 1 ms: %s %.2f s" % (n, wall))
    ref = outputs[names[0]]
    for n, why in failed.items():
        res["results"][n] = {"failed": why, "size_bytes": size_of(pks[n]["size"])}
    for n in names:
        res["results"][n] = {"first_s": se.stats(first[n]), "warm_s": se.stats(warm[n]), "cold_s": se.stats(cold[n]),
                             "slow_1ms_s": se.stats(slow[n]) if slow[n] else None,
                             "size_bytes": size_of(pks[n]["size"]), "identical_output": outputs[n] == ref,
                             "output": outputs[n].strip()}
    res["app_oxr_zstd_bytes"] = (W / "app-zstd.oxr").stat().st_size
    res["packages_oxr_bytes"] = {"sources kept": (W / "app-packages.oxr").stat().st_size,
                                 "sources dropped": (W / "app-packages-nosrc.oxr").stat().st_size}
    res["load_after"] = open("/proc/loadavg").read().split()[:3]
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    print(summary(res))


def summary(res):
    lines = ["side by side: whole process, seconds, medians [min-max]",
             "  %-38s %20s %20s %20s %20s %10s %s" % ("packaging", "first run", "later runs (warm)", "cold",
                                                      "slow 1 ms", "size MB", "same output")]
    for n, r in res["results"].items():
        if "failed" in r:
            lines.append("  %-38s does not run the app: %s" % (n, r["failed"]))
            continue
        f = lambda s: "%7.2f [%5.2f-%5.2f]" % (s["median"], s["min"], s["max"]) if s else "%20s" % "-"
        lines.append("  %-38s %20s %20s %20s %20s %10.1f %s" % (n, f(r["first_s"]), f(r["warm_s"]), f(r["cold_s"]),
                                                                f(r["slow_1ms_s"]), r["size_bytes"] / 1e6,
                                                                "yes" if r["identical_output"] else "NO"))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
