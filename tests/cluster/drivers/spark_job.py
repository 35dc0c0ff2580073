"""A PySpark job whose Python workers import the application from a blob
(oxpack.spark.conf: the blob in spark.files, oxpack.spark.daemon as the
daemon module). argv: BLOB [MASTER]. 16 tasks that import it and read its
data file by path, then where each worker process got its modules.
Prints one JSON line."""
import json
import sys

from pyspark.sql import SparkSession

import oxpack.spark


def task(x):
    import clusterapp
    return clusterapp.work(x)


def where(_):
    import clusterapp
    return clusterapp.where()


def main(blob, master="local[2]"):
    spark = (SparkSession.builder.master(master).appName("oxpack-cluster-test")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config(map=oxpack.spark.conf(blob)).getOrCreate())
    try:
        sc = spark.sparkContext
        sc.setLogLevel("ERROR")
        try:
            results = sc.parallelize(range(16), 4).map(task).collect()
        except Exception as e:  # the daemon refused the blob: the job fails with its message
            print(json.dumps({"error": type(e).__name__, "message": str(e)}))
            return
        workers = sc.parallelize(range(8), 8).map(where).collect()
        print(json.dumps({"results": results, "workers": workers}))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
