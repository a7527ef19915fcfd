"""One SQLAlchemy session per unit of work, closed: the fixed twin of sqlalchemy_session.py."""

import itertools

from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

EXPECT = {"verdict": "no leak"}


class Base(DeclarativeBase):
    pass


class Segment(Base):
    __tablename__ = "segment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
_ids = itertools.count(1)


def step():
    with Session(engine) as session:
        session.add(Segment(id=next(_ids), text="transcript"))
        session.commit()
