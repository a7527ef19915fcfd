"""SQLAlchemy event listeners attached to a global target on every create_app().

Reproduces DRYTRIX/TimeTracker#655 ("register flush listeners once per process, not per
create_app") and inconshreveable/sqltap#41 (listeners added per request, never removed).
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

EXPECT = {
    "verdict": "leak",
    "type": "AuditTrail",
    "holder": "Session",
    "hint": "sqlalchemy-listener-per-call",
}


class AuditTrail:
    def __init__(self):
        self.changes = []

    def before_flush(self, session, flush_context, instances):
        self.changes.append(len(session.new))


def create_app():
    audit = AuditTrail()  # ALLOC
    event.listen(Session, "before_flush", audit.before_flush)
    return audit


def step():
    create_app()
