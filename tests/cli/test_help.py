"""--help, --version and usage errors (exit 2)."""
import re

import pytest

from conftest import error_lines

COMMANDS = ["freeze", "ls", "info", "verify", "cat", "extract"]


def test_version(oxpack):
    r = oxpack("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"oxpack \d+\.\d+\.\d+\n", r.stdout)


def test_top_level_help_lists_commands_examples_and_exit_codes(oxpack):
    r = oxpack("--help")
    assert r.returncode == 0
    for cmd in COMMANDS:
        assert re.search(rf"^\s+{cmd}\s", r.stdout, re.M), cmd
    assert "Examples:" in r.stdout
    assert "oxpack freeze" in r.stdout
    for code, word in [(0, "success"), (1, "check failed"), (2, "usage"), (3, "bad input"), (4, "I/O error"),
                       (5, "skipped")]:
        assert re.search(rf"^\s+{code}\s+.*{word}", r.stdout, re.M), code


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help_has_an_example_and_exit_codes(oxpack, cmd):
    r = oxpack(cmd, "--help")
    assert r.returncode == 0
    examples = r.stdout.split("Examples:", 1)
    assert len(examples) == 2, r.stdout
    assert f"oxpack {cmd} " in examples[1]
    assert "Exit codes:" in r.stdout


@pytest.mark.parametrize("args", [
    [],                                  # no command
    ["frobnicate"],                      # unknown command
    ["ls"],                              # missing BLOB
    ["cat", "x.oxr"],                    # missing NAME
    ["extract", "x.oxr"],                # missing -o
    ["ls", "x.oxr", "--no-such-flag"],
    ["freeze", "."],                     # missing -o
    ["cat", "x.oxr", "mod", "--kind", "sauce"],
])
def test_usage_errors_exit_2(oxpack, args):
    r = oxpack(*args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)


def test_bad_compress_spec_is_a_usage_error(oxpack, tree, tmp_path):
    root, _ = tree
    r = oxpack("freeze", root, "-o", tmp_path / "x.oxr", "--compress", "zstd:99")
    assert r.returncode == 2
    assert len(error_lines(r.stderr)) == 1
    assert "--compress" in r.stderr
    assert not (tmp_path / "x.oxr").exists()
