"""Says hello, from wherever it was imported."""
import importlib.resources


def greeting():
    return importlib.resources.files(__name__).joinpath("greeting.txt").read_text().strip()
