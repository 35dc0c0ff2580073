"""The application the cluster tests freeze (with orjson, which has a native
extension) and then delete: workers can only import it from the blob."""
import os
import sys

import orjson

DATA = os.path.join(os.path.dirname(__file__), "data", "table.json")


def work(x):
    """A short task: reads the data file by path, parses it with orjson."""
    with open(DATA, "rb") as f:
        table = orjson.loads(f.read())
    return {"x": x, "value": table["factor"] * x + len(table["words"]), "pid": os.getpid()}


def where():
    """Where this worker process got its modules from."""
    import oxpack_runtime
    return {
        "pid": os.getpid(),
        "blobs": [f.path for f in oxpack_runtime.installed()],
        "modules": {name: {"loader": type(sys.modules[name].__loader__).__module__,
                           "file": sys.modules[name].__file__}
                    for name in ("clusterapp", "orjson", "orjson.orjson")},
    }
