"""The blob stands alone: real programs, run from the machine's whole
environment frozen into one blob and served in blob mode with the original
site-packages hidden (an empty tmpfs mounted over it in a private mount
namespace, `unshare -m`), print exactly what they print from the files.

They reach their packages' files every way real code does: botocore lists
and opens its data directory by path, docutils reads its stylesheets,
jsonschema its metaschemas through importlib.resources, pygments finds its
plugins through entry points, requests imports a mypyc-compiled module,
jedi runs a helper script by path in a child process (frozen with
--materialize), ssl opens certifi's bundle in C, pip lists and shows the
distributions, Flask and jinja2 load templates from a package, and a
multiprocessing spawn pool imports a module that exists only in a blob.
Each runs eagerly and again with lazy execution, the environment's lazy
set chosen by `freeze --lazy auto` from a profiled run of all of them."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import blobtools

SITE = sysconfig.get_paths()["purelib"]

APP = {
    "standalone_app/__init__.py": textwrap.dedent("""\
        import flask
        app = flask.Flask(__name__)

        @app.route('/')
        def index():
            return flask.render_template('page.html', who='flask', items=[1, 2, 3])
        """),
    "standalone_app/templates/page.html": "<h1>{{ who }}</h1>{% for i in items %}<i>{{ i }}</i>{% endfor %}\n",
    "standalone_app/worker.py": textwrap.dedent("""\
        import os
        def work(n):
            here = os.path.dirname(__file__)
            with open(os.path.join(here, 'templates', 'page.html')) as f:
                return [n * n, len(f.read())]
        """),
}

PROGRAMS = {
    "boto3": """
        import boto3
        session = boto3.Session(region_name='us-east-1')
        services = session.get_available_services()
        s3 = session.client('s3')
        ops = s3.meta.service_model.operation_names
        print(len(services), services[:3], len(ops), ops[:3], s3.meta.region_name)
        """,
    "requests": """
        import requests, charset_normalizer
        p = requests.Request('POST', 'https://example.com/a b', params={'q': 'caf\\u00e9'}, json={'x': [1, 2]}).prepare()
        print(p.method, p.url, sorted(p.headers.items()), p.body)
        print(charset_normalizer.from_bytes('h\\u00e9llo w\\u00f6rld'.encode('latin-1')).best().encoding)
        """,
    "jsonschema": """
        import jsonschema
        from jsonschema import Draft202012Validator
        schema = {'$schema': 'https://json-schema.org/draft/2020-12/schema', 'type': 'object',
                  'properties': {'n': {'type': 'integer', 'minimum': 3}}, 'required': ['n']}
        Draft202012Validator.check_schema(schema)
        v = Draft202012Validator(schema)
        print(sorted(e.message for e in v.iter_errors({'n': 1})), v.is_valid({'n': 4}))
        """,
    "docutils": """
        import hashlib
        from docutils.core import publish_string
        html = publish_string('Title\\n=====\\n\\n*emphasis* and ``code``\\n\\n- a\\n- b\\n', writer_name='html5')
        print(len(html), hashlib.sha256(html).hexdigest(), b'stylesheet' in html or b'<style' in html)
        """,
    "pygments": """
        import pygments, pygments.lexers, pygments.formatters, pygments.styles
        src = open(pygments.__file__).read()
        out = pygments.highlight(src, pygments.lexers.get_lexer_by_name('python'),
                                 pygments.formatters.HtmlFormatter(style='monokai'))
        print(len(out), out[:120], sorted(pygments.styles.get_all_styles())[:4])
        """,
    "certifi_ssl": """
        import ssl, certifi
        ctx = ssl.create_default_context(cafile=certifi.where())
        print(ctx.cert_store_stats()['x509_ca'] > 100, open(certifi.where()).read(64))
        """,
    "jedi": """
        import jedi
        script = jedi.Script('import os\\nos.getcw', path='example.py')
        print([c.name for c in script.complete(2, 8)])
        print([c.name for c in jedi.Script('import json\\njson.dum').complete(2, 8)])
        """,
    "pip_list_show": """
        import io, contextlib, runpy, sys
        def pip(*args):
            out = io.StringIO()
            sys.argv = ['pip', '--disable-pip-version-check', '--no-color', *args]
            with contextlib.redirect_stdout(out):
                try:
                    runpy.run_module('pip', run_name='__main__', alter_sys=True)
                except SystemExit as e:
                    assert not e.code, e.code
            return out.getvalue()
        print(pip('list'))
        print(pip('show', 'requests', 'jinja2'))
        """,
    "flask_jinja": """
        import jinja2, standalone_app
        client = standalone_app.app.test_client()
        r = client.get('/')
        print(r.status_code, r.data.decode())
        env = jinja2.Environment(loader=jinja2.PackageLoader('standalone_app', 'templates'))
        print(env.get_template('page.html').render(who='jinja2', items='ab'))
        """,
    "multiprocessing_spawn": """
        import multiprocessing as mp, standalone_app.worker as w
        if __name__ == '__main__':
            with mp.get_context('spawn').Pool(2) as pool:
                print(pool.map(w.work, [2, 3]))
        """,
}

# Runs a program file as __main__, with the blobs (argv[3:]) installed in
# blob mode first (argv[1] 'lazy': with their lazy sets), or (no blobs) with
# APP's directory on sys.path.
RUNNER = textwrap.dedent("""\
    import sys, runpy, warnings
    warnings.simplefilter('ignore')
    program, app_dir, blobs = sys.argv[1], sys.argv[2], sys.argv[3:]
    if blobs:
        import oxpack_runtime
        for b in blobs:
            oxpack_runtime.install(b, origin='blob', lazy=b.endswith('-lazy.oxr'))
    else:
        sys.path.insert(0, app_dir)
    sys.argv = [program]
    runpy.run_path(program, run_name='__main__')
    """)


def default_python():
    exe = shutil.which("python3")
    return exe and os.path.realpath(subprocess.run([exe, "-c", "import sys; print(sys.executable)"],
                                                   stdout=subprocess.PIPE, universal_newlines=True).stdout.strip())


def can_hide_site_packages():
    if not shutil.which("unshare"):
        return "unshare(1) is not installed"
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        'mount -t tmpfs oxpack-hidden "$0" && test -z "$(ls -A "$0")"', SITE],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return None if r.returncode == 0 else "cannot mount over site-packages in a private namespace: " + r.stderr.strip()


pytestmark = [
    pytest.mark.skipif(default_python() != os.path.realpath(sys.executable),
                       reason="the whole environment is frozen for the machine's default python3 only"),
]


@pytest.fixture(scope="module")
def hidden_ok():
    why = can_hide_site_packages()
    if why:
        pytest.skip(why)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """(env blob, app blob, app dir): python3's whole sys.path frozen with
    --materialize for the two packages whose files go to a child process by
    path (jedi runs its helper script; the helper imports parso from its
    path), and the test application frozen in blob mode."""
    base = tmp_path_factory.mktemp("standalone")
    env = str(base / "env.oxr")
    r = subprocess.run([blobtools.OXPACK, "freeze", "--python", sys.executable, "--origin", "blob",
                        "--materialize", "jedi", "--materialize", "parso", "-o", env],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode in (0, 5), r.stderr
    app_dir = base / "app"
    for rel, text in APP.items():
        p = app_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    app = str(base / "app.oxr")
    r = subprocess.run([blobtools.OXPACK, "freeze", str(app_dir), "--python", sys.executable, "--origin", "blob",
                        "-o", app], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    return env, app, str(app_dir)


@pytest.fixture(scope="module")
def lazy_env_blob(blobs, tmp_path_factory):
    """The environment's blob again, its lazy set chosen by `freeze --lazy
    auto` from a profiled run of every program (from the files)."""
    _, _, app_dir = blobs
    base = tmp_path_factory.mktemp("standalone-lazy")
    driver = base / "all_programs.py"
    names = sorted(PROGRAMS)
    for name in names:
        (base / (name + ".py")).write_text(textwrap.dedent(PROGRAMS[name]))
    driver.write_text(textwrap.dedent("""\
        import subprocess, sys
        for name in %r:
            subprocess.run([sys.executable, '-c', %r, %r + '/' + name + '.py', %r], check=True)
        """ % (names, RUNNER, str(base), app_dir)))
    blob = str(base / "env-lazy.oxr")
    r = subprocess.run([blobtools.OXPACK, "freeze", "--python", sys.executable, "--origin", "blob",
                        "--materialize", "jedi", "--materialize", "parso", "--profile-script", str(driver),
                        "--lazy", "auto", "--profile-timeout", "600", "-o", blob],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       env=dict(os.environ, PIP_NO_INDEX="1", PYTHONHASHSEED="0"))
    assert r.returncode in (0, 5), r.stderr
    lazy = subprocess.run([blobtools.OXPACK, "info", "--lazy", blob], stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout.split()
    assert len(lazy) > 20  # modules every program imports and none uses
    return blob


def run(cmd, env):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          timeout=600)


@pytest.mark.parametrize("mode", ["eager", "lazy"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_runs_from_the_blob_alone(name, mode, blobs, hidden_ok, tmp_path, request):
    env_blob, app_blob, app_dir = blobs
    if mode == "lazy":
        env_blob = request.getfixturevalue("lazy_env_blob")
    program = tmp_path / (name + ".py")
    program.write_text(textwrap.dedent(PROGRAMS[name]))
    env = blobtools.env_with_runtime({"OXPACK_CACHE_DIR": str(tmp_path / "cache"), "PIP_NO_INDEX": "1",
                                      "PYTHONHASHSEED": "0"})
    files = run([sys.executable, "-c", RUNNER, str(program), app_dir], env)
    assert files.returncode == 0, files.stderr
    moved = app_dir + ".moved"
    os.rename(app_dir, moved)  # nothing of the application left on disk
    try:
        alone = run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                     'mount -t tmpfs oxpack-hidden "$0" && exec "$@"', SITE,
                     sys.executable, "-c", RUNNER, str(program), app_dir, env_blob, app_blob], env)
    finally:
        os.rename(moved, app_dir)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout == files.stdout
    assert files.stdout.strip()


def test_site_packages_really_is_hidden(blobs, hidden_ok, tmp_path):
    """The check the suite rests on: with the tmpfs over it, site-packages is
    empty and an import the blob does not serve fails."""
    env = blobtools.env_with_runtime()
    r = run(["unshare", "-m", "--propagation", "private", "sh", "-c", 'mount -t tmpfs oxpack-hidden "$0" && exec "$@"',
             SITE, sys.executable, "-c", "import os, sys; print(os.listdir(sys.argv[1]))\ntry:\n import boto3\n"
             "except ImportError: print('no boto3')", SITE], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[]\nno boto3\n"
