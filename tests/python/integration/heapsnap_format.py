"""A checker of Chrome DevTools heap snapshot files, written from the published
format (V8's HeapSnapshotJSONSerializer; DevTools' HeapSnapshotLoader reads the
same), and the graph algorithms the tests run on an exported file.

It checks what a reader relies on: the meta's field lists, node and edge
arrays whose lengths are multiples of their field counts, edge counts that
sum to the edge array, every to_node a node offset, every string index in
range, enum fields inside their type lists, unique node ids.  It accepts a
snapshot V8 itself writes; the tests check that too.
"""

from __future__ import annotations

import json
from collections import Counter

NODE_FIELDS_MIN = ["type", "name", "id", "self_size", "edge_count"]
EDGE_FIELDS = ["type", "name_or_index", "to_node"]


class FormatError(AssertionError):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check(doc):
    """Raise FormatError for the first thing a reader would trip on; return the counts."""

    def need(cond, what):
        if not cond:
            raise FormatError(what)

    need(isinstance(doc, dict), "not a JSON object")
    for key in ("snapshot", "nodes", "edges", "strings"):
        need(key in doc, f"no {key!r}")
    snap, nodes, edges, strings = doc["snapshot"], doc["nodes"], doc["edges"], doc["strings"]
    meta = snap.get("meta")
    need(isinstance(meta, dict), "no snapshot.meta")
    nf, ef = meta.get("node_fields"), meta.get("edge_fields")
    need(isinstance(nf, list) and nf[: len(NODE_FIELDS_MIN)] == NODE_FIELDS_MIN, f"node_fields {nf}")
    need(ef == EDGE_FIELDS, f"edge_fields {ef}")
    nt, et = meta.get("node_types"), meta.get("edge_types")
    need(isinstance(nt, list) and len(nt) == len(nf) and isinstance(nt[0], list), "node_types")
    need(isinstance(et, list) and len(et) == len(ef) and isinstance(et[0], list), "edge_types")
    need(all(isinstance(s, str) for s in strings), "a string that is not a string")
    need(all(isinstance(x, int) and x >= 0 for x in nodes), "nodes: not all non-negative integers")
    need(all(isinstance(x, int) and x >= 0 for x in edges), "edges: not all non-negative integers")
    n_nf, n_ef = len(nf), len(ef)
    need(len(nodes) % n_nf == 0, "nodes length not a multiple of node_fields")
    need(len(edges) % n_ef == 0, "edges length not a multiple of edge_fields")
    node_count, edge_count = len(nodes) // n_nf, len(edges) // n_ef
    need(snap.get("node_count") == node_count, f"node_count {snap.get('node_count')} != {node_count}")
    need(snap.get("edge_count") == edge_count, f"edge_count {snap.get('edge_count')} != {edge_count}")
    ti, ni, ii, ci = (nf.index(k) for k in ("type", "name", "id", "edge_count"))
    need(sum(nodes[i + ci] for i in range(0, len(nodes), n_nf)) == edge_count, "edge counts do not sum up")
    ids = [nodes[i + ii] for i in range(0, len(nodes), n_nf)]
    need(len(set(ids)) == len(ids), "node ids not unique")
    for i in range(0, len(nodes), n_nf):
        need(nodes[i + ti] < len(nt[0]), f"node type {nodes[i + ti]} out of range")
        need(nodes[i + ni] < len(strings), f"node name {nodes[i + ni]} not a string index")
    name_edge = {k for k, t in enumerate(et[0]) if t not in ("element", "hidden")}
    for i in range(0, len(edges), n_ef):
        kind, name, to = edges[i], edges[i + 1], edges[i + 2]
        need(kind < len(et[0]), f"edge type {kind} out of range")
        need(to % n_nf == 0 and to < len(nodes), f"to_node {to} is not a node offset")
        if kind in name_edge:
            need(name < len(strings), f"edge name {name} not a string index")
    return {"nodes": node_count, "edges": edge_count}


class Graph:
    """The exported graph: node names, sizes, adjacency (node numbers)."""

    def __init__(self, doc):
        meta = doc["snapshot"]["meta"]
        nf, n_ef = meta["node_fields"], len(meta["edge_fields"])
        n_nf = len(nf)
        nodes, edges, strings = doc["nodes"], doc["edges"], doc["strings"]
        ti, ni, si, ci = (nf.index(k) for k in ("type", "name", "self_size", "edge_count"))
        self.types = meta["node_types"][0]
        self.edge_types = meta["edge_types"][0]
        self.n = len(nodes) // n_nf
        self.kind = [self.types[nodes[i * n_nf + ti]] for i in range(self.n)]
        self.name = [strings[nodes[i * n_nf + ni]] for i in range(self.n)]
        self.size = [nodes[i * n_nf + si] for i in range(self.n)]
        self.out: list[list[int]] = []
        self.edges: list[list[tuple[str, object]]] = []
        e = 0
        for i in range(self.n):
            k = nodes[i * n_nf + ci]
            row, labels = [], []
            for j in range(e, e + k):
                t = self.edge_types[edges[j * n_ef]]
                name = edges[j * n_ef + 1]
                row.append(edges[j * n_ef + 2] // n_nf)
                labels.append((t, name if t in ("element", "hidden") else strings[name]))
            self.out.append(row)
            self.edges.append(labels)
            e += k

    def counts(self):
        """Objects per name, the synthetic nodes left out."""
        return Counter(self.name[i] for i in range(self.n) if self.kind[i] != "synthetic")

    def retained(self, root=0):
        """Retained sizes from `root` (Cooper, Harvey & Kennedy's iterative dominators)."""
        order, seen, stack = [], [False] * self.n, [(root, 0)]
        seen[root] = True
        while stack:  # iterative DFS postorder
            v, i = stack.pop()
            if i < len(self.out[v]):
                stack.append((v, i + 1))
                w = self.out[v][i]
                if not seen[w]:
                    seen[w] = True
                    stack.append((w, 0))
            else:
                order.append(v)
        rpo = order[::-1]
        po_num = {v: k for k, v in enumerate(order)}
        preds: list[list[int]] = [[] for _ in range(self.n)]
        for v in rpo:
            for w in self.out[v]:
                preds[w].append(v)
        idom = {root: root}

        def intersect(a, b):
            while a != b:
                while po_num[a] < po_num[b]:
                    a = idom[a]
                while po_num[b] < po_num[a]:
                    b = idom[b]
            return a

        changed = True
        while changed:
            changed = False
            for v in rpo[1:]:
                new = None
                for p in preds[v]:
                    if p in idom:
                        new = p if new is None else intersect(p, new)
                if idom.get(v) != new:
                    idom[v] = new
                    changed = True
        retained = {v: self.size[v] for v in rpo}
        for v in order:  # children before parents
            if v != root:
                retained[idom[v]] += retained[v]
        return retained
