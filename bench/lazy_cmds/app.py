"""The small Flask application of bench/run lazy's `flask --help` command
(run from this directory as `python -m flask --app app --help`; also the
Python file `pygmentize -l python` highlights)."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return jsonify(greeting="hello", items=[1, 2, 3])


@app.cli.command("greet")
def greet():
    """Print a greeting."""
    print("hello")
