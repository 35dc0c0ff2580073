"""The conventions of the command line (issue #12 item 4, #10 item 7):
shell completions and the man page generated from the command table, -q,
NO_COLOR and --color."""
import os
import pty
import re
import shutil
import subprocess

import pytest

ESC = "\x1b["


def run_with_tty_stderr(oxpack, args, env=None):
    """Runs oxpack with stderr on a pseudo-terminal (so 'auto' colour is on); returns (rc, stderr text)."""
    master, slave = pty.openpty()
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env["TERM"] = "xterm"
    full_env.update(env or {})
    p = subprocess.Popen([str(oxpack.path), *map(str, args)], stdout=subprocess.DEVNULL, stderr=slave, env=full_env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(timeout=120), b"".join(chunks).decode(errors="replace")


@pytest.fixture
def warning_dir(tmp_path):
    """A directory whose freeze warns once (a FIFO is skipped) and exits 5."""
    d = tmp_path / "site"
    d.mkdir()
    (d / "mod.py").write_text("x = 1\n")
    os.mkfifo(str(d / "pipe"))
    return d


def test_color_auto_always_never_and_no_color(oxpack, warning_dir, tmp_path):
    freeze = ["freeze", warning_dir, "-o", tmp_path / "out.oxr", "--no-progress"]
    rc, err = run_with_tty_stderr(oxpack, freeze)
    assert rc == 5 and "warning" in err and ESC in err            # a terminal: colour
    rc, err = run_with_tty_stderr(oxpack, freeze, env={"NO_COLOR": "1"})
    assert rc == 5 and "warning" in err and ESC not in err        # NO_COLOR honoured (issue #10 item 7)
    rc, err = run_with_tty_stderr(oxpack, ["--color=never"] + freeze)
    assert rc == 5 and "warning" in err and ESC not in err
    rc, err = run_with_tty_stderr(oxpack, freeze + ["--color", "always"], env={"NO_COLOR": "1"})
    assert rc == 5 and ESC in err                                 # an explicit flag wins
    r = oxpack("--color", "always", *freeze)                      # not a terminal, but asked for
    assert r.returncode == 5 and ESC in r.stderr
    r = oxpack(*freeze)
    assert r.returncode == 5 and ESC not in r.stderr and "warning" in r.stderr
    assert oxpack("--color", "sometimes", "ls", "x.oxr").returncode == 2


def test_quiet(oxpack, warning_dir, tmp_path):
    r = oxpack("-q", "freeze", warning_dir, "-o", tmp_path / "a.oxr")
    assert r.returncode == 5 and r.stderr == ""                   # the exit code still tells
    r = oxpack("freeze", warning_dir, "-o", tmp_path / "b.oxr", "-q")
    assert r.returncode == 5 and r.stderr == ""
    r = oxpack("freeze", warning_dir, "-o", tmp_path / "c.oxr")
    assert "warning" in r.stderr and "entries" in r.stderr
    r = oxpack("-q", "ls", tmp_path / "missing.oxr")              # errors still show
    assert r.returncode == 3 and "missing.oxr" in r.stderr


def commands_of(oxpack):
    r = oxpack("--help")
    return re.findall(r"^    ([\w-]+)\s{2,}", r.stdout.split("\nCOMMANDS\n")[1].split("\n\n")[0], re.M)


def complete_bash(script, words):
    code = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _oxpack; ' \
           'printf "%s\\n" "${COMPREPLY[@]}"'
    r = subprocess.run(["bash", "-c", code, "-", str(script), *words], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, cwd=str(script.parent))
    assert r.returncode == 0, r.stderr
    return [w for w in r.stdout.splitlines() if w]


def test_bash_completion(oxpack, tmp_path):
    script = tmp_path / "oxpack.bash"
    assert oxpack("completion", "bash", "-o", script).returncode == 0
    assert set(complete_bash(script, ["oxpack", ""])) == set(commands_of(oxpack))
    assert complete_bash(script, ["oxpack", "fr"]) == ["freeze"]
    assert complete_bash(script, ["oxpack", "-v", "--color", "never", "re"]) == ["report"]
    assert complete_bash(script, ["oxpack", "--col"]) == ["--color"]
    assert sorted(complete_bash(script, ["oxpack", "--color", ""])) == ["always", "auto", "never"]
    assert sorted(complete_bash(script, ["oxpack", "hook", ""])) == ["install", "remove", "status"]
    assert sorted(complete_bash(script, ["oxpack", "run", "x.oxr", "--verify", ""])) == ["header", "index", "once", "pages"]
    assert "--profile-from" in complete_bash(script, ["oxpack", "freeze", "--prof"])
    assert complete_bash(script, ["oxpack", "info", "--tr"]) == ["--tree"]
    (tmp_path / "app.oxr").write_bytes(b"")
    assert "app.oxr" in complete_bash(script, ["oxpack", "report", "ap"])      # a path: file names
    assert "app.oxr" in complete_bash(script, ["oxpack", "freeze", "-o", "ap"])


def test_zsh_completion_loads(oxpack, tmp_path):
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed (scripts/setup installs it)")
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    assert oxpack("completion", "zsh", "-o", fpath / "_oxpack").returncode == 0
    assert subprocess.run(["zsh", "-n", str(fpath / "_oxpack")]).returncode == 0
    r = subprocess.run(["zsh", "-f", "-c", 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2"; '
                        'print -r -- ${_comps[oxpack]}', "-", str(fpath), str(tmp_path / "zcompdump")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0 and r.stdout.strip() == "_oxpack", r.stderr


def test_fish_completion(oxpack, tmp_path):
    if not shutil.which("fish"):
        pytest.skip("fish is not installed (scripts/setup installs it)")
    script = tmp_path / "oxpack.fish"
    assert oxpack("completion", "fish", "-o", script).returncode == 0
    home = tmp_path / "home"
    home.mkdir()

    def complete(line):
        r = subprocess.run(["fish", "--no-config", "-c", 'source $argv[1]; complete -C "$argv[2]"', str(script), line],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                           env=dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home)))
        assert r.returncode == 0, r.stderr
        return [line.split("\t")[0] for line in r.stdout.splitlines()]

    assert set(complete("oxpack ")) >= set(commands_of(oxpack))
    assert complete("oxpack fre") == ["freeze"]
    assert sorted(complete("oxpack run x.oxr --verify ")) == ["header", "index", "once", "pages"]
    assert "--output" in complete("oxpack freeze --out")


def test_man_page(oxpack, tmp_path):
    page = tmp_path / "oxpack.1"
    assert oxpack("man", "-o", page).returncode == 0
    text = page.read_text()
    assert text.startswith(".\\\" oxpack(1)") and ".TH OXPACK 1" in text
    for cmd in commands_of(oxpack):
        assert '.SS "oxpack %s ' % cmd.replace("-", "\\-") in text, cmd  # roff's hyphen
    if shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], stderr=subprocess.PIPE,
                           universal_newlines=True)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        r = subprocess.run(["groff", "-man", "-Tutf8", str(page)], stdout=subprocess.PIPE, universal_newlines=True,
                           env=dict(os.environ, GROFF_NO_SGR="1"))
        rendered = re.sub(r".\x08", "", r.stdout)
        assert "oxpack freeze [OPTIONS]" in rendered and "EXIT STATUS" in rendered
