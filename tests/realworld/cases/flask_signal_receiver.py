"""Flask: an extension object connected to a Flask signal with a strong reference, per app.

Reproduces getsentry/raven-python#147 ("Use a weakref to hold onto the Sentry object when
connecting to flask's got_request_exception signal": every create_app() leaked its app).
"""

from flask import Flask, got_request_exception

EXPECT = {
    "verdict": "leak",
    "type": "ErrorReporter",
    "holder": "got_request_exception",
    "hint": "signal-receivers",
}


class ErrorReporter:
    def __init__(self, app):
        self.app = app
        got_request_exception.connect(self.report, sender=app, weak=False)

    def report(self, sender, exception, **extra):
        return exception


def step():
    ErrorReporter(Flask("tenant"))  # ALLOC
