"""The lazy-execution section of docs/benchmarks.md (#15), from
build/bench/lazy.json (bench/run lazy), or, when only a quick run was made,
build/bench/lazy-quick.json, labelled as such. bench/report.py calls
sections(); bench/lazy.py prints summary(); `bench/run report_lazy`
rewrites this block alone.
"""
import statistics
from pathlib import Path

import report_block

GOAL_SPEEDUP = 2.0  # #15: lazy ≥ 2× faster than the default importer on the median of the commands
BEGIN = "<!-- bench/report_lazy.py: begin -->"
END = "<!-- bench/report_lazy.py: end -->"


_span = report_block.span


def _ratio(res, n, a, b):
    w = res["commands"][n]["wall_s"]
    return w[a]["median"] / w[b]["median"]


def _valid(res):
    return [n for n, c in res["commands"].items() if c["identical_output"]]


def _unmarshal(c, v):
    ph = c["counts"].get(v, {}).get("phases")
    if not ph:
        return None
    return ph["unmarshal"]["s"]["median"], ph["unmarshal"]["n"], ph["payload"]["s"]["median"]


def goals(res):
    valid = _valid(res)
    out = []
    if valid:
        med = statistics.median(_ratio(res, n, "default", "lazy") for n in valid)
        out.append(("lazy vs the default importer, median over %d commands" % len(valid), "≥ %.0f×" % GOAL_SPEEDUP,
                    "%.2f×" % med, med >= GOAL_SPEEDUP))
        slower = [n for n in valid if _ratio(res, n, "eager", "lazy") < 1.0]
        out.append(("lazy never slower than oxpack eager (medians)", "0 commands slower",
                    "%d slower%s" % (len(slower), (": " + ", ".join(slower)) if slower else ""), not slower))
    bad = [n for n in res["commands"] if n not in valid]
    out.append(("identical stdout and exit code, all variants", "all commands",
                "all" if not bad else "differs: " + ", ".join(bad), not bad))
    return out


def whys(res):
    """Where a goal is missed: by how much and why, from the figures."""
    valid = _valid(res)
    out = []
    fl = res.get("floor_s")
    if valid:
        med = statistics.median(_ratio(res, n, "default", "lazy") for n in valid)
        if med < GOAL_SPEEDUP:
            per = []
            for n in valid:
                c = res["commands"][n]["counts"]
                if "eager" in c and "lazy" in c:
                    per.append("%s %d → %d (%d deferred)" % (n, c["eager"]["modules"], c["lazy"]["modules"],
                                                             c["lazy"]["deferred"]))
            txt = ("**Lazy against the default importer:** %.2f× on the median of the commands against %.0f×. "
                   "Lazy execution skips only the bodies a command never touches, and what those bodies would "
                   "have imported: modules at exit, eager → lazy (bodies still deferred at exit): %s. A command "
                   "that uses most of what it imports keeps most of its bodies, and the interpreter's own "
                   "start-up stays whole" % (med, GOAL_SPEEDUP, "; ".join(per)))
            if fl:
                low = [n for n in valid if res["commands"][n]["wall_s"]["default"]["median"] / fl["median"]
                       < GOAL_SPEEDUP]
                txt += "; `python -c pass` (site included, nothing imported) takes %.0f ms here" % (fl["median"] * 1000)
                if low:
                    txt += (", so even an importer that cost nothing could not make %d of the %d commands 2× faster "
                            "(the *bound* column: default / `python -c pass`): %s" % (len(low), len(valid),
                                                                                   ", ".join(low)))
                else:
                    txt += (": the *bound* column (default / `python -c pass`) is at least 2× for every command, so "
                            "the interpreter's own start-up is not what keeps the goal out of reach; the bodies "
                            "that still run are")
            out.append(txt + ". No lazy set can defer a module the command reads even once: beyond it, only "
                       "making the bodies that do run, or the interpreter's start-up, cheaper would help.")
        slower = [n for n in valid if _ratio(res, n, "eager", "lazy") < 1.0]
        if slower:
            parts = []
            for n in slower:
                w = res["commands"][n]["wall_s"]
                overlap = w["lazy"]["min"] <= w["eager"]["max"] and w["eager"]["min"] <= w["lazy"]["max"]
                parts.append("%s %.3f× (lazy %.0f ms, eager %.0f ms; spreads %s)" % (
                    n, _ratio(res, n, "eager", "lazy"), w["lazy"]["median"] * 1000, w["eager"]["median"] * 1000,
                    "overlap" if overlap else "**do not overlap**"))
            out.append("**Lazy slower than eager:** " + "; ".join(parts) + ". Where the spreads overlap the "
                       "difference is within this loaded machine's noise; lazy's own cost is the deferral "
                       "(a `_LazyModule` per deferred module, the glob match per import) and, for a body run "
                       "later, the attribute hook until it runs.")
    bad = [n for n in res["commands"] if n not in valid]
    if bad:
        out.append("**Output differs** (figures invalid): " + "; ".join(
            "%s: %s" % (n, " / ".join(res["commands"][n]["mismatches"][:2])) for n in bad))
    return out


def table(res):
    md = ["| command | default, ms | oxpack eager, ms | oxpack lazy, ms | lazy vs default | lazy vs eager | "
          "modules at exit, eager / lazy; of them, bodies run | unmarshal, eager / lazy, ms (modules; % of the median) | "
          "bound: default / `python -c pass` | same output |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    fl = res.get("floor_s")
    for n, c in res["commands"].items():
        w = c["wall_s"]
        ok = c["identical_output"]
        inv = "" if ok else " **invalid**"
        ce, cl = c["counts"].get("eager", {}), c["counts"].get("lazy", {})
        mods = "%s / %s; %s / %s" % (ce.get("modules", "–"), cl.get("modules", "–"), ce.get("ran", "–"),
                                     cl.get("ran", "–"))
        um = []
        for v in ("eager", "lazy"):
            u = _unmarshal(c, v)
            um.append("%.1f (%d; %.0f%%)" % (u[0] * 1000, u[1], 100 * u[0] / w[v]["median"]) if u else "–")
        md.append("| %s | %s | %s | %s | %.2f×%s | %.2f×%s | %s | %s | %s | %s |" % (
            n, _span(w["default"]), _span(w["eager"]), _span(w["lazy"]), _ratio(res, n, "default", "lazy"), inv,
            _ratio(res, n, "eager", "lazy"), inv, mods, " / ".join(um),
            "%.1f×" % (w["default"]["median"] / fl["median"]) if fl else "–", "yes" if ok else "**NO**"))
    return md


def summary(res):
    """The console summary bench/lazy.py prints."""
    lines = ["lazy execution, whole process, %s%d rounds, medians (min-max), ms; load %s -> %s"
             % ("QUICK, " if res["quick"] else "", res["rounds"], " ".join(res["load"]), " ".join(res["load_after"]))]
    lines += table(res)
    lines += ["goal: %s: %s, measured %s: %s" % (g, t, m, "met" if ok else "NOT MET") for g, t, m, ok in goals(res)]
    lines += whys(res)
    for n, c in res["commands"].items():
        for m in c["mismatches"]:
            lines.append("MISMATCH: " + m)
    return lines


_load_named = report_block.load


def _load(results):
    """The full run's results, else the quick run's."""
    return report_block.load(results, "lazy") or report_block.load(results, "lazy-quick")


def sections(results):
    res = _load(results)
    if not res:
        return []
    ph = next((c["counts"].get("lazy", {}).get("phases") for c in res["commands"].values()
               if c["counts"].get("lazy", {}).get("phases")), None)
    how = {"auto": "`oxpack freeze --profile CMD --lazy auto`: the modules the profiled run imported and never "
                   "used, whose bodies have no effect outside themselves (the recorder watches every body: "
                   "sys.modules/sys.path/meta_path edits, atexit, codecs, copyreg, warnings, logging, writes to "
                   "other modules and classes, registrations; lib/freeze/lazy_choice)",
           "check": "`oxpack freeze --profile CMD --lazy check`: the `--lazy auto` set, verified by running the "
                    "command again lazily (a module whose deferral changes the output is refused)",
           "globs": "what `oxpack freeze --lazy auto` is to record, found by hand until it lands: one run of "
                    "the command on the eager blob with every module lazy (`lazy='*'`); when that run's output "
                    "differs from the default importer's (a deferred module had effects others rely on), runs "
                    "with the top-level packages the command imports made lazy in groups, each group halved "
                    "until its run is identical (a package that differs alone stays eager); the modules still "
                    "deferred at the exit of the identical runs (never touched) are named one by one with "
                    "`--lazy-include`, in a freeze that also has `--profile CMD`"}[res["lazy_set"]]
    md = [BEGIN, "## Lazy execution: start-up of real commands (#15)\n"]
    if res["quick"]:
        md.append("**From a quick run (`bench/run lazy --quick`: %d rounds, %d commands): indicative only; "
                  "`bench/run lazy` is the full measurement.**\n" % (res["rounds"], len(res["commands"])))
    md += ["`bench/run lazy` (bench/lazy.py; results in build/bench/lazy.json; `bench/run report_lazy` rewrites "
           "this section alone). Each command runs three ways, whole process (python start to exit), in "
           "bench/lazy_cmds/: **default**, the interpreter (%s) over the machine's environment (its stdlib and "
           "site-packages); **oxpack eager**, that environment frozen into one stored blob "
           "(`oxpack freeze --python python3`, %.0f MB) and installed by `oxpack run`'s own bootstrap "
           "(tools/oxpack/run_bootstrap.py, `python -c BOOTSTRAP ...`: what `oxpack run BLOB ARGS` execs; the "
           "launcher's extra `python -S` that asks the interpreter its cache tag is left out of both oxpack "
           "variants); **oxpack lazy**, a blob of the same environment frozen with a profile of that very command "
           "and run with `--lazy auto`; its lazy set: %s. Measured %s, %d rounds after one warm-up round; commands "
           "interleaved, the three variants in a new random order each time; medians with min–max. This 2-core VM "
           "was shared with other engineers' builds: load average %s at the start, %s at the end; ratios are "
           "between runs made side by side.\n"
           % (res["python"], res["eager_blob_bytes"] / 1e6, how, res["started"],
              res["rounds"], " ".join(res["load"]), " ".join(res["load_after"])),
           "Every run's stdout and exit code are compared with the default importer's; a command where any "
           "variant differs is marked invalid and left out of the goals. *Modules at exit*: `len(sys.modules)` "
           "at exit (an atexit hook put before the bootstrap, untimed runs; it includes the modules the "
           "interpreter's start-up and site import before the blob is installed), and of them those whose body "
           "ran (all but those still the runtime's `_LazyModule`). *Unmarshal*: %s\n"
           % ("the runtime's phase timer around `PyMarshal_ReadObjectFromString` (a build with "
              "`-DOXPACK_RUNTIME_PROFILE=ON`, in %d untimed runs per variant; median), summed over the process, "
              "against the variant's median whole-process time (the timed runs use the normal build); so few runs "
              "on this machine carry its noise (tens of percent between eager and lazy where the same modules "
              "ran). Payload reads (checksums, page faults on the blob) are timed apart: they are listed below."
              % max(1, ph["unmarshal"]["s"]["n"]) if ph else
              "not measured (no profile build: `-DOXPACK_RUNTIME_PROFILE=ON` in build-prof/)."),
           "| goal | target | measured | met |\n| --- | --- | --- | --- |"]
    md += ["| %s | %s | %s | %s |" % (g, t, m, "yes" if ok else "**no**") for g, t, m, ok in goals(res)]
    md.append("")
    w = whys(res)
    if w:
        md += ["### Where a goal is not met: by how much and why\n", "\n\n".join(w), ""]
    md += table(res)
    md.append("")
    md.append("Commands:\n")
    for n, c in res["commands"].items():
        lb = c["lazy_blob"]
        md.append("- **%s**: `%s`; lazy blob %.0f MB%s%s" % (
            n, c["shown"], lb["bytes"] / 1e6, (", %d modules named lazy%s" % (
                lb["globs"], " (%s)" % lb["discovery"] if lb.get("discovery") else "") if "globs" in lb else
                ", lazy set of %s module(s) chosen by freeze (%.0f s, the profiled run included)%s" % (
                    lb.get("chosen", "?"), lb.get("freeze_s") or 0,
                    "; freeze said: " + " / ".join("`%s`" % l for l in lb["freeze_said"])
                    if lb.get("freeze_said") else "")),
            "" if c["identical_output"] else "; **output mismatch**: " + "; ".join(c["mismatches"])))
    why = _load_named(results, "lazy-why")
    if why and res["lazy_set"] in ("auto", "check"):
        md += ["\n### What `--lazy auto` kept eager, and why\n",
               "`bench/lazy.py --explain` (build/bench/lazy-why.json): the same freeze with `-vv` (a throwaway blob), "
               "its summary of the choice per command and, for the top-level packages the command imported, the "
               "decision and its reason as freeze gives it (C modules and those loaded before the recorder left "
               "out; those with effects first, 8 at most).\n"]
        for n in res["commands"]:
            w = why.get(n)
            if not w:
                continue
            tops = sorted(w["top_level"].items())
            # The packages the choice weighed: not the C modules and those loaded before the recorder.
            eager = [(k, v) for k, v in tops if v.startswith("eager") and not k.startswith("_") and any(
                r in v for r in ("has effects", "used after", "raised"))]
            eager.sort(key=lambda kv: ("has effects" not in kv[1], kv[0].lower()))
            lazy = [k for k, v in tops if v.startswith("lazy")]
            md.append("- **%s**: %s.%s%s" % (
                n, w["summary"].replace(" (oxpack lazy-report says why for each)", ""),
                " Top-level lazy: %s." % ", ".join(lazy) if lazy else "",
                " Top-level eager: %s%s." % ("; ".join("%s (%s)" % (k, v[len("eager: "):]) for k, v in eager[:8]),
                                            "; and %d more" % (len(eager) - 8) if len(eager) > 8 else "")
                if eager else ""))
    alt = _load_named(results, "lazy-globs")
    if alt and alt.get("lazy_set") == "globs" and res["lazy_set"] != "globs":
        md += ["\n### Against a set that ignores effects\n",
               "`bench/lazy.py --lazy-set globs --json build/bench/lazy-globs.json` (a separate run, %s, %d rounds, "
               "load %s): the lazy set found by lazy runs of the command alone — every module never touched, "
               "effects or not — kept only where the output stays identical. It shows what `--lazy auto` leaves "
               "eager because a body has effects outside itself (or because importing below a package runs the "
               "package's body). It is not a safe set: identical output is all it was checked against, and the "
               "real workload prints nothing (its check is the exit code alone), the stdlib workload one count.\n"
               % (alt["started"], alt["rounds"], " ".join(alt["load"])),
               "| command | lazy vs default, `--lazy auto` | modules at exit (deferred) | lazy vs default, set "
               "ignoring effects | modules at exit (deferred) | same output |", "| --- | --- | --- | --- | --- | --- |"]
        at = lambda c: "%s (%s)" % (c["counts"].get("lazy", {}).get("modules", "–"),
                                    c["counts"].get("lazy", {}).get("deferred", "–"))
        for n, c in res["commands"].items():
            a = alt["commands"].get(n)
            if not a:
                continue
            md.append("| %s | %.2f× | %s | %.2f× | %s | %s |" % (
                n, _ratio(res, n, "default", "lazy"), at(c), _ratio(alt, n, "default", "lazy"), at(a),
                "yes" if a["identical_output"] else "**no**"))
    if ph:
        md.append("\nPayload reads (the phase timer around reading a payload: prefetch, checksum; page faults on "
                  "the mapped blob), eager / lazy, ms: " + "; ".join(
                      "%s %.1f / %.1f" % (n, _unmarshal(c, "eager")[2] * 1000, _unmarshal(c, "lazy")[2] * 1000)
                      for n, c in res["commands"].items() if _unmarshal(c, "eager") and _unmarshal(c, "lazy")) + ".")
    md.append("")
    return md + [END]


def main():
    report_block.rewrite_main("lazy-execution", sections, BEGIN, END, "report_lazy")


if __name__ == "__main__":
    main()
