"""A second index outlives the first: `del members[id]` does not free the Member.

heapscope check examples/second_index.py:step
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
    del members[member._id]  # still in `names`


def step():
    member = join(f"user-{len(names)}")
    leave(member)
