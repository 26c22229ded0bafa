"""Process and Ray runners give the local runner's results, in input order, with errors carried over."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.errors import CODES, TocsinError
from tocsin.ingest import expand_inputs, read_input
from tocsin.model import BUNDLE, RawDocument
from tocsin.pipeline import LocalRunner
from tocsin.runners import get_runner
from tocsin.runners.process import ProcessRunner, as_result, run_one

SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))

# An invented two-article digest (not from the seed corpus).
DIGEST = """Shelling reported near the village of Talish overnight

Mar 3 2021

Armenpress

Residents of Talish said artillery fire continued for several hours overnight, damaging two houses.
Local officials said no one was hurt and that repairs would start next week.

Baku says new road to Shusha will open in spring

Apr 9 2022

Azertac

The ministry said the road would shorten the journey by two hours and carry supplies for reconstruction.
Engineers were quoted as saying the tunnels were nearly finished.
"""


def _docs(paths: list[Path]) -> list[RawDocument]:
    docs = []
    for item in expand_inputs([str(p) for p in paths]):
        assert not isinstance(item, TocsinError), item
        docs.extend(d for d in read_input(item) if not isinstance(d, TocsinError))
    return docs


def _fingerprint(results) -> list[tuple[str, list[tuple[str, dict]]]]:
    out = []
    for doc, res in results:
        assert not isinstance(res, TocsinError), res
        out.append((doc.id, [(a.id, a.annotations, a.stages) for a in res]))
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[RawDocument]:
    d = tmp_path_factory.mktemp("runners")
    (d / "a.txt").write_text(DIGEST, encoding="utf-8")
    (d / "b.txt").write_text(DIGEST.replace("Talish", "Martuni").replace("2021", "2020"), encoding="utf-8")
    paths = [d / "a.txt", d / "b.txt"]
    seed = SHARED / "seeds"
    if seed.is_dir():  # the smallest seed digest: real text, still quick
        paths.append(min(seed.iterdir(), key=lambda p: p.stat().st_size))
    return _docs(paths)


@pytest.fixture(scope="module")
def local_results(inputs):
    return _fingerprint(LocalRunner().run(inputs))


def test_process_runner_matches_local(inputs, local_results):
    # chunk=1: the articles of one document are spread over both workers and reassembled
    with ProcessRunner(workers=2, max_in_flight=2, chunk=1) as runner:
        first = _fingerprint(runner.run(inputs))
        again = _fingerprint(runner.run(inputs[:1]))  # the pool survives between run() calls
    assert [doc_id for doc_id, _ in first] == [d.id for d in inputs]  # input order
    assert first == local_results
    assert sum(len(arts) for _, arts in first) >= 2
    assert again == local_results[:1]


def test_ray_runner_matches_local(inputs, local_results):
    pytest.importorskip("ray")
    runner = get_runner("ray", workers=2, chunk=1)
    try:
        got = _fingerprint(runner.run(inputs))
    finally:
        runner.close()
    assert got == local_results


def test_failures_cross_the_process_boundary():
    class Boom:
        kind, name, version = "document", "boom", "1"

        @staticmethod
        def fn(doc):
            raise TocsinError("E105", "cannot decode", file=doc.source_file, line=3)

    doc = RawDocument("x.txt", "x.txt", "digest", BUNDLE, "text")
    err = as_result(run_one([Boom()], doc))
    assert isinstance(err, TocsinError) and err.code == "E105" and err.line == 3 and err.file == "x.txt"

    class Bug(Boom):
        @staticmethod
        def fn(doc):
            raise KeyError("oops")

    err = as_result(run_one([Bug()], doc))
    assert isinstance(err, TocsinError) and err.code == "E500" and "KeyError" in err.message


@given(st.sampled_from(sorted(CODES)), st.text(min_size=1), st.none() | st.text(), st.none() | st.integers(1, 10**6),
       st.none() | st.text())
def test_error_tuple_round_trip(code, message, file, line, hint):
    err = as_result(("error", code, message, file, line, hint))
    assert (err.code, err.message, err.file, err.line, err.hint) == (code, message, file, line, hint)


def test_bad_runner_options():
    with pytest.raises(TocsinError) as e:
        get_runner("gpu")
    assert e.value.code == "E301"
    with pytest.raises(TocsinError):
        ProcessRunner(workers=0)


# ---- chunked dispatch (runners/chunks.py) without a pool: submit runs at once, wait returns it.

from tocsin.pipeline import load_default_stages
from tocsin.runners.chunks import ordered_chunks, run_articles


@pytest.fixture(scope="module")
def stages():
    return load_default_stages().ordered(["segment", "sentences", "language"])


@settings(max_examples=15, deadline=None)
@given(chunk=st.integers(1, 5), max_in_flight=st.integers(1, 6), order=st.permutations(range(3)))
def test_ordered_chunks_match_process_document(inputs, stages, chunk, max_in_flight, order):
    from tocsin.pipeline import process_document

    docs = [inputs[i % len(inputs)] for i in order]
    waited = []

    def submit(arts, where):
        return run_articles(stages, arts, where)

    def wait(h):
        waited.append(h)
        return h

    got = list(ordered_chunks(docs, stages, submit, wait, max_in_flight, chunk))
    assert [d.id for d, _ in got] == [d.id for d in docs]
    for (doc, arts), want in zip(got, [process_document(d, stages) for d in docs]):
        assert [(a.id, a.annotations, [s.language for s in a.sentences]) for a in arts] == \
               [(a.id, a.annotations, [s.language for s in a.sentences]) for a in want]


def test_ordered_chunks_fail_the_whole_document(inputs, stages):
    class Bug:
        kind, name, version = "article", "bug", "1"

        @staticmethod
        def fn(art):
            if "Martuni" in art.text:
                raise ValueError("boom")
            return art

    with_bug = stages + [Bug()]
    got = list(ordered_chunks(inputs[:2], with_bug, lambda arts, where: run_articles(with_bug, arts, where),
                              lambda h: h, 4, 1))
    assert not isinstance(got[0][1], TocsinError) and len(got[0][1]) == 2
    err = got[1][1]
    assert isinstance(err, TocsinError) and err.code == "E500" and "ValueError" in err.message
    assert err.file == inputs[1].source_file


def test_ordered_chunks_carry_segmentation_errors(inputs):
    class Boom:
        kind, name, version = "document", "boom", "1"

        @staticmethod
        def fn(doc):
            raise TocsinError("E105", "cannot decode", file=doc.source_file, line=3)

    got = list(ordered_chunks(inputs[:2], [Boom()], lambda a, w: a, lambda h: h, 2))
    assert [type(r) for _, r in got] == [TocsinError, TocsinError]
    assert got[0][1].code == "E105"


def test_segmentation_only_runs_whole_documents_in_the_workers(inputs):
    """No article stage: workers get whole documents (chunking would leave them nothing to do)."""
    want = _fingerprint(LocalRunner(["segment"]).run(inputs))
    with ProcessRunner(workers=1, stages=["segment"]) as runner:
        assert _fingerprint(runner.run(inputs)) == want
