#!/usr/bin/env python3
"""Lazy execution, start-up of real commands (#15, the measuring part):
each command run three ways, whole process (python start to exit):

  default  the interpreter's own importer over the machine's environment
  eager    the environment frozen into one blob (`oxpack freeze --python
           python3`, stored), installed by oxpack run's own bootstrap
           (tools/oxpack/run_bootstrap.py, run as `python -c BOOTSTRAP ...`:
           what `oxpack run BLOB ARGS` executes once it has found the
           interpreter; see SKIP_PROBE below)
  lazy     a blob of the same environment frozen with a profile of THAT
           command (`--profile CMD --lazy auto`: the modules the profile
           run imported and never touched become the blob's lazy set), run
           with lazy on (`--lazy auto`)

    bench/lazy.py [--rounds 10] [--quick] [--commands NAME,...] [--lazy-set auto|check|globs] [--rebuild]
                  [--phases BUILD_DIR] [--work DIR] [--freeze-arg ARG]... [--json OUT]

--lazy-set check freezes with `--lazy check` instead (the chosen set
verified by running the command again lazily). --lazy-set globs is the
fallback for an oxpack whose freeze has no --lazy: the set found here by
lazy runs of the command on the eager blob (every module lazy, or, when
that run's output differs, the top-level packages lazy in groups halved
until identical), the modules never touched named one by one with
`--lazy-include` in a freeze with `--profile CMD`.

Rounds interleave the commands and, inside each, the three variants in a
new random order; one warm-up round first (not counted). Every run's stdout
and exit code are compared with the default importer's: a variant that
differs makes the command's figures invalid, and is printed loudly.

Besides the timed runs, untimed runs of each oxpack variant with a prelude
(an atexit hook) count the modules in sys.modules at exit and those whose
body never ran (the runtime's _LazyModule), and, with a runtime built with
-DOXPACK_RUNTIME_PROFILE=ON (--phases DIR, default build-prof/ when it is
there), read the runtime's phase timers: the time spent in
PyMarshal_ReadObjectFromString (unmarshal) and reading payloads, summed
over the process.
"""
import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402  (the environment's python, run(), log())
from benchfn import runtime_in, stats, timed  # noqa: E402  (the shared harness)

HERE = Path(__file__).resolve().parent
CMDS_DIR = HERE / "lazy_cmds"
BOOTSTRAP = (se.REPO / "tools" / "oxpack" / "run_bootstrap.py").read_text()
VARIANTS = ("default", "eager", "lazy")

# `oxpack run` itself first asks the interpreter its cache tag (one extra
# `python -S` process, tools/oxpack/runtime_files.cpp) before exec'ing
# python with the bootstrap: the same for the eager and the lazy variant, and
# not what lazy execution changes, so the runs here start at that exec.
SKIP_PROBE = True


def commands():
    """name -> python's arguments (-m MODULE ..., -c CODE ..., or SCRIPT ...)
    and extra environment. Every command runs in bench/lazy_cmds/."""
    stdlib = str(se.WORKLOADS / "stdlib-modules.txt")
    return {
        "pip list": {"args": ["-m", "pip", "list", "--disable-pip-version-check"],
                     "shown": "pip list --disable-pip-version-check (python -m pip; no network)"},
        "sympy": {"args": ["-c", "import sympy; print(sympy.sqrt(8))"],
                  "shown": "python -c \"import sympy; print(sympy.sqrt(8))\""},
        "boto3": {"args": ["-c", "import boto3; print(boto3.client('s3', region_name='us-east-1').meta.region_name)"],
                  "shown": "python -c \"import boto3; print(boto3.client('s3', region_name='us-east-1')"
                           ".meta.region_name)\""},
        "docutils": {"args": ["-c", "import sys, docutils.core; sys.stdout.write(docutils.core.publish_string("
                                    "open('sample.rst').read(), writer_name='html5').decode())"],
                     "shown": "docutils.core.publish_string(sample.rst, writer_name='html5')"},
        "pygmentize": {"args": ["-m", "pygments", "-l", "python", "app.py"],
                       "shown": "pygmentize -l python app.py (python -m pygments)"},
        "flask --help": {"args": ["-m", "flask", "--app", "app", "--help"],
                         "shown": "flask --app app --help (python -m flask; app.py: one route, one CLI command)"},
        "stdlib workload": {"args": [str(CMDS_DIR / "stdlib_set.py"), stdlib],
                            "env": {"SETUPTOOLS_USE_DISTUTILS": "stdlib"},
                            "shown": "every module of shared/workloads/stdlib-modules.txt "
                                     "(bench/lazy_cmds/stdlib_set.py)"},
        "real workload": {"args": [str(se.WORKLOADS / "real-set.py")],
                          "shown": "shared/workloads/real-set.py (sympy, boto3, IPython, flask, docutils, jedi, ...)"},
        # The workloads import and (but for boto3) never use what they import:
        # the same with every imported module then used (touch_all.py reads
        # each module's __dict__ until no new one appears), lazy's worst case.
        "stdlib, all touched": {"args": [str(CMDS_DIR / "touch_all.py"), str(CMDS_DIR / "stdlib_set.py"), stdlib],
                                "env": {"SETUPTOOLS_USE_DISTUTILS": "stdlib"},
                                "shown": "the stdlib workload, then every module in sys.modules used "
                                         "(bench/lazy_cmds/touch_all.py)"},
        "real, all touched": {"args": [str(CMDS_DIR / "touch_all.py"), str(se.WORKLOADS / "real-set.py")],
                              "shown": "the real workload, then every module in sys.modules used "
                                       "(bench/lazy_cmds/touch_all.py)"},
    }


QUICK = ("sympy", "pygmentize")

# Untimed runs: an atexit hook put before the bootstrap (same argv) writes
# what sys.modules holds at exit, the modules whose body never ran, and the
# runtime's phase timers when it has them (a profile build).
COUNT_PRELUDE = '''
def _oxpack_lazybench():
    import atexit, os, sys
    out = os.environ.pop("OXPACK_LAZYBENCH_OUT")

    def dump():
        mods = list(sys.modules.items())
        deferred = sorted(n for n, m in mods if type(m).__name__ == "_LazyModule")
        tops = sorted({n.partition(".")[0] for n, _ in mods})
        rt = sys.modules.get("oxpack_runtime")
        phases = rt._phases() if rt is not None and hasattr(rt, "_phases") else None
        with open(out, "w") as f:
            f.write(repr({"modules": len(mods), "deferred": deferred, "tops": tops, "phases": phases}))

    atexit.register(dump)


_oxpack_lazybench()
del _oxpack_lazybench
'''


def split(args):
    """python's arguments as run_bootstrap.py takes them: MODE TARGET REST."""
    if args[0] in ("-m", "-c"):
        return args[0], args[1], args[2:]
    return "script", args[0], args[1:]


class Bench:
    def __init__(self, a):
        self.a = a
        self.python = se.base_python()
        self.ext = runtime_in(se.BUILD / "python" / tag_of(self.python))
        self.phases_ext = None
        d = Path(a.phases or "/nonexistent") / "python" / tag_of(self.python)
        if d.is_dir() and any(n.startswith("oxpack_runtime") for n in os.listdir(d)):
            self.phases_ext = runtime_in(d)
        self.work = a.work
        self.work.mkdir(parents=True, exist_ok=True)
        self.eager_blob = self.work / "eager.oxr"

    def environ(self, spec, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
        env.update(spec.get("env", {}))
        env.update(extra or {})
        return env

    def argv(self, variant, spec, blob=None, ext=None, prelude=""):
        if variant == "default":
            return [self.python] + spec["args"]
        mode, target, rest = split(spec["args"])
        lazy = "auto" if variant == "lazy" else ""
        if variant.startswith("lazy="):  # the everything-lazy discovery run: globs
            lazy = variant[5:]
        # What `oxpack run BLOB [--lazy auto] ARGS` execs (cmd_run.cpp): origin,
        # files '' (the blob's defaults), stale 'warn', verify 'index'.
        return [self.python, "-c", prelude + BOOTSTRAP, ext or self.ext, str(blob), "", "warn", "index", "", lazy,
                mode, target] + rest

    def run_env(self, variant, spec, blob):
        # oxpack run also exports these (for the program's own children).
        extra = {}
        if variant != "default":
            extra["OXPACK_BLOB"] = str(blob)
            if variant != "eager":
                extra["OXPACK_LAZY"] = "auto" if variant == "lazy" else variant[5:]
        return self.environ(spec, extra)

    def run(self, variant, spec, blob=None):
        r, wall = timed(self.argv(variant, spec, blob), env=self.run_env(variant, spec, blob), cwd=CMDS_DIR)
        return wall, r

    def count(self, variant, spec, blob, ext=None):
        """One untimed run with the counting prelude: (its result dict, the
        CompletedProcess)."""
        with tempfile.NamedTemporaryFile("r", suffix=".count", dir=self.work) as f:
            env = self.run_env(variant, spec, blob)
            env["OXPACK_LAZYBENCH_OUT"] = f.name
            r, _ = timed(self.argv(variant, spec, blob, ext=ext, prelude=COUNT_PRELUDE), env=env, cwd=CMDS_DIR)
            text = f.read()
        return (eval(text, {"__builtins__": {}}) if text else None), r

    # ------------------------------------------------------------ blobs

    def freeze(self, out, extra, spec=None):
        if out.exists() and not self.a.rebuild and out.stat().st_mtime > se.OXPACK.stat().st_mtime:
            return out
        t = time.perf_counter()
        r = se.run([se.OXPACK, "freeze", "--no-progress", "--json", "--compress", "none", "--python", self.python,
                    "-o", out] + self.a.freeze_arg + extra, ok=(0, 5), env=self.environ(spec or {}), cwd=CMDS_DIR)
        took = time.perf_counter() - t
        se.log("lazy: froze %s in %.0f s" % (out.name, took))
        # freeze's JSON summary ("lazy": the size of the blob's lazy set) and
        # its warnings, kept beside the blob.
        summary = json.loads(r.stdout)
        summary["bench_freeze_s"] = took
        summary["bench_said"] = [l.strip() for l in r.stderr.splitlines() if l.strip()][:8]
        out.with_suffix(".freeze.json").write_text(json.dumps(summary, indent=1))
        return out

    def profile_cmd(self, spec):
        """The command as freeze --profile runs it (/bin/sh -c), in bench/lazy_cmds."""
        return "cd %s && %s" % (shlex.quote(str(CMDS_DIR)), " ".join(shlex.quote(x) for x in
                                                                      [self.python] + spec["args"]))

    def discover(self, name, spec):
        """The fallback's lazy set: the modules a run with lazy on never
        touched, from runs whose stdout and exit code are the default
        importer's. First everything lazy ('*'); when that run differs (a
        module with effects others rely on was deferred: mpmath's function
        registrations), the top-level packages the eager run imported, in
        groups halved until a group's run is identical (a package failing
        alone stays eager). Each run: the eager blob, lazy globs."""
        r, _ = timed([self.python] + spec["args"], env=self.environ(spec), cwd=CMDS_DIR)
        want = (r.returncode, r.stdout)
        runs = [0]

        def attempt(globs):
            runs[0] += 1
            res, r = self.count("lazy=" + globs, spec, self.eager_blob)
            return (res is not None and (r.returncode, r.stdout) == want), res

        ok, res = attempt("*")
        if ok:
            se.log("lazy: %s: everything lazy runs identically; %d modules never touched"
                   % (name, len(res["deferred"])))
            return res["deferred"], "everything lazy"
        eager, _ = self.count("eager", spec, self.eager_blob)
        found, refused, stack = set(), [], [eager["tops"]]
        while stack:
            group = stack.pop()
            ok, res = attempt(",".join("%s,%s.*" % (p, p) for p in group))
            if ok:
                found.update(res["deferred"])
            elif len(group) > 1:
                stack += [group[:len(group) // 2], group[len(group) // 2:]]
            else:
                refused.append(group[0])
        se.log("lazy: %s: everything lazy differs; %d runs by groups: %d modules never touched, packages left "
               "eager: %s" % (name, runs[0], len(found), ", ".join(refused)))
        return sorted(found), "by groups (%d runs), left eager: %s" % (runs[0], ", ".join(refused) or "none")

    def lazy_blob(self, name, spec, how):
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        out = self.work / ("lazy-%s-%s.oxr" % (slug, how))
        info = {"how": how}
        names_file = out.with_suffix(".lazyset")
        if how in ("auto", "check"):
            self.freeze(out, ["--profile", self.profile_cmd(spec), "--lazy", how], spec)
            sj = out.with_suffix(".freeze.json")
            summary = json.loads(sj.read_text()) if sj.exists() else {}
            info.update(chosen=summary.get("lazy"), freeze_s=summary.get("bench_freeze_s"),
                        freeze_said=summary.get("bench_said", []))
        else:
            if names_file.exists() and out.exists() and not self.a.rebuild and \
                    out.stat().st_mtime > se.OXPACK.stat().st_mtime:
                lines = names_file.read_text().splitlines()
                info["discovery"], names = lines[0][2:], lines[1:]
            else:
                names, info["discovery"] = self.discover(name, spec)
                names_file.write_text("\n".join(["# " + info["discovery"]] + names) + "\n")
                if out.exists():
                    out.unlink()
            extra = ["--profile", self.profile_cmd(spec)]
            for n in names:
                extra += ["--lazy-include", n]
            self.freeze(out, extra, spec)
            info["globs"] = len(names)
        return out, info


def explain(b, names, cmds, out):
    """Why `--lazy auto` left modules eager: per command, freeze -v's
    summary of the choice and, for the top-level packages the command
    imported, each one's reason (a throwaway blob; the measured blobs are
    not touched)."""
    res = {}
    for n in names:
        with tempfile.TemporaryDirectory(dir=b.work) as d:
            r = se.run([se.OXPACK, "-vv", "freeze", "--no-progress", "--compress", "none", "--python", b.python,
                        "-o", os.path.join(d, "x.oxr"), "--profile", b.profile_cmd(cmds[n]), "--lazy", "auto"]
                       + b.a.freeze_arg, ok=(0, 5), env=b.environ(cmds[n]), cwd=CMDS_DIR)
        summary = next((l.split("lazy: ", 1)[1] for l in r.stderr.splitlines() if "module(s) chosen" in l), "")
        tops = {}
        for l in r.stderr.splitlines():
            m = re.search(r"lazy: (yes|no) +([A-Za-z0-9_]+): (.*)$", l)
            if m and m.group(3) != "not imported in the profiled run":
                tops[m.group(2)] = ("lazy" if m.group(1) == "yes" else "eager") + ": " + m.group(3)
        res[n] = {"summary": summary, "top_level": tops}
        se.log("lazy: why, %s: %s" % (n, summary))
    out.write_text(json.dumps(res, indent=1))


def tag_of(python):
    return se.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"]).stdout.strip()


def freeze_has_lazy_auto():
    r = se.run([se.OXPACK, "freeze", "--help"])
    return re.search(r"^\s*--lazy(\s|,|=|$)", r.stdout, re.M) is not None


def load():
    return open("/proc/loadavg").read().split()[:3]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="3 rounds, 2 commands (%s)" % ", ".join(QUICK))
    ap.add_argument("--commands", help="comma-separated names (default: all; see commands())")
    ap.add_argument("--lazy-set", choices=("auto", "check", "globs"),
                    help="auto: freeze --profile CMD --lazy auto; check: --lazy check (auto, then the command run "
                         "again lazily, the set refused where the output differs); globs: the fallback, the set "
                         "found here by lazy runs, as --lazy-include (default: auto when this oxpack's freeze "
                         "has --lazy, else globs)")
    ap.add_argument("--phases", default=str(se.REPO / "build-prof"),
                    help="a build with -DOXPACK_RUNTIME_PROFILE=ON for the unmarshal timers (skipped if absent)")
    ap.add_argument("--count-rounds", type=int, default=3, help="untimed counting/phase runs per oxpack variant")
    ap.add_argument("--rebuild", action="store_true", help="freeze the blobs again even if up to date")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--explain", action="store_true",
                    help="no measurement: why freeze --lazy auto left modules eager, per command "
                         "(build/bench/lazy-why.json, read by the report)")
    ap.add_argument("--work", type=Path, default=se.WORK / "lazy", help="where the blobs go (build/bench/lazy)")
    ap.add_argument("--freeze-arg", action="append", default=[],
                    help="an argument for every freeze (e.g. --include 'pygments*' for a small test blob; "
                         "repeatable; the figures are then not the whole environment's)")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.count_rounds = min(a.rounds, 3), 1
    cmds = commands()
    names = a.commands.split(",") if a.commands else list(QUICK if a.quick else cmds)
    unknown = [n for n in names if n not in cmds]
    if unknown:
        raise SystemExit("lazy: unknown command(s) %s (known: %s)" % (", ".join(unknown), ", ".join(cmds)))
    a.json = a.json or se.WORK / ("lazy-quick.json" if a.quick else "lazy.json")
    how = a.lazy_set or ("auto" if freeze_has_lazy_auto() else "globs")
    b = Bench(a)
    if a.explain:
        explain(b, names, cmds, se.WORK / "lazy-why.json")
        return
    res = {"quick": a.quick, "freeze_args": a.freeze_arg, "rounds": a.rounds, "lazy_set": how, "python": b.python,
           "load": load(),
           "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "skip_probe": SKIP_PROBE,
           "phases_runtime": b.phases_ext, "commands": {}}
    b.freeze(b.eager_blob, [])
    blobs, infos = {}, {}
    for n in names:
        blobs[n], infos[n] = b.lazy_blob(n, cmds[n], how)
    # The reference: the default importer's stdout and exit code; then one
    # warm-up round of every variant (not counted).
    ref, mismatches = {}, {n: [] for n in names}

    def check(n, variant, r, what):
        got = (r.returncode, r.stdout)
        if variant == "default" and n not in ref:
            ref[n] = got
            if r.returncode != 0:
                se.log("lazy: WARNING: %s exits %d under the default importer:\n%s" % (n, r.returncode,
                                                                                         r.stderr[-1500:]))
            return
        if got != ref[n]:
            msg = "%s, %s (%s): exit %d vs %d, stdout %s" % (n, variant, what, r.returncode, ref[n][0],
                                                            "identical" if r.stdout == ref[n][1] else
                                                            "differs (%d vs %d chars)" % (len(r.stdout),
                                                                                          len(ref[n][1])))
            if len(mismatches[n]) < 5:
                mismatches[n].append(msg)
            se.log("lazy: MISMATCH: %s\n%s" % (msg, r.stderr[-1500:]))

    def blob_of(n, v):
        return None if v == "default" else b.eager_blob if v == "eager" else blobs[n]

    for n in names:
        for v in VARIANTS:
            _, r = b.run(v, cmds[n], blob_of(n, v))
            check(n, v, r, "warm-up")
    walls = {n: {v: [] for v in VARIANTS} for n in names}
    # The floor: the interpreter starting and exiting with nothing imported
    # (`python -c pass`, site included), once a round; no importer can go
    # below it, so default / floor bounds any variant's speed-up.
    floor = []
    for i in range(a.rounds):
        floor.append(b.run("default", {"args": ["-c", "pass"]})[0])
        for n in names:
            for v in random.Random(1000 * i + names.index(n)).sample(VARIANTS, len(VARIANTS)):
                wall, r = b.run(v, cmds[n], blob_of(n, v))
                check(n, v, r, "round %d" % (i + 1))
                walls[n][v].append(wall)
        se.log("lazy: round %d/%d done (load %s)" % (i + 1, a.rounds, " ".join(load())))
    counts = {n: {} for n in names}
    for n in names:
        for v in ("eager", "lazy"):
            runs = []
            for _ in range(max(1, a.count_rounds)):
                c, r = b.count(v, cmds[n], blob_of(n, v), ext=b.phases_ext)
                check(n, v, r, "counting run")
                if c:
                    runs.append(c)
            if runs:
                counts[n][v] = {"modules": runs[0]["modules"], "deferred": len(runs[0]["deferred"]),
                                "ran": runs[0]["modules"] - len(runs[0]["deferred"])}
                if runs[0]["phases"]:
                    counts[n][v]["phases"] = {k: {"s": stats([x["phases"][k][0] for x in runs]),
                                                  "n": runs[0]["phases"][k][1]} for k in runs[0]["phases"]}
    for n in names:
        res["commands"][n] = {
            "shown": cmds[n]["shown"], "wall_s": {v: stats(walls[n][v]) for v in VARIANTS},
            "identical_output": not mismatches[n], "mismatches": mismatches[n], "counts": counts[n],
            "lazy_blob": dict(infos[n], bytes=blobs[n].stat().st_size), "default_exit": ref[n][0],
            "stdout_head": ref[n][1][:200]}
    res["floor_s"] = stats(floor)
    res["eager_blob_bytes"] = b.eager_blob.stat().st_size
    res["load_after"] = load()
    res["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    import report_lazy

    print("\n".join(report_lazy.summary(res)))
    bad = [n for n in names if mismatches[n]]
    if bad:
        se.log("lazy: OUTPUT MISMATCH in %s: their figures are marked invalid" % ", ".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
