"""bench/run cluster: shipping an application to fresh cluster workers with a
blob, against each engine's own way to ship the same environment.

The application is tests/cluster/app (a package that reads its data file by
path) with orjson (a native extension). The workers run from a venv that
holds the engines and nothing else (build/bench/cluster/venv, made once), so
every method must really ship orjson and the application:

  dask   oxpack     oxpack.dask.BlobPlugin (the blob, once per node)
         pip+dir    distributed's PipInstall(orjson, --no-cache-dir) and
                    UploadDirectory(the application, update_path, restart_workers)
  spark  oxpack     oxpack.spark.conf: the blob in spark.files, oxpack.spark.daemon
         archives   spark.archives: a venv-pack tarball of a venv holding orjson
                    and the application (PYSPARK_PYTHON inside it)

Client.upload_file and --py-files of the application as a zip do not work
here: a zip on sys.path serves imports but not the application's data file
by path (NotADirectoryError: .../clusterapp.zip/clusterapp/data/table.json).
  ray    oxpack     oxpack.ray.runtime_env: the blob in py_modules + setup hook
         pip        runtime_env pip: [orjson] (Ray builds a virtualenv per node;
                    --no-cache-dir) and the application in py_modules
         workdir    runtime_env working_dir: the application and orjson's files

Each round starts a fresh local cluster per method (2 worker processes;
Spark: local-cluster[2,1,1024], a standalone master, 2 workers, 2 executor
JVMs), rounds interleave the methods, and the clock starts after the cluster
is up, right before the shipping (plugin registration, the first action,
the tasks' runtime_env). 64 short tasks (import the application, read and
parse its data file) are submitted at once; each returns the wall time it
finished. Reported: submit -> first result, and submit -> all 64, medians
with min-max over the rounds, and the bytes each method moves.

    python3 bench/cluster.py [--rounds 5] [--engines dask,spark,ray] [--out build/bench/cluster-results.json]
                             [--big] [--methods oxpack,oxpack-big,...]

--big adds 'oxpack-big' for Dask and Ray: a blob of the bench venv (stdlib,
dask, distributed, ray...; pyspark left out, ~0.3 GB) shipped by the same plugins, to see what
the engines' distribution of a big file costs per node.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "cluster"))
import clusterkit  # noqa: E402

WORK = os.path.join(clusterkit.BUILD, "bench", "cluster")
VENV = os.path.join(WORK, "venv")
VENV_PY = os.path.join(VENV, "bin", "python")
ENGINES = ("dask==2026.8.0", "distributed==2026.8.0", "pyspark==4.3.0", "ray==2.60.0",
           "virtualenv")  # Ray's runtime_env pip makes a virtualenv per node
TASKS = 64
METHODS = {"dask": ("oxpack", "pip+dir"), "spark": ("oxpack", "archives"), "ray": ("oxpack", "pip", "workdir")}
LOOPBACK = {"SPARK_LOCAL_IP": "127.0.0.1", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def orjson_requirement():
    import importlib.metadata
    return "orjson==" + importlib.metadata.version("orjson")


# ---------------------------------------------------------------- artefacts

def prepare():
    """Everything the methods ship, made once into build/bench/cluster/."""
    os.makedirs(WORK, exist_ok=True)
    if subprocess.run([VENV_PY, "-c", "import dask, distributed, pyspark, ray, virtualenv"], stderr=subprocess.DEVNULL).returncode:
        log("cluster bench: making %s (the engines, no orjson)" % VENV)
        if not os.path.exists(VENV_PY):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *ENGINES], check=True)
    if subprocess.run([VENV_PY, "-c", "import orjson"], stderr=subprocess.DEVNULL).returncode == 0:
        raise SystemExit("cluster bench: %s must not hold orjson: every method has to ship it" % VENV)
    a = {}
    art = os.path.join(WORK, "artefacts")
    shutil.rmtree(art, ignore_errors=True)
    os.makedirs(art)
    a["blob"] = clusterkit.freeze_app(art, compress="zstd")
    # The application alone as a zip (upload_file, --py-files) and a directory (py_modules).
    a["app_zip"] = os.path.join(art, "clusterapp.zip")
    zip_dir(clusterkit.APP, a["app_zip"])
    a["app_dir"] = os.path.join(art, "app", "clusterapp")
    shutil.copytree(os.path.join(clusterkit.APP, "clusterapp"), a["app_dir"],
                    ignore=shutil.ignore_patterns("__pycache__"))
    # working_dir: the application and orjson's installed files side by side.
    a["workdir"] = os.path.join(art, "workdir")
    shutil.copytree(clusterkit.APP, a["workdir"], ignore=shutil.ignore_patterns("__pycache__"))
    import orjson
    site = os.path.dirname(os.path.dirname(orjson.__file__))
    for name in os.listdir(site):
        if name == "orjson" or (name.startswith("orjson-") and name.endswith(".dist-info")):
            shutil.copytree(os.path.join(site, name), os.path.join(a["workdir"], name),
                            ignore=shutil.ignore_patterns("__pycache__"))
    a["workdir_zip_bytes"] = zip_dir(a["workdir"], os.path.join(art, "workdir.zip"))
    # Spark's archives: a venv with orjson, packed by venv-pack.
    env = os.path.join(WORK, "spark-env")
    tarball = os.path.join(WORK, "spark-env.tar.gz")
    if not os.path.exists(tarball):
        log("cluster bench: packing %s with venv-pack" % tarball)
        if not _has("venv_pack"):
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "venv-pack"],
                           check=True)
        shutil.rmtree(env, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", env], check=True)
        env_py = os.path.join(env, "bin", "python")
        subprocess.run([env_py, "-m", "pip", "install", "-q", "--disable-pip-version-check", orjson_requirement()],
                       check=True)
        site = subprocess.run([env_py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
        shutil.copytree(os.path.join(clusterkit.APP, "clusterapp"), os.path.join(site, "clusterapp"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        partial = tarball.replace(".tar.gz", ".partial.tar.gz")
        subprocess.run([sys.executable, "-m", "venv_pack", "-p", env, "-o", partial, "-q", "--force"], check=True)
        os.replace(partial, tarball)
    a["tarball"] = tarball
    # What pip downloads for orjson (PipInstall, Ray's pip): the wheel.
    wheels = os.path.join(WORK, "wheel")
    if not os.path.isdir(wheels) or not os.listdir(wheels):
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        "-d", wheels, orjson_requirement()], check=True)
    a["wheel_bytes"] = sum(os.path.getsize(os.path.join(wheels, n)) for n in os.listdir(wheels))
    a["orjson"] = orjson_requirement()
    return a


def _has(module):
    return subprocess.run([sys.executable, "-c", "import " + module], stderr=subprocess.DEVNULL).returncode == 0


def zip_dir(root, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x != "__pycache__"]
            for f in files:
                p = os.path.join(d, f)
                z.write(p, os.path.relpath(p, root))
    return os.path.getsize(out)


def shipped_bytes(engine, method, a):
    """What the method moves for one node with two workers (per-node and
    per-worker transfers as the engine does them)."""
    blob = os.path.getsize(a["blob"])
    z = os.path.getsize(a["app_zip"])
    if method == "oxpack-big":
        return {"per_node": os.path.getsize(a["big"]), "what": "a blob of the bench venv less pyspark (--big), once per node"}
    if method == "oxpack":
        return {"per_node": blob, "what": "the blob, once per node"}
    if engine == "dask":
        return {"per_node": 2 * (a["wheel_bytes"] + z),
                "what": "orjson's wheel from PyPI and the directory's zip, for each worker"}
    if engine == "spark":
        return {"per_node": os.path.getsize(a["tarball"]),
                "what": "the venv tarball (Spark's per-node fetch cache), unpacked per executor"}
    if method == "pip":
        return {"per_node": a["wheel_bytes"] + zip_size_of_dir(a["app_dir"]),
                "what": "orjson's wheel from PyPI into a per-node virtualenv, and the app package"}
    return {"per_node": a["workdir_zip_bytes"], "what": "the working_dir zip, once per node"}


def zip_size_of_dir(d):
    with tempfile.TemporaryDirectory() as t:
        return zip_dir(d, os.path.join(t, "x.zip"))


# ------------------------------------------------------------------ drivers
# Run under the venv's python (--driver ENGINE METHOD ARTEFACTS.json): start
# a fresh cluster, then time the shipping and the 64 tasks. One JSON line.

def task(x):
    import time
    import clusterapp
    r = clusterapp.work(x)
    return r["value"], time.time()


def task_big(x):
    # --big: the workers install a blob of the whole bench venv; what is
    # timed is its distribution, so the task itself needs nothing.
    import time
    return 7 * x + 3, time.time()


def task_for(method):
    return task_big if method.endswith("-big") else task


def driver_dask(method, a, tmp):
    import logging
    import dask
    from dask.distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import PipInstall, UploadDirectory
    dask.config.set({"temporary-directory": os.path.join(tmp, "scheduler")})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      local_directory=os.path.join(tmp, "workers"), silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(2)
        t0 = time.time()
        if method.startswith("oxpack"):
            import oxpack.dask
            client.register_plugin(oxpack.dask.BlobPlugin(a["big" if method.endswith("-big") else "blob"]))
        else:
            client.register_plugin(PipInstall([a["orjson"]], pip_options=["--no-cache-dir", "-q"]))
            # (the artefacts copy: UploadDirectory skips every path containing "tests")
            client.register_plugin(UploadDirectory(os.path.dirname(a["app_dir"]), update_path=True,
                                                   restart_workers=True))
        results = client.gather(client.map(task_for(method), range(TASKS), pure=False))
        t1 = time.time()
    return t0, t1, results


def driver_spark(method, a, tmp):
    from pyspark.sql import SparkSession
    b = (SparkSession.builder.master("local-cluster[2,1,1024]").appName("oxpack-cluster-bench")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.executor.cores", "1"))
    if method == "oxpack":
        import oxpack.spark
        b = b.config(map=oxpack.spark.conf(a["blob"]))
    else:
        # Spark's documented way (python-packaging.html): the packed venv as
        # an archive, its python for the executors.
        os.environ["PYSPARK_PYTHON"] = "./environment/bin/python"
        b = b.config("spark.archives", a["tarball"] + "#environment")
    spark = b.getOrCreate()
    try:
        sc = spark.sparkContext
        sc.setLogLevel("ERROR")
        # executors registered: the cluster is up; nothing is shipped yet
        deadline = time.time() + 120
        while sc._jsc.sc().getExecutorMemoryStatus().size() < 3 and time.time() < deadline:
            time.sleep(0.1)
        t0 = time.time()
        results = sc.parallelize(range(TASKS), TASKS).map(task).collect()
        t1 = time.time()
    finally:
        spark.stop()
    return t0, t1, results


def driver_ray(method, a, tmp):
    # Ray takes local directories (py_modules, working_dir) only in a job's
    # runtime_env (ray.init), not per task. So this process starts the
    # cluster and a second process, the job, connects to it with the
    # runtime_env: the clock starts there, right before its ray.init.
    import ray
    ray_tmp = tempfile.mkdtemp(prefix="oxr-", dir="/tmp")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR", _temp_dir=ray_tmp)
        try:
            address = ray.get_runtime_context().gcs_address
            job = subprocess.run([sys.executable, os.path.abspath(__file__), "--ray-job", method, json.dumps(a),
                                  address], stdout=subprocess.PIPE, universal_newlines=True, timeout=900)
            if job.returncode:
                raise RuntimeError("ray job (%s) failed: %d" % (method, job.returncode))
            out = json.loads(job.stdout.strip().splitlines()[-1])
        finally:
            ray.shutdown()
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    return out["t0"], out["t1"], out["results"]


def ray_job(method, a_json, address):
    import ray
    a = json.loads(a_json)
    t0 = time.time()
    if method.startswith("oxpack"):
        import oxpack.ray
        env = oxpack.ray.runtime_env(a["big" if method.endswith("-big") else "blob"])
    elif method == "pip":
        env = {"pip": {"packages": [a["orjson"]], "pip_install_options": ["--no-cache-dir"]},
               "py_modules": [a["app_dir"]]}
    else:
        env = {"working_dir": a["workdir"]}
    ray.init(address=address, runtime_env=env, log_to_driver=False, logging_level="ERROR")
    try:
        remote = ray.remote(num_cpus=1)(task_for(method))
        results = ray.get([remote.remote(x) for x in range(TASKS)], timeout=600)
        t1 = time.time()
    finally:
        ray.shutdown()
    print(json.dumps({"t0": t0, "t1": t1, "results": results}))


def run_driver(engine, method, artefacts_json):
    with open(artefacts_json) as f:
        a = json.load(f)
    with tempfile.TemporaryDirectory(prefix="oxpack-cluster-bench-") as tmp:
        t0, t1, results = {"dask": driver_dask, "spark": driver_spark, "ray": driver_ray}[engine](method, a, tmp)
    values = sorted(v for v, _ in results)
    # (task and task_big both return 7x+3: the first from the application's data file)
    assert values == [7 * x + 3 for x in range(TASKS)], values
    print(json.dumps({"first": min(t for _, t in results) - t0, "total": t1 - t0}))


# -------------------------------------------------------------------- main

def one(engine, method, artefacts_json, node_cache):
    env = clusterkit.worker_env(dict(LOOPBACK, OXPACK_CLUSTER_CACHE=node_cache, PYSPARK_PYTHON=VENV_PY))
    proc = subprocess.run([VENV_PY, os.path.abspath(__file__), "--driver", engine, method, artefacts_json],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          timeout=900, cwd=WORK)
    if engine == "dask" and method != "oxpack":
        # PipInstall installed orjson into the venv: the next fresh node has none.
        subprocess.run([VENV_PY, "-m", "pip", "uninstall", "-y", "-q", "orjson"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError("%s/%s failed:\n%s" % (engine, method, proc.stderr[-4000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": xs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--engines", default="dask,spark,ray")
    ap.add_argument("--out", default=os.path.join(clusterkit.BUILD, "bench", "cluster-results.json"))
    ap.add_argument("--driver", nargs=3, metavar=("ENGINE", "METHOD", "ARTEFACTS"), help=argparse.SUPPRESS)
    ap.add_argument("--big", action="store_true",
                    help="also ship a blob of the whole bench venv (engines included) with Dask and Ray: "
                         "the engines' distribution of a big file")
    ap.add_argument("--methods", help="only these methods (comma-separated, e.g. oxpack,oxpack-big)")
    ap.add_argument("--ray-job", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.ray_job:
        return ray_job(*args.ray_job)
    if args.driver:
        return run_driver(*args.driver)
    engines = [e for e in args.engines.split(",") if e]
    a = prepare()
    methods = {e: METHODS[e] + (("oxpack-big",) if args.big and e in ("dask", "ray") else ()) for e in engines}
    if args.methods:
        methods = {e: tuple(m for m in ms if m in args.methods.split(",")) for e, ms in methods.items()}
    if args.big:
        a["big"] = os.path.join(WORK, "venv.oxr")
        if not os.path.exists(a["big"]):
            log("cluster bench: freezing the bench venv into %s" % a["big"])
            # (without pyspark's 800 MB of jars: Ray's packages are capped at 512 MiB)
            r = subprocess.run([clusterkit.OXPACK, "freeze", "-q", "--no-progress", "--compress", "zstd", "--python",
                                VENV_PY, *[x for g in ("pyspark", "pyspark.*", "pyspark/*", "*/pyspark/*")
                                                     for x in ("--exclude", g)], "-o", a["big"]])
            if r.returncode not in (0, 5):       # 5: some inputs skipped, the blob is usable
                raise SystemExit("cluster bench: freezing the venv failed (%d)" % r.returncode)
    artefacts_json = os.path.join(WORK, "artefacts.json")
    with open(artefacts_json, "w") as f:
        json.dump(a, f)
    runs = {(e, m): [] for e in engines for m in methods[e]}
    for r in range(args.rounds):
        for e in engines:
            for m in methods[e]:
                # Fresh nodes: no node copy of the blob, no pip cache, new workers.
                node_cache = tempfile.mkdtemp(prefix="oxpack-node-")
                try:
                    res = one(e, m, artefacts_json, node_cache)
                finally:
                    shutil.rmtree(node_cache, ignore_errors=True)
                runs[(e, m)].append(res)
                log("round %d %-5s %-8s first %6.2f s  64 tasks %6.2f s" % (r + 1, e, m, res["first"], res["total"]))
    out = {"rounds": args.rounds, "tasks": TASKS, "blob_bytes": os.path.getsize(a["blob"]), "results": []}
    lines = ["%-6s %-9s %22s %22s %12s  %s" % ("engine", "method", "first result, s", "64 tasks, s",
                                               "bytes/node", "what is shipped")]
    for (e, m), rs in runs.items():
        first, total = summary([x["first"] for x in rs]), summary([x["total"] for x in rs])
        b = shipped_bytes(e, m, a)
        out["results"].append({"engine": e, "method": m, "first": first, "total": total, "bytes": b})
        lines.append("%-6s %-9s %8.2f (%5.2f-%5.2f) %8.2f (%5.2f-%5.2f) %12s  %s" % (
            e, m, first["median"], first["min"], first["max"], total["median"], total["min"], total["max"],
            format(b["per_node"], ","), b["what"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
