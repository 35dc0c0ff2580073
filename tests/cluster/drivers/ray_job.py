"""A Ray job whose workers import the application from a blob
(oxpack.ray.runtime_env): a local Ray with 2 CPUs, 16 tasks that import it
and read its data file by path, then where each worker process got its
modules. Prints one JSON line."""
import json
import os
import sys
import time

import ray

import oxpack.ray


@ray.remote(num_cpus=1, max_retries=0)   # a worker the setup hook stopped: fail, no retry
def task(x):
    import clusterapp
    return clusterapp.work(x)


@ray.remote(num_cpus=1)
def where(_):
    import clusterapp
    time.sleep(0.5)            # two at once: both worker processes answer
    return clusterapp.where()


def main(blob):
    if os.environ.get("OXPACK_TEST_WORKER_ONLY_CHECK"):
        # Test only: the driver skips its own check, as a driver on the
        # blob's platform would, so the worker (another platform) refuses it.
        from oxpack import _cluster
        _cluster.BlobRef.mismatch = lambda self: None
    try:
        env = oxpack.ray.runtime_env(blob)
    except ImportError as e:
        print(json.dumps({"error": type(e).__name__, "message": str(e)}))
        return
    # Everything on loopback (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 in the
    # environment keeps Ray from resolving 127.0.0.1 to the node's address).
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir=os.environ.get("OXPACK_RAY_TEMP"), runtime_env=env)
    try:
        try:
            results = ray.get([task.remote(x) for x in range(16)], timeout=240)
        except Exception as e:  # the setup hook refused the blob: the task fails with its message
            print(json.dumps({"error": type(e).__name__, "message": str(e)}))
            return
        workers = ray.get([where.remote(i) for i in range(4)], timeout=120)
        print(json.dumps({"results": results, "workers": workers}))
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
