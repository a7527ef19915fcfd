"""The seed's class-level registry: every ClassA ever made stays alive.

ClassA.class_b is one ClassB shared by all instances; ClassA.add() stores
`self` as a key of ClassB's private dict, so each run() leaks one ClassA.

    heapscope check examples/class_registry.py:step
"""


class ClassB:
    def __init__(self):
        self.__values = {}

    @property
    def values(self):
        return self.__values

    def add(self, instance, name):
        self.__values[instance] = name


class ClassA:
    class_b = ClassB()

    def add(self, name):
        self.class_b.add(self, name)


def step():
    class_a = ClassA()
    class_a.add("class A")


if __name__ == "__main__":
    for _ in range(100):
        step()
