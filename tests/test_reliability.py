"""Short forms of the stress runs (`make stress` runs the long ones)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stress.crash import crash_trials, integrity, store_digest  # noqa: E402
from stress.fuzz import fuzz, mutate  # noqa: E402


def test_fuzzed_inputs_never_crash_or_hang():
    report = fuzz(60, seed=7)
    assert report.cases >= 60
    assert report.failures == []


def test_mutation_is_deterministic_per_seed():
    import random

    data = b"Title line\n\nSome body text for the article.\n"
    assert mutate(data, random.Random(3)) == mutate(data, random.Random(3))


def _digest_corpus(d: Path, n: int) -> None:
    for i in range(n):
        (d / f"d{i:02d}.txt").write_text("\n".join(
            f"Report number {i}-{k} on the situation near the border\n\nMar {k + 1} 2023\n\n"
            f"Officials said {i * 10 + k} families had left the villages near the border on that day, "
            f"and that aid convoys were waiting at checkpoint {k}.\n\n" for k in range(8)), encoding="utf-8")


def test_kill_9_during_ingest_loses_nothing(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _digest_corpus(inputs, 12)
    report = crash_trials([str(inputs)], tmp_path, 2, seed=1)
    assert report.trials == 2
    assert report.integrity_failures == []
    assert report.content_mismatches == []


def test_store_digest_sees_content_changes(tmp_path: Path):
    from tocsin import api

    inputs = tmp_path / "in"
    inputs.mkdir()
    _digest_corpus(inputs, 1)
    db = tmp_path / "a.db"
    api.run([str(inputs)], db=str(db))
    before = store_digest(db)
    (inputs / "extra.txt").write_text("A new report on the talks\n\nApr 2 2023\n\nThe ministers met again.\n")
    api.run([str(inputs)], db=str(db))
    assert integrity(db) == "ok"
    assert store_digest(db) != before


@pytest.mark.skipif(os.name != "posix", reason="uses SIGALRM and kill -9")
def test_hostile_constructions_are_clean_errors():
    report = fuzz(0)
    assert report.cases >= 9
    assert report.failures == []
