"""A small project shipped as an oxpack blob by a setuptools command:

    python setup.py oxpack_freeze --report dist/greeter.html
    oxpack run dist/greeter.oxr -m greeter
"""
import os
import sys

from setuptools import setup

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oxpack_command import oxpack_freeze  # noqa: E402

setup(name="greeter", version="1.0", packages=["greeter"], package_data={"greeter": ["*.txt"]},
      cmdclass={"oxpack_freeze": oxpack_freeze})
