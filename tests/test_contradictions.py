"""Claims in the store, same_as and contradicts (tocsin/compare/contradictions.py).

Every sentence here is invented for these tests; the figures go through the real claims
extractor, so a change there that breaks comparison shows up here too.
"""
from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tocsin.compare import contradictions as C
from tocsin.compare.claims_store import compare_config, interval
from tocsin.errors import TocsinError
from tocsin.export import export_store
from tocsin.extract.claims import extract_claims
from tocsin.model import Article
from tocsin.packs import load_pack

PACK = "south-caucasus"


def make(text: str, *, outlet: str | None = None, date: str | None = "2023-09-28", name: str = "t.txt") -> Article:
    art = Article(source_file=name, source_path=name, format="digest", text=text, body_lines=[(1, text)],
                  language="en", outlet=outlet, date=date)
    art.annotations["topic"] = "armenia-azerbaijan"
    art.annotations["claims"] = extract_claims(art, PACK)
    assert art.annotations["claims"], f"no claim found in {text!r}"
    return art


def links(store) -> set[tuple[str, str, str]]:
    return {(r["a"], r["b"], r["relation"]) for r in store.query("SELECT a, b, relation FROM claim_links")}


def run(store, *arts: Article) -> dict[str, str]:
    """Store the articles, run the stage over them; {article text prefix: claim id} of first claims."""
    store.add_articles(list(arts))
    C.update_claims(store, [a.id for a in arts], pack=load_pack(PACK))
    return {a.text[:12]: C.claim_id(a.id, a.annotations["claims"][0]) for a in arts}


def relation(store, a: Article, b: Article) -> str | None:
    ia, ib = sorted((C.claim_id(a.id, a.annotations["claims"][0]), C.claim_id(b.id, b.annotations["claims"][0])))
    rows = store.query("SELECT relation FROM claim_links WHERE a = ? AND b = ?", (ia, ib))
    return rows[0]["relation"] if rows else None


TOLL_HIGH = "Armenian officials said 200 people were killed in the Azerbaijani offensive on Nagorno-Karabakh."
TOLL_LOW = "The Azerbaijani defence ministry said 25 people were killed in Nagorno-Karabakh during the offensive."
TOLL_NEAR = "Rights groups said about 210 people were killed in Nagorno-Karabakh in the offensive."


def test_disagreeing_tolls_from_two_outlets_contradict(store) -> None:
    a, b = make(TOLL_HIGH, outlet="Armenpress"), make(TOLL_LOW, outlet="Trend", name="u.txt")
    run(store, a, b)
    assert relation(store, a, b) == "contradicts"
    pairs = C.list_contradictions(store)
    assert len(pairs) == 1
    sides = {pairs[0]["a"]["sentence"], pairs[0]["b"]["sentence"]}
    assert sides == {TOLL_HIGH, TOLL_LOW}
    assert {pairs[0]["a"]["attributed_to"], pairs[0]["b"]["attributed_to"]} != {None}
    assert {pairs[0]["a"]["outlet"], pairs[0]["b"]["outlet"]} == {"Armenpress", "Trend"}
    assert "200" in pairs[0]["reason"] and "25" in pairs[0]["reason"]
    counts = C.outlet_contradiction_counts(store)
    assert counts == {"Armenpress": 1, "Trend": 1}


def test_close_figures_agree(store) -> None:
    a, b = make(TOLL_HIGH), make(TOLL_NEAR, name="u.txt")
    run(store, a, b)
    assert relation(store, a, b) == "same_as"
    assert not C.list_contradictions(store)


@pytest.mark.parametrize("first,second,expected", [
    # "more than 100,000" allows 120,000
    ("More than 100,000 Armenians fled Nagorno-Karabakh to Armenia, officials said.",
     "Some 120,000 refugees fled Nagorno-Karabakh after the offensive.", "same_as"),
    # "up to 10,000" does not allow 50,000
    ("Up to 10,000 refugees fled Nagorno-Karabakh after the offensive, the ministry said.",
     "50,000 refugees fled Nagorno-Karabakh after the offensive, the UN said.", "contradicts"),
    # "at least 50" allows 80; "fewer than 50" does not
    ("At least 50 soldiers were killed in the clashes near Lachin, the ministry said.",
     "The clashes near Lachin killed 80 soldiers, the opposition said.", "same_as"),
    ("Fewer than 50 soldiers were killed in the clashes near Lachin, the ministry said.",
     "The clashes near Lachin killed 80 soldiers, the opposition said.", "contradicts"),
])
def test_hedges(store, first: str, second: str, expected: str) -> None:
    a, b = make(first), make(second, name="u.txt")
    run(store, a, b)
    assert relation(store, a, b) == expected


def test_interval_reads_hedges() -> None:
    cfg = compare_config(load_pack(PACK))
    assert interval(100_000, None, "more than", "people", cfg)[1] == float("inf")
    lo, hi = interval(10_000, None, "up to", "people", cfg)
    assert lo == 0 and hi == 10_000
    lo, hi = interval(120_000, None, None, "people", cfg)
    assert lo < 120_000 < hi and hi - lo < 0.2 * 120_000
    lo, hi = interval(90, None, None, "percent", cfg)
    assert hi - lo == pytest.approx(cfg.percent_points)


@pytest.mark.parametrize("first,second", [
    # killed vs wounded
    ("Armenian officials said 200 people were killed in the offensive on Nagorno-Karabakh.",
     "Armenian officials said 400 people were wounded in the offensive on Nagorno-Karabakh."),
    # a subgroup is not the whole
    ("There is no food for the 120,000 Armenians living in Nagorno-Karabakh under the blockade.",
     "There is no food for 30,000 children living in Nagorno-Karabakh under the blockade."),
    # different peoples
    ("Shelling killed 100 Azerbaijani civilians in the war, the ombudsman said.",
     "Shelling killed 60 Armenian civilians in the war, the ombudsman said."),
    # different places
    ("The shelling of Stepanakert killed 12 civilians, officials said.",
     "The shelling of Ganja killed 30 civilians, officials said."),
    # a figure of 1991 vs one of today
    ("In 1991 the enclave of Nagorno-Karabakh had a population that was 75 percent Armenian.",
     "Nagorno-Karabakh has a population that is 99 percent Armenian, officials said."),
    # a thing the pack does not know how to compare
    ("Officials in Nagorno-Karabakh said 500 tonnes of cement were stored after the war.",
     "Officials in Nagorno-Karabakh said 40 tonnes of cement were stored after the war."),
])
def test_different_things_are_not_linked(store, first: str, second: str) -> None:
    a, b = make(first), make(second, name="u.txt")
    run(store, a, b)
    assert relation(store, a, b) is None


def test_one_article_in_one_voice_is_not_compared(store) -> None:
    a = make("The offensive on Nagorno-Karabakh killed 200 people. A second strike on Nagorno-Karabakh "
             "later killed 40 people.")
    assert len(a.annotations["claims"]) == 2
    run(store, a)
    assert links(store) == set()


def test_growing_toll_is_an_update_not_a_contradiction(store) -> None:
    early = make("The offensive on Nagorno-Karabakh killed 50 people, officials said.", date="2023-09-20")
    late = make("The offensive on Nagorno-Karabakh killed 400 people, officials said.", date="2023-10-25",
                name="u.txt")
    run(store, early, late)
    assert relation(store, early, late) is None
    # the same two figures on the same day disagree
    same_day = make("The offensive on Nagorno-Karabakh killed 400 people, the ombudsman said.", date="2023-09-21",
                    name="v.txt")
    run(store, same_day)
    assert relation(store, early, same_day) == "contradicts"


CORPUS = [
    (TOLL_HIGH, "Armenpress", "2023-09-28"),
    (TOLL_LOW, "Trend", "2023-09-28"),
    (TOLL_NEAR, None, "2023-09-29"),
    ("More than 100,000 Armenians fled Nagorno-Karabakh to Armenia, officials said.", None, "2023-10-02"),
    ("Up to 10,000 refugees fled Nagorno-Karabakh after the offensive, the ministry said.", "Trend", "2023-09-30"),
    ("There is no food for 30,000 children living in Nagorno-Karabakh under the blockade.", None, "2023-08-01"),
]


def test_incremental_equals_one_pass(tmp_path: Path) -> None:
    from tocsin.store import Store

    arts = [make(t, outlet=o, date=d, name=f"f{i}.txt") for i, (t, o, d) in enumerate(CORPUS)]
    pack = load_pack(PACK)
    with Store(tmp_path / "one.db") as one:
        one.add_articles(arts)
        C.update_claims(one, full=True, pack=pack)
        expected = one.query("SELECT a, b, relation, reason FROM claim_links ORDER BY a, b")
        expected = [tuple(r) for r in expected]
        claims = [tuple(r) for r in one.query("SELECT * FROM claims ORDER BY id")]
        C.update_claims(one, full=True, pack=pack)  # re-running gives the same rows
        assert [tuple(r) for r in one.query("SELECT a, b, relation, reason FROM claim_links ORDER BY a, b")] == expected
    assert any(r[2] == "contradicts" for r in expected) and any(r[2] == "same_as" for r in expected)
    for n, order in enumerate(itertools.islice(itertools.permutations(range(len(arts))), 0, None, 97)):
        with Store(tmp_path / f"inc{n}.db") as inc:
            for i in order:
                inc.add_articles([arts[i]])
                C.update_claims(inc, [arts[i].id], pack=pack)
            C.update_claims(inc, [arts[order[0]].id], pack=pack)  # an article seen again changes nothing
            got = [tuple(r) for r in inc.query("SELECT a, b, relation, reason FROM claim_links ORDER BY a, b")]
            assert got == expected
            assert [tuple(r) for r in inc.query("SELECT * FROM claims ORDER BY id")] == claims


def test_queries_and_export(store, tmp_path: Path) -> None:
    a, b, c = make(TOLL_HIGH, outlet="Armenpress"), make(TOLL_LOW, name="u.txt"), make(TOLL_NEAR, name="v.txt")
    ids = run(store, a, b, c)
    rows = C.list_claims(store)
    assert len(rows) == 3
    by_id = {r["id"]: r for r in rows}
    high = by_id[ids[TOLL_HIGH[:12]]]
    assert ids[TOLL_LOW[:12]] in high["contradicts"] and ids[TOLL_NEAR[:12]] in high["same_as"]
    assert high["category"] == "killed" and high["what_key"].startswith("killed/")
    assert C.list_claims(store, article_id=a.id)[0]["id"] == high["id"]
    assert len(C.list_claims(store, limit=1, offset=2)) == 1
    assert C.get_claim(store, high["id"])["contradicts"] == high["contradicts"]
    assert C.list_contradictions(store, limit=10, offset=5) == []
    export_store(store, tmp_path / "out", tables=["claims"])
    out = [json.loads(line) for line in (tmp_path / "out" / "claims.jsonl").read_text().splitlines()]
    assert {r["id"] for r in out} == set(by_id)
    for r in out:
        for other in r["contradicts"]:
            assert r["id"] in next(x for x in out if x["id"] == other)["contradicts"]  # symmetric


def test_cli_lists_contradictions(tmp_path: Path) -> None:
    from tocsin.cli import app
    from tocsin.store import Store

    db = tmp_path / "c.db"
    with Store(db) as s:
        run(s, make(TOLL_HIGH, outlet="Armenpress"), make(TOLL_LOW, outlet="Trend", name="u.txt"))
    res = CliRunner().invoke(app, ["contradictions", "--db", str(db), "--json", "--limit", "5"])
    assert res.exit_code == 0, res.output
    pair = json.loads(res.output.strip().splitlines()[0])
    assert {pair["a"]["outlet"], pair["b"]["outlet"]} == {"Armenpress", "Trend"}
    res = CliRunner().invoke(app, ["contradictions", "--db", str(db)])
    assert res.exit_code == 0 and TOLL_LOW in res.output


def test_bad_compare_section_names_file_and_line(tmp_path: Path) -> None:
    from tocsin.packs.loader import clear_cache, resolve_pack_path

    dst = tmp_path / "pack"
    shutil.copytree(resolve_pack_path(PACK), dst)
    path = dst / "claims.yaml"
    text = path.read_text(encoding="utf-8").replace("  margin: 0.05", "  margin: lots")
    path.write_text(text, encoding="utf-8")
    clear_cache()
    with pytest.raises(TocsinError) as err:
        load_pack(str(dst)).section("claims")
    assert err.value.code == "E300" and err.value.file and err.value.file.endswith("claims.yaml")
    lines = text.splitlines()
    assert err.value.line == next(i for i, ln in enumerate(lines, 1) if ln.startswith("  margin: lots"))



HEDGES = [None, "about", "almost", "more than", "at least", "up to", "less than"]


@settings(max_examples=150, deadline=None)
@given(st.floats(min_value=1, max_value=1e7), st.floats(min_value=1, max_value=1e7),
       st.sampled_from(HEDGES), st.sampled_from(HEDGES), st.sampled_from(["people", "percent", "months"]),
       st.sampled_from([None, "2023-09-20", "2023-10-30", "2023-09"]), st.sampled_from([None, "2023-09-21"]))
def test_relation_is_symmetric_and_hedges_are_respected(qa, qb, ha, hb, unit, da, db) -> None:
    cfg = compare_config(load_pack(PACK))
    category = {"people": "killed", "percent": "population", "months": "war"}[unit]
    data = json.dumps({"category": category, "places": [], "years": [], "people": None})
    a = {"id": "a", "article_id": "x", "bucket": f"{category}||{unit}", "quantity": qa, "hedge": ha, "unit": unit,
         "date": da, "data": data, "attributed_to": None}
    b = dict(a, id="b", article_id="y", quantity=qb, hedge=hb, date=db)
    ra, rb = C.relate(a, b, cfg), C.relate(b, a, cfg)
    assert (ra and ra[0]) == (rb and rb[0])
    if ha == "more than" and hb == "more than":  # two lower bounds never disagree ...
        assert ra is None or ra[0] == "same_as"
        if unit == "percent" or min(qa, qb) >= C.SAME_AS_MIN_RATIO * max(qa, qb):
            assert ra is not None  # ... and agree unless too far apart to be one figure
    if ra is not None and ra[0] == "same_as" and ha is None and hb is None and unit == "people":
        assert abs(qa - qb) <= 0.11 * max(qa, qb)


def test_open_ended_figures_far_apart_are_not_the_same(store) -> None:
    a = make("More than 100,000 people fled Nagorno-Karabakh, Armenian officials said.", outlet="Armenpress")
    b = make("Up to one million people were displaced from Nagorno-Karabakh, the report said.", outlet="Trend")
    run(store, a, b)
    assert relation(store, a, b) is None


def test_a_length_at_the_head_of_a_sentence_measures_its_main_clause(store) -> None:
    a = make("For over eight months, the region's 120,000 Armenians have been deprived of food and fuel "
             "by the blockade.", outlet="Armenpress", date="2023-08-20")
    b = make("The Lachin corridor has been closed for eight months, the report said.", outlet="Asbarez",
             date="2023-08-21")
    run(store, a, b)
    row = store.query("SELECT bucket FROM claims WHERE article_id = ? AND unit = 'months'", (a.id,))[0]
    assert row["bucket"].startswith("blockade|")
