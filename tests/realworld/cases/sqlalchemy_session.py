"""A process-wide SQLAlchemy Session that keeps what it is given: pending objects pile up.

The shape of podly-pure-podcasts/podly_pure_podcasts#199 ("Writer process memory leak:
SQLAlchemy identity map never cleared") and fedora-infra/tahrir-api#14 ("Stop sqlalchemy session
leak"): one Session for the whole process; here the batch commit never comes, so every object
added stays in the session.
"""

import itertools

from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

EXPECT = {"verdict": "leak", "type": "Segment", "holder": "session", "hint": "orm-session-holds-objects"}


class Base(DeclarativeBase):
    pass


class Segment(Base):
    __tablename__ = "segment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
session = Session(engine, autoflush=False)  # one for the whole process
_ids = itertools.count(1)


def step():
    seg = Segment(id=next(_ids), text="transcript")  # ALLOC
    session.add(seg)  # committed "at the end of the batch", which never comes
