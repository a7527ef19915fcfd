"""Django with DEBUG=True in a long-running worker: every connection keeps the SQL it ran.

Reproduces open-cloud/xos#94 ("hpc_watcher memory leak if Debug = True", fixed with
django.db.reset_queries()) and Uninett/nav#97 ("ipdevpoll leaks memory": the query log).
Since django/django#2772 the log is bounded (9000 queries per connection): a worker grows by
that much per connection, which is what the reports saw.
"""

import django
from django.conf import settings

settings.configure(
    DEBUG=True,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[],
)
django.setup()

from django.db import connection  # noqa: E402

EXPECT = {"verdict": "leak", "type": "dict", "holder": "queries_log", "hint": "debug-mode-query-log"}


def poll_once():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # ALLOC


def step():
    poll_once()
