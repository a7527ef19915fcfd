"""Werkzeug routing rules built on the fly per request and added to the app's map.

Reproduces arXiv/arxiv-base#119 ("Earlier versions of this module built Werkzeug routing
machinery (Rules, Maps, etc) on the fly. This led to serious memory leaks").
"""

import itertools

from flask import Flask
from werkzeug.routing import Rule

EXPECT = {
    "verdict": "leak",
    "type": "werkzeug.routing.rules.Rule",
    "holder": "url_map",
    "hint": "unbounded-container",
}

app = Flask(__name__)
_n = itertools.count()


def external_url(name):
    app.url_map.add(Rule(f"/external/{name}/{next(_n)}", endpoint=name))  # ALLOC
    return name


def step():
    external_url("docs")
