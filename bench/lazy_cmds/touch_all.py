"""bench/run lazy's touch-everything wrapper: runs the script given (with
its arguments) as __main__, then reads `__dict__` of every module in
sys.modules, again and again until no new module appears: every imported
module is used, so a lazy body runs all the same (lazy execution's worst
case: the bodies and the deferral's own cost). Prints how many modules
failed when touched (0 when every body ran as the default importer's did)."""
import runpy
import sys

script, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(script, run_name="__main__")
seen, failed = set(), 0
while True:
    new = [(n, m) for n, m in list(sys.modules.items()) if n not in seen]
    if not new:
        break
    for n, m in new:
        seen.add(n)
        try:
            m.__dict__
        except Exception:
            failed += 1
print("touch failures:", failed)
