"""A tiny application frozen into a blob by examples/hello_app/run."""


def greeting():
    """The greeting shipped as package data, read through importlib.resources."""
    try:
        from importlib.resources import files  # Python 3.9+
    except ImportError:  # Python 3.8
        import pkgutil

        return pkgutil.get_data(__name__, "data/greeting.txt").decode().strip()
    return files(__name__).joinpath("data/greeting.txt").read_text().strip()


def version():
    """The installed version, from the distribution metadata in the blob."""
    from importlib.metadata import version as v

    return v("hello_app")
