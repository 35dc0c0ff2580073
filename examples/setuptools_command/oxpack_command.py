"""A setuptools command that ships a project as an oxpack blob:

    python setup.py oxpack_freeze [--output dist/app.oxr] [--compress zstd:9] [--report dist/app.html]

It builds the project (build_py), freezes what build_py produced with the
interpreter running setup.py as the target (blob mode: __file__ and
resources point into the blob), checks every checksum, and optionally
writes the HTML report. Everything goes through the `oxpack` package's API:
copy this file into a project and add it to cmdclass (see setup.py)."""
import os
import subprocess
import sys

from setuptools import Command

import oxpack


class oxpack_freeze(Command):
    description = "freeze the built package into an oxpack blob"
    user_options = [
        ("output=", "o", "the blob to write (default: dist/<name>.oxr)"),
        ("compress=", None, "none, zstd or zstd:LEVEL (default: zstd)"),
        ("report=", None, "also write the HTML report of the blob here"),
    ]

    def initialize_options(self):
        self.output = None
        self.compress = "zstd"
        self.report = None

    def finalize_options(self):
        if self.output is None:
            self.output = os.path.join("dist", self.distribution.get_name() + ".oxr")

    def run(self):
        self.run_command("build_py")
        build_lib = self.get_finalized_command("build_py").build_lib
        os.makedirs(os.path.dirname(os.path.abspath(self.output)), exist_ok=True)
        result = oxpack.freeze(self.output, [build_lib], python=sys.executable, origin="blob",
                               compress=self.compress, source_date_epoch=int(os.environ.get("SOURCE_DATE_EPOCH", 0)))
        for warning in result.warnings:
            self.warn(warning)
        with oxpack.open(self.output) as blob:
            problems = blob.verify()
            if problems:
                raise SystemExit("%s: damaged: %s" % (self.output, problems[0]))
            modules = sorted(e.key for e in blob if e.space == "module" and e.kind == "bytecode")
        print("%s: %d entries, %d bytes; modules: %s" % (self.output, result.entries, result.bytes,
                                                         ", ".join(modules)))
        if self.report:
            # The report is a command of the CLI; the API names the binary.
            subprocess.run([oxpack.binary(), "report", self.output, "-o", self.report, "-q"], check=True)
            print("%s: report written" % self.report)
