"""Tests for tocsin.eval: small hand-built gold/export folders with hand-computed scores."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.errors import TocsinError
from tocsin.eval import METRICS, evaluate, format_table, norm, to_json

SEED = "seed_a.txt"
ARTICLE_METRICS = METRICS[:9]
EVENT_METRICS = ("event_recall", "event_precision", "event_type_acc", "event_link_f1")
CLAIM_METRICS = ("claim_recall", "claim_precision", "claim_attribution_acc",
                 "contradiction_recall", "contradiction_precision")


def gold_article(start, end, title_line=None, **kw):
    base = {"start_line": start, "end_line": end, "title": f"Title {start}",
            "title_line": start if title_line is None else title_line, "outlet": "Example Times",
            "date": "2022-05-01", "language": "en", "topic": "armenia-azerbaijan",
            "perspective": "neutral", "entities": [{"name": "Armenia", "type": "place"}]}
    base.update(kw)
    return base


def pred_from_gold(a, source=SEED, boilerplate=()):
    keys = ("start_line", "end_line", "title", "outlet", "date", "language", "topic", "perspective", "entities")
    rec = {k: a.get(k) for k in keys}
    rec.update(source_file=source, boilerplate_lines=list(boilerplate))
    return rec


def write_gold(root: Path, articles, boilerplate=(), name=SEED, events=None, claims=None):
    root.mkdir(parents=True, exist_ok=True)
    doc = {"file": name, "articles": articles, "boilerplate_lines": list(boilerplate), "notes": ""}
    (root / f"{Path(name).stem}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    if events is not None:
        (root / "events.json").write_text(json.dumps(events), encoding="utf-8")
    if claims is not None:
        (root / "claims.json").write_text(json.dumps(claims), encoding="utf-8")
    return root


def write_export(root: Path, articles, events=None, claims=None):
    root.mkdir(parents=True, exist_ok=True)
    for fname, recs in (("articles.jsonl", articles), ("events.jsonl", events), ("claims.jsonl", claims)):
        if recs is not None:
            (root / fname).write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return root


THREE = [gold_article(1, 10), gold_article(12, 20, perspective="pro-armenian"),
         gold_article(22, 30, perspective="pro-azerbaijani")]


def test_perfect_match_scores_one(tmp_path):
    g = write_gold(tmp_path / "g", THREE, boilerplate=[3])
    e = write_export(tmp_path / "e", [pred_from_gold(a, boilerplate=[3] if a["start_line"] == 1 else [])
                                      for a in THREE])
    r = evaluate(e, g)
    for m in ARTICLE_METRICS:
        assert r["files"][SEED][m] == 1.0, m
        assert r["overall"][m] == 1.0, m
    assert r["counts"]["overall"]["matched_articles"] == 3


def test_one_missing_article_gives_known_f1(tmp_path):
    g = write_gold(tmp_path / "g", THREE)
    e = write_export(tmp_path / "e", [pred_from_gold(a) for a in THREE[:2]])
    r = evaluate(e, g)
    assert r["overall"]["boundary_f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 1))
    assert r["overall"]["title_acc"] == 1.0  # accuracy is over matched articles only


def test_boundary_window_and_one_to_one(tmp_path):
    gold = [gold_article(10, 20, title_line=12)]
    g = write_gold(tmp_path / "g", gold)
    # 9 and 13 lie in [start-1, title_line+1]; 14 does not. Only one may match.
    preds = [dict(pred_from_gold(gold[0]), start_line=s) for s in (9, 13, 14)]
    r = evaluate(write_export(tmp_path / "e", preds), g)
    assert r["overall"]["boundary_f1"] == pytest.approx(2 * 1 / (2 * 1 + 2 + 0))
    r = evaluate(write_export(tmp_path / "e2", [dict(preds[0], start_line=14)]), g)
    assert r["overall"]["boundary_f1"] == 0.0
    assert r["overall"]["title_acc"] is None  # nothing matched: zero denominator


def test_null_equals_null_and_null_differs_from_value(tmp_path):
    gold = [gold_article(1, 5, outlet=None, title=None, title_line=None),
            gold_article(7, 9, outlet=None)]
    g = write_gold(tmp_path / "g", gold)
    preds = [pred_from_gold(gold[0]), dict(pred_from_gold(gold[1]), outlet="Azatutyun")]
    preds[0]["title"] = ""  # empty string normalises to null
    r = evaluate(write_export(tmp_path / "e", preds), g)
    assert r["overall"]["outlet_acc"] == 0.5
    assert r["overall"]["title_acc"] == 1.0


def test_punctuation_case_and_whitespace_folding(tmp_path):
    gold = [gold_article(1, 5, title="“Blockade of the  Lachin corridor”", outlet="«Le Monde»",
                         date="2023-01-02", language="EN")]
    g = write_gold(tmp_path / "g", gold)
    pred = dict(pred_from_gold(gold[0]), title="blockade of the\tLACHIN corridor…", outlet="le monde",
                date="2023-01-02T08:00:00", language="en ")
    r = evaluate(write_export(tmp_path / "e", [pred]), g)
    for m in ("title_acc", "outlet_acc", "date_acc", "language_acc"):
        assert r["overall"][m] == 1.0, m
    # inner punctuation still matters
    pred["title"] = "Blockade of the Lachin-corridor"
    r = evaluate(write_export(tmp_path / "e2", [pred]), g)
    assert r["overall"]["title_acc"] == 0.0


@given(st.text(max_size=30), st.sampled_from(["“", "«", "\"", "'", "(", "…", " ", "‘"]),
       st.sampled_from(["”", "»", "\"", "!", ")", "…", " \n", "’."]))
def test_norm_is_idempotent_and_ignores_outer_punctuation(s, left, right):
    n = norm(s)
    assert norm(n) == n
    assert norm(left + s.upper() + right) == norm(norm(s.upper()))
    if n is not None:
        assert n == n.strip() and "  " not in n


def test_missing_inputs_give_none_not_zero(tmp_path):
    gold = [gold_article(1, 5)]
    events = [{"id": "e1", "type": "blockade", "mentions": [{"file": SEED, "line": 2}]}]
    g = write_gold(tmp_path / "g", gold, events=events)
    pred = pred_from_gold(gold[0])
    del pred["topic"], pred["entities"]
    r = evaluate(write_export(tmp_path / "e", [pred]), g)  # no events.jsonl, no claims anywhere
    for m in EVENT_METRICS + CLAIM_METRICS + ("topic_acc", "entity_f1"):
        assert r["overall"][m] is None, m
        assert r["files"][SEED][m] is None, m
    assert r["overall"]["boundary_f1"] == 1.0
    assert "n/a" in format_table(r)


def test_heldout_gold_with_other_file_names_ignores_other_predictions(tmp_path):
    name = "917_deadbeef.txt"
    gold = [gold_article(5, 9), gold_article(11, 15)]
    g = write_gold(tmp_path / "g", gold, name=name,
                   claims=[{"id": "c1", "file": name, "line": 6, "quantity": 100, "attributed_to": None,
                            "contradicts": []}])
    preds = [pred_from_gold(a, source=name) for a in gold]
    preds += [pred_from_gold(a, source="000_other.txt") for a in THREE]  # not in gold: ignored
    claims = [{"id": "x", "source_file": name, "line": 6, "quantity": 100, "attributed_to": None},
              {"id": "y", "source_file": "000_other.txt", "line": 6, "quantity": 5, "attributed_to": None}]
    r = evaluate(write_export(tmp_path / "e", preds, claims=claims), g)
    assert list(r["files"]) == [name]
    assert r["overall"]["boundary_f1"] == 1.0
    assert r["overall"]["claim_precision"] == 1.0
    assert r["counts"]["overall"]["ignored_pred_articles"] == 3
    assert r["overall"]["contradiction_recall"] is None  # 'contradicts' never exported


def test_perspective_macro_f1_over_conflict_articles(tmp_path):
    gold = [gold_article(1, 2, perspective="pro-armenian"), gold_article(4, 5, perspective="pro-armenian"),
            gold_article(7, 8, perspective="neutral"),
            gold_article(10, 11, topic="other", perspective="n/a")]
    g = write_gold(tmp_path / "g", gold)
    preds = [pred_from_gold(a) for a in gold]
    preds[1]["perspective"] = "neutral"
    preds[3]["perspective"] = "pro-azerbaijani"  # not a conflict article in gold: not scored
    r = evaluate(write_export(tmp_path / "e", preds), g)
    # pro-armenian: tp1 fn1 -> 2/3; neutral: tp1 fp1 -> 2/3; pro-azerbaijani absent -> left out
    assert r["overall"]["perspective_macro_f1"] == pytest.approx(2 / 3)


def test_boilerplate_f1_counts_only_lines_inside_gold_spans(tmp_path):
    gold = [gold_article(1, 10), gold_article(20, 30)]
    g = write_gold(tmp_path / "g", gold, boilerplate=[2, 3, 21])
    preds = [pred_from_gold(gold[0], boilerplate=[2, 4, 15]),  # 15 is outside every gold span
             pred_from_gold(gold[1], boilerplate=[21])]
    r = evaluate(write_export(tmp_path / "e", preds), g)
    # tp {2,21}, fp {4}, fn {3}
    assert r["overall"]["boilerplate_f1"] == pytest.approx(4 / (4 + 1 + 1))


def test_entity_f1_micro_over_conflict_articles(tmp_path):
    ents = [{"name": "Armenia"}, {"name": "Lachin corridor"}]
    gold = [gold_article(1, 5, entities=ents), gold_article(7, 9, topic="other", entities=[])]
    g = write_gold(tmp_path / "g", gold)
    preds = [dict(pred_from_gold(gold[0]), entities=[{"name": "ARMENIA"}, {"name": "Baku"}]),
             dict(pred_from_gold(gold[1]), entities=[{"name": "Paris"}])]  # non-conflict: ignored
    r = evaluate(write_export(tmp_path / "e", preds), g)
    assert r["overall"]["entity_f1"] == pytest.approx(2 / (2 + 1 + 1))


def test_event_metrics_hand_computed(tmp_path):
    gold_events = [
        {"id": "g1", "type": "blockade", "mentions": [{"file": SEED, "line": 2}, {"file": SEED, "line": 8}]},
        {"id": "g2", "type": "aid", "mentions": [{"file": SEED, "line": 4}]},
        {"id": "g3", "type": "protest", "mentions": [{"file": SEED, "line": 6}]},
    ]
    g = write_gold(tmp_path / "g", [gold_article(1, 10)], events=gold_events)
    pred_events = [
        {"id": "p1", "type": "blockade", "mentions": [{"source_file": SEED, "line": 2},
                                                       {"source_file": SEED, "line": 4}]},
        {"id": "p2", "type": "blockade", "mentions": [{"source_file": SEED, "line": 8},
                                                       {"source_file": SEED, "line": 9},
                                                       {"source_file": "elsewhere.txt", "line": 2}]},
    ]
    r = evaluate(write_export(tmp_path / "e", [pred_from_gold(gold_article(1, 10))], events=pred_events), g)
    o = r["overall"]
    assert o["event_recall"] == pytest.approx(3 / 4)  # lines 2, 4, 8 of 2, 4, 6, 8
    assert o["event_precision"] == pytest.approx(3 / 4)  # 2, 4, 8 of 2, 4, 8, 9 (other file ignored)
    assert o["event_type_acc"] == pytest.approx(2 / 3)  # line 4 typed blockade, gold aid
    # recalled: 2(g1,p1) 4(g2,p1) 8(g1,p2): pairs (2,4) fp, (2,8) fn, (4,8) tn
    assert o["event_link_f1"] == 0.0
    assert r["files"][SEED]["event_recall"] == o["event_recall"]


def test_event_link_pairs_span_files(tmp_path):
    other = "seed_b.txt"
    gold_events = [{"id": "g1", "type": "aid", "mentions": [{"file": SEED, "line": 2}, {"file": other, "line": 3}]}]
    g = write_gold(tmp_path / "g", [gold_article(1, 10)], events=gold_events)
    write_gold(tmp_path / "g", [gold_article(1, 10)], name=other)
    arts = [pred_from_gold(gold_article(1, 10)), pred_from_gold(gold_article(1, 10), source=other)]
    same = [{"id": "p", "type": "aid", "mentions": [{"source_file": SEED, "line": 2},
                                                     {"source_file": other, "line": 3}]}]
    r = evaluate(write_export(tmp_path / "e", arts, events=same), g)
    assert r["overall"]["event_link_f1"] == 1.0
    assert r["files"][SEED]["event_link_f1"] == 1.0
    split = [{"id": "p", "type": "aid", "mentions": [{"source_file": SEED, "line": 2}]},
             {"id": "q", "type": "aid", "mentions": [{"source_file": other, "line": 3}]}]
    r = evaluate(write_export(tmp_path / "e2", arts, events=split), g)
    assert r["overall"]["event_link_f1"] == 0.0
    assert r["overall"]["event_recall"] == 1.0


def test_claim_metrics_tolerance_attribution_and_contradictions(tmp_path):
    gold_claims = [
        {"id": "c1", "file": SEED, "line": 3, "quantity": 3500, "attributed_to": "Ministry of Health",
         "contradicts": ["c2"]},
        {"id": "c2", "file": SEED, "line": 5, "quantity": 2000, "attributed_to": None, "contradicts": ["c1"]},
        {"id": "c3", "file": SEED, "line": 7, "quantity": 44, "attributed_to": "UNHCR", "contradicts": []},
    ]
    g = write_gold(tmp_path / "g", [gold_article(1, 10)], claims=gold_claims)
    preds = [
        {"id": "a", "source_file": SEED, "line": 3, "quantity": 3510, "attributed_to": "the ministry of health",
         "contradicts": ["b"]},  # within 0.5%, attribution contains gold
        {"id": "b", "source_file": SEED, "line": 5, "quantity": 2000, "attributed_to": "Baku", "contradicts": []},
        {"id": "c", "source_file": SEED, "line": 7, "quantity": 45, "attributed_to": "UNHCR"},  # 2% off
        {"id": "d", "source_file": SEED, "line": 9, "quantity": 1, "attributed_to": None},
    ]
    r = evaluate(write_export(tmp_path / "e", [pred_from_gold(gold_article(1, 10))], claims=preds), g)
    o = r["overall"]
    assert o["claim_recall"] == pytest.approx(2 / 3)
    assert o["claim_precision"] == pytest.approx(2 / 4)
    assert o["claim_attribution_acc"] == pytest.approx(1 / 2)
    assert o["contradiction_recall"] == 1.0  # pair {c1,c2} found via a -> b
    assert o["contradiction_precision"] == 1.0


def test_malformed_json_names_file_and_line(tmp_path):
    g = write_gold(tmp_path / "g", [gold_article(1, 5)])
    e = write_export(tmp_path / "e", [pred_from_gold(gold_article(1, 5))])
    with open(e / "articles.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"source_file": "x", \n')
    with pytest.raises(TocsinError) as err:
        evaluate(e, g)
    assert err.value.code == "E400" and err.value.line == 2
    assert str(err.value).startswith(f"{e / 'articles.jsonl'}:2:")
    bad = tmp_path / "g2"
    bad.mkdir()
    (bad / "seed.json").write_text('{\n"file": "seed.txt",\n"articles": [,]\n}', encoding="utf-8")
    with pytest.raises(TocsinError) as err:
        evaluate(write_export(tmp_path / "e3", []), bad)
    assert err.value.code == "E400" and err.value.line == 3 and "seed.json" in str(err.value)


def test_missing_articles_or_gold_files_is_e400(tmp_path):
    g = write_gold(tmp_path / "g", [gold_article(1, 5)])
    (tmp_path / "empty").mkdir()
    with pytest.raises(TocsinError, match="articles.jsonl") as err:
        evaluate(tmp_path / "empty", g)
    assert err.value.code == "E400"
    only_events = tmp_path / "g_events"
    only_events.mkdir()
    (only_events / "events.json").write_text("[]", encoding="utf-8")
    with pytest.raises(TocsinError, match="no gold files") as err:
        evaluate(write_export(tmp_path / "e", []), only_events)
    assert err.value.code == "E400"


def test_bad_field_types_are_e400_not_crash(tmp_path):
    g = write_gold(tmp_path / "g", [gold_article(1, 5)])
    e = write_export(tmp_path / "e", [dict(pred_from_gold(gold_article(1, 5)), start_line="one")])
    with pytest.raises(TocsinError) as err:
        evaluate(e, g)
    assert err.value.code == "E400" and err.value.line == 1


def test_format_table_and_json(tmp_path):
    g = write_gold(tmp_path / "g", THREE)
    r = evaluate(write_export(tmp_path / "e", [pred_from_gold(a) for a in THREE[:2]]), g)
    table = format_table(r)
    lines = table.splitlines()
    assert lines[0].split() == ["metric", SEED, "overall"]
    row = {ln.split()[0]: ln.split()[1:] for ln in lines[2:] if ln and not ln.startswith("-")}
    assert set(METRICS) <= set(row)
    assert row["boundary_f1"] == [f"{0.8:.3f}", f"{0.8:.3f}"]
    assert row["event_recall"] == ["n/a", "n/a"]
    assert json.loads(to_json(r)) == r


@st.composite
def gold_docs(draw):
    n = draw(st.integers(1, 6))
    line, arts = 1, []
    for _ in range(n):
        line += draw(st.integers(0, 3))
        length = draw(st.integers(1, 20))
        titled = draw(st.booleans())
        arts.append(gold_article(
            line, line + length - 1, title_line=line if titled else None,
            title=draw(st.text(min_size=1, max_size=20)) if titled else None,
            outlet=draw(st.none() | st.text(max_size=10)),
            topic=draw(st.sampled_from(["armenia-azerbaijan", "armenia-other", "other"])),
            perspective=draw(st.sampled_from(["pro-armenian", "pro-azerbaijani", "neutral"])),
            entities=[{"name": x} for x in draw(st.lists(st.text(min_size=1, max_size=8), max_size=4))]))
        if not titled:
            arts[-1]["title_line"] = None
        line += length + 2  # at least two lines between articles: windows never overlap
    inside = [x for a in arts for x in range(a["start_line"], a["end_line"] + 1)]
    bp = draw(st.lists(st.sampled_from(inside), unique=True, max_size=5))
    return arts, bp


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gold_docs())
def test_export_built_from_gold_round_trips(tmp_path_factory, doc):
    arts, bp = doc
    root = tmp_path_factory.mktemp("rt")
    g = write_gold(root / "g", arts, boilerplate=bp)
    preds = [pred_from_gold(a, boilerplate=[x for x in bp if a["start_line"] <= x <= a["end_line"]])
             for a in arts]
    r = evaluate(write_export(root / "e", preds), g)
    for m in ("boundary_f1", "title_acc", "outlet_acc", "date_acc", "language_acc", "topic_acc"):
        assert r["overall"][m] == 1.0, m
    for m in ("perspective_macro_f1", "boilerplate_f1", "entity_f1"):
        assert r["overall"][m] in (1.0, None), m  # None when no conflict article / no boilerplate


def _shared() -> Path:
    return Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def test_shared_gold_scores_one_against_itself(tmp_path):
    gold_dir = _shared() / "gold"
    if not any(gold_dir.glob("*.json")):
        pytest.skip("shared gold not available")
    arts = []
    for p in sorted(gold_dir.glob("*.json")):
        if p.name in ("events.json", "claims.json"):
            continue
        d = json.loads(p.read_text(encoding="utf-8"))
        for a in d["articles"]:
            span = range(a["start_line"], a["end_line"] + 1)
            arts.append(pred_from_gold(a, source=d["file"],
                                       boilerplate=[x for x in d.get("boilerplate_lines", []) if x in span]))
    events = claims = None
    if (gold_dir / "events.json").exists():
        events = [{"id": e["id"], "type": e["type"],
                   "mentions": [{"source_file": m["file"], "line": m["line"]} for m in e["mentions"]]}
                  for e in json.loads((gold_dir / "events.json").read_text(encoding="utf-8"))]
    if (gold_dir / "claims.json").exists():
        claims = [{"id": c["id"], "source_file": c["file"], "line": c["line"], "quantity": c["quantity"],
                   "attributed_to": c["attributed_to"], "contradicts": c.get("contradicts", [])}
                  for c in json.loads((gold_dir / "claims.json").read_text(encoding="utf-8"))]
    r = evaluate(write_export(tmp_path / "e", arts, events=events, claims=claims), gold_dir)
    for f, scores in r["files"].items():
        for m in ARTICLE_METRICS:
            assert scores[m] in (1.0, None), (f, m)
        assert scores["boundary_f1"] == 1.0
    for m in METRICS:
        assert r["overall"][m] in (1.0, None), m
    assert r["overall"]["boundary_f1"] == 1.0
