"""A long-lived Mock records every call made to it (mock_calls, call_args_list).

Reproduces python/cpython#106823 ("unittest.mock objects leak new objects when calling
sys.getsizeof on them": every special-method call is recorded).
"""

import sys
import unittest.mock

EXPECT = {"verdict": "leak", "type": "unittest.mock._Call", "holder": "Literal", "hint": "mock-records-calls"}

Literal = unittest.mock.MagicMock(name="Literal")


def step():
    sys.getsizeof(Literal)  # ALLOC
