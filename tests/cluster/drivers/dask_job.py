"""A Dask job whose workers import the application from a blob. argv: BLOB
WORKDIR. A LocalCluster with two worker processes (the scheduler's space and
the workers' in different directories, as on different nodes), 16 tasks
that import the application and read its data file by path, where each
worker got its modules and whether it fetched the node's copy, then a third
worker that joins later. Prints one JSON line."""
import json
import logging
import os
import sys
import time

import dask
from dask.distributed import Client, LocalCluster

import oxpack.dask


def task(x):
    import clusterapp
    return clusterapp.work(x)


def where():
    import clusterapp
    return clusterapp.where()


def main(blob, workdir):
    dask.config.set({"temporary-directory": os.path.join(workdir, "scheduler")})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      local_directory=os.path.join(workdir, "workers"), silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        plugin = oxpack.dask.BlobPlugin(blob)
        try:
            client.register_plugin(plugin)
        except ImportError as e:
            deadline = time.monotonic() + 30
            while client.scheduler_info(n_workers=-1)["workers"] and time.monotonic() < deadline:
                time.sleep(0.1)
            print(json.dumps({"error": type(e).__name__, "message": str(e),
                              "workers_left": len(client.scheduler_info(n_workers=-1)["workers"])}))
            return
        results = client.gather(client.map(task, range(16)))
        workers = client.run(where)
        fetched = client.run(lambda dask_worker: dask_worker.plugins[plugin.name].fetched)
        space = client.run(lambda dask_worker: os.path.dirname(dask_worker.local_directory))
        cluster.scale(3)
        client.wait_for_workers(3, timeout=120)
        late = client.run(where)
        print(json.dumps({"results": results, "workers": workers, "fetched": fetched,
                          "worker_space": sorted(set(space.values()))[0], "after_join": late}))


if __name__ == "__main__":
    main(*sys.argv[1:])
