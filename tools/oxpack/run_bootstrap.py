# oxpack run's bootstrap: the program `python -c` runs before the user's.
#
#     python [interpreter options] -c <this file> EXT BLOB ORIGIN STALE VERIFY FILES LAZY MODE TARGET [ARGS...]
#
# EXT is the oxpack_runtime extension file to load ('' to import it by name),
# BLOB the blob, ORIGIN/FILES '' for the blob's default, LAZY '' (none), 'auto'
# (the blob's recorded set) or comma-separated globs, MODE one of '-m',
# '-c' or 'script'. It installs the blob, then runs TARGET the way
# `python -m TARGET`, `python -c TARGET` or `python TARGET` would: sys.argv,
# sys.path[0] (unless -I / -P keep it out), __main__'s globals. Embedded in
# the oxpack binary by CMake (cmake/OxpackEmbed.cmake); tested on its own by
# tests/python/test_runtime_activation.py.
#
# (Comments, not a docstring: __main__.__doc__ stays None for the program.)


def _oxpack_run():
    import sys

    globals().pop("_oxpack_run", None)
    ext, blob, origin, stale, verify, files, lazy, mode, target = sys.argv[1:10]
    args = sys.argv[10:]
    rt = sys.modules.get("oxpack_runtime")
    if rt is None and ext:
        import importlib.util

        spec = importlib.util.spec_from_file_location("oxpack_runtime", ext)
        rt = importlib.util.module_from_spec(spec)
        sys.modules["oxpack_runtime"] = rt
        spec.loader.exec_module(rt)
    elif rt is None:
        try:
            import oxpack_runtime as rt
        except ImportError:
            sys.stderr.write("oxpack run: no oxpack_runtime for this Python (%s)\n" % sys.executable)
            raise SystemExit(3)
    try:
        rt.install(blob, origin=origin or None, stale=stale, verify=verify, files=files or None,
                   lazy=True if lazy in ("auto", "1", "true") else (lazy or False))
    except rt.BlobError as e:
        sys.stderr.write("oxpack run: %s\n" % e)
        raise SystemExit(3)
    import os

    # `python -c` put '' first on sys.path unless -I or -P said not to; the
    # program gets what `python -m` / `python SCRIPT` would have put there.
    owns_first = bool(sys.path) and sys.path[0] == ""
    if mode == "-m":
        import runpy

        sys.argv = [target] + args
        if owns_first:
            sys.path[0] = os.getcwd()
        runpy._run_module_as_main(target, alter_argv=True)
    elif mode == "-c":
        sys.argv = ["-c"] + args
        exec(compile(target, "<string>", "exec"), globals())
    else:
        import io

        sys.argv = [target] + args
        if owns_first:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
        with io.open_code(target) as f:
            code = compile(f.read(), target, "exec", dont_inherit=True)
        globals().update({"__file__": target, "__cached__": None})
        exec(code, globals())


_oxpack_run()
