"""One jinja2 Environment for the whole service, its compiled templates cached: no leak.

getmoto/moto#281 and inspirehep/inspirehep#1565 keep one Environment so that its template
cache is used, as Jinja's documentation advises.  Each request renders one of many pages: the
cache (an LRUCache of `cache_size` entries) fills for as many calls as it has room, then
evicts its oldest templates.  Each entry is several objects of a type (the key tuple, the
template's code objects, their constants and names), so it grows by more than a few objects
per run until it is full.
"""

import itertools

import jinja2

PAGES = {f"page{i}.html": "<h1>{{ title }}</h1> page " + str(i) + " {{ n * 2 }}" for i in range(1000)}
env = jinja2.Environment(loader=jinja2.DictLoader(PAGES), cache_size=100)
_requests = itertools.count()

EXPECT = {"verdict": "no leak"}


def step():
    name = f"page{next(_requests) % len(PAGES)}.html"
    return env.get_template(name).render(title="t", n=3)
