"""A Dask job whose workers import the application from a blob: two worker
processes, 16 tasks that import it and read its data file by path, where
each worker got its modules, then a third worker that joins later.
Prints one JSON line."""
import json
import logging
import sys

from dask.distributed import Client, LocalCluster

import oxpack.dask


def task(x):
    import clusterapp
    return clusterapp.work(x)


def where():
    import clusterapp
    return clusterapp.where()


def main(blob):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        try:
            client.register_plugin(oxpack.dask.BlobPlugin(blob))
        except ImportError as e:
            print(json.dumps({"error": type(e).__name__, "message": str(e)}))
            return
        results = client.gather(client.map(task, range(16)))
        workers = client.run(where)
        cluster.scale(3)
        client.wait_for_workers(3, timeout=120)
        late = client.run(where)
        print(json.dumps({"results": results, "workers": workers, "after_join": late}))


if __name__ == "__main__":
    main(sys.argv[1])
