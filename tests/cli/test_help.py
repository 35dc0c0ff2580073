"""--help, --version and usage errors (exit 2)."""
import re

import pytest

from conftest import error_lines

COMMANDS = ["freeze", "ls", "info", "verify", "cat", "extract"]


def test_version(oxpack):
    r = oxpack("--version")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"oxpack \d+\.\d+\.\d+", lines[0])
    assert lines[1] == ("format: writes oxr 1.3 (with the index page table), 1.4 (with an Absent record) or 1.5 "
                        "(with a SharedLibraries record), reads oxr 1.x")
    assert lines[2].startswith("runtime: oxpack_runtime for CPython 3.8 to 3.13; present here for ")


def test_top_level_help_lists_commands_examples_and_exit_codes(oxpack):
    r = oxpack("--help")
    assert r.returncode == 0
    for cmd in COMMANDS:
        assert re.search(rf"^\s+{cmd}\s", r.stdout, re.M), cmd
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXAMPLES", "EXIT STATUS",
                    "ENVIRONMENT", "SEE ALSO"):
        assert re.search(rf"^{section}$", r.stdout, re.M), section
    assert "oxpack freeze" in r.stdout
    for code, word in [(0, "success"), (1, "check failed"), (2, "usage"), (3, "bad input"), (4, "I/O error"),
                       (5, "skipped")]:
        assert re.search(rf"^\s+{code}\s+.*{word}", r.stdout, re.M), code


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help_has_an_example_and_exit_codes(oxpack, cmd):
    r = oxpack(cmd, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith(f"NAME\n    oxpack {cmd} - ")
    examples = r.stdout.split("\nEXAMPLES\n", 1)
    assert len(examples) == 2, r.stdout
    assert f"oxpack {cmd} " in examples[1]
    assert "\nEXIT STATUS\n" in r.stdout
    assert max(len(line) for line in r.stdout.split("\nEXAMPLES\n")[0].splitlines()) <= 100


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


def test_unknown_command_names_the_word_and_the_nearest_command(oxpack):
    r = oxpack("frezee", "-o", "x.oxr")
    assert r.returncode == 2
    assert error_lines(r.stderr) == ["oxpack: error: unknown command 'frezee'; did you mean 'freeze'? "
                                     "(oxpack --help lists the commands)"]
    r = oxpack("-v", "--color", "never", "lss", "x.oxr")
    assert r.returncode == 2 and "'lss'; did you mean 'ls'?" in r.stderr
    r = oxpack("zzzzzzzz")
    assert r.returncode == 2 and "unknown command 'zzzzzzzz'" in r.stderr and "did you mean" not in r.stderr


def test_cat_help_lists_kinds_readably(oxpack):
    r = oxpack("cat", "--help")
    assert r.returncode == 0
    assert "--kind {bytecode|bytecode-opt1|bytecode-opt2|extension|file|metadata|resource|source}" in r.stdout
    assert "->" not in r.stdout and "ENUM" not in r.stdout and "\t" not in r.stdout


def test_every_command_help_is_man_like(oxpack):
    r = oxpack("--help")
    commands = re.findall(r"^    (\w+)\s{2,}", r.stdout.split("\nCOMMANDS\n")[1].split("\n\n")[0], re.M)
    assert {"scan", "freeze", "report", "completion", "man"} <= set(commands)
    for cmd in commands:
        h = oxpack(cmd, "--help")
        assert h.returncode == 0, cmd
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES", "EXIT STATUS"):
            assert f"\n{section}\n" in "\n" + h.stdout, (cmd, section)
