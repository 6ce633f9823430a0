"""The bare Flask app that bench/load.py serves beside the portal, under the same gunicorn: the
ceiling that the portal's figures are read against.

    gunicorn --chdir bench bare:app"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
