"""The seed's fix: the registry holds its keys weakly (WeakKeyDictionary).

heapscope check examples/class_registry_fixed.py:step    # no leak
"""

from weakref import WeakKeyDictionary


class ClassB:
    def __init__(self):
        self.__values = WeakKeyDictionary()

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
