"""A receiver left connected keeps its app, whose rules it holds: three types
grow together, and only the receiver's leak is the one to fix (the HTML page's
and diff's held-through tests use it)."""


class Rule:
    pass


class App:
    def __init__(self):
        self.rules = [Rule() for _ in range(3)]


class Receiver:
    def __init__(self):
        self.app = App()


receivers = []


def step():
    receivers.append(Receiver())
