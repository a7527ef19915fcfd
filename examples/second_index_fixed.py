"""The second index fixed: leaving removes the Member from every index.

heapscope check examples/second_index_fixed.py:step    # no leak
"""

import itertools

members = {}
names = {}
_ids = itertools.count()


class Member:
    def __init__(self, _id, name):
        self._id = _id
        self.name = name


def join(name):
    member = Member(f"M{next(_ids):05d}", name)
    members[member._id] = member
    names[member.name] = member
    return member


def leave(member):
    del members[member._id]
    del names[member.name]


def step():
    member = join(f"user-{next(_ids)}")
    leave(member)
