"""The whole snapshot loader under hostile files (issue #11): only SnapshotError
may escape snapfile.load and what `report` and `diff` read from it.

Replays tests/fuzz/loader-corpus/ (valid checksums, hostile stored results;
regenerate with `python tests/fuzz/fuzz_loader.py --write-corpus DIR`), then a
seeded mutation run.  Before the loader checked what it read, 500 mutations
let out TypeError, KeyError and RecursionError.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz"))
import fuzz_loader  # noqa: E402

from heapscope import snapfile  # noqa: E402

CORPUS = sorted(os.listdir(fuzz_loader.LOADER_CORPUS))


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_file_is_read_or_refused_in_one_sentence(name):
    try:
        fuzz_loader.consume(os.path.join(fuzz_loader.LOADER_CORPUS, name))
    except snapfile.SnapshotError as exc:
        assert "\n" not in str(exc) and str(exc)


def test_the_corpus_covers_hostile_results():
    refused = 0
    for name in CORPUS:
        try:
            fuzz_loader.consume(os.path.join(fuzz_loader.LOADER_CORPUS, name))
        except snapfile.SnapshotError:
            refused += 1
    assert refused >= 15


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_files_let_out_only_snapshot_errors(tmp_path, seed):
    tried, escaped = fuzz_loader.run_mutations(3000, seed, fuzz_loader.structured_cases(str(tmp_path)))
    assert tried == 3000
    assert escaped == []


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(snapfile.SnapshotError, match="not a file"):
        snapfile.load(str(tmp_path))
