"""The interpreter probe: oxpack runs `python -c <this file>` once per scan or
freeze and reads one JSON object from its stdout (lib/scan/interpreter.cpp).

Kept to what every CPython from 3.8 on has; imports nothing a site
customisation would not already have imported.
"""
import importlib.machinery as m, importlib.util as u, json, os, platform, site, sys, sysconfig
paths = sysconfig.get_paths()
sp = []
try:
    sp = list(site.getsitepackages())
except Exception:
    pass
if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
    sp.append(site.getusersitepackages())
# In a venv, the base interpreter's site-packages too: it lies inside the
# stdlib directory, which is a root, and is never this environment's.
if sys.prefix != sys.base_prefix:
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    sp += [base[k] for k in ("purelib", "platlib") if base.get(k) and base[k] not in sp]
json.dump({
  "implementation": sys.implementation.name,
  "version": "%d.%d.%d" % sys.version_info[:3],
  "version_info": list(sys.version_info[:2]),
  "hexversion": sys.hexversion,
  "magic": u.MAGIC_NUMBER.hex(),
  "cache_tag": sys.implementation.cache_tag,
  "multiarch": getattr(sys.implementation, "_multiarch", "") or sysconfig.get_config_var("MULTIARCH") or sys.platform,
  "source_suffixes": m.SOURCE_SUFFIXES,
  "bytecode_suffixes": m.BYTECODE_SUFFIXES,
  "extension_suffixes": m.EXTENSION_SUFFIXES,
  "sys_path": [os.path.abspath(p) for p in sys.path if p],
  "prefix": sys.prefix, "base_prefix": sys.base_prefix, "exec_prefix": sys.exec_prefix,
  "stdlib": paths.get("stdlib", ""), "platstdlib": paths.get("platstdlib", ""),
  "purelib": paths.get("purelib", ""), "platlib": paths.get("platlib", ""),
  "site_packages": sp,
  "optimize": sys.flags.optimize,
  "executable": sys.executable,
  "sysconfig_platform": sysconfig.get_platform(),
  "libc": " ".join(platform.libc_ver()) if sys.platform.startswith("linux") else "",
}, sys.stdout)
