"""functools.lru_cache on a method keeps every instance alive through `self` in its keys.

Reproduces pytest-dev/pytest#9148 ("Avoid @lru_cache on methods") and PyCQA/flake8#1573.
"""

import functools

EXPECT = {
    "verdict": "leak",
    "type": "PriceService",
    "holder": "PriceService.quote",
    "hint": "lru-cache-on-method",
}


class PriceService:
    def __init__(self, currency):
        self.currency = currency
        self.table = list(range(50))

    @functools.lru_cache(maxsize=None)
    def quote(self, sku):
        return (sku, self.currency)


def step():
    svc = PriceService("EUR")  # ALLOC
    svc.quote("A-1")
