"""tocsin.warn: signals, independent sources, surge/threshold/sequence detection, alerts, replay."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tocsin import warn
from tocsin.model import Article, Sentence
from tocsin.packs import load_pack
from tocsin.store.db import Store
from tocsin.warn import alerts as walerts
from tocsin.warn.detect import robust_z
from tocsin.warn.indicators import load_config
from tocsin.warn.series import independent_sources, weighted_sources

PACK = load_pack("south-caucasus")


def art(text: str, *, outlet: str | None, day: str, title: str | None = None, events: list | None = None,
        line: int = 10) -> Article:
    """One-sentence article; events (type only) point at that sentence."""
    s = Sentence(text, 0, len(text), line, "en")
    evs = [{"type": t, "sentence": text, "start": 0, "end": len(text), "line": line, "place": place,
            "date": day, "cue": t} for t, place in (events or [])]
    return Article(source_file="stream.txt", source_path="stream.txt", format="digest", text=text,
                   title=title or f"{outlet} {day} {text[:20]}", outlet=outlet, date=day, language="en",
                   sentences=[s], annotations={"events": evs, "entities": []}, start_line=line, end_line=line)


def days(start: str, n: int) -> list[str]:
    d0 = date.fromisoformat(start)
    return [(d0 + timedelta(days=i)).isoformat() for i in range(n)]


@pytest.fixture()
def store(tmp_path: Path):
    s = Store(tmp_path / "w.db")
    yield s
    s.close()


def quiet_days(n: int = 20) -> list[Article]:
    # Coverage with nothing alarming: each day one unrelated article.
    return [art(f"Exhibition number {i} opened in Yerevan's museum district.", outlet="Armenpress", day=d)
            for i, d in enumerate(days("2023-03-01", n))]


def test_robust_z_flat_and_spike():
    assert robust_z(1.0, [1.0] * 10) == 0.0
    assert robust_z(6.0, [0.0] * 10, 0.5) > 3.5
    assert robust_z(2.0, [], 0.5) == 0.0


def test_surge_fires_and_flat_series_does_not(store):
    cfg = load_config(PACK)
    outlets = ["Armenpress", "Asbarez", "JAMnews", "Azatutyun", "News.am", "Hetq"]
    stream = quiet_days()
    # flat: one source a day reports a blockade every day -> never a surge
    for i, d in enumerate(days("2023-03-01", 20)):
        stream.append(art(f"The blockade of Stepanakert continued on day {i}.", outlet="Asbarez", day=d,
                          events=[("blockade", "Stepanakert")]))
    # surge: on one day six independent outlets report shelling of Stepanakert (nothing before)
    for i, o in enumerate(outlets):
        stream.append(art(f"Shelling hit Stepanakert again, report {i} by {o} said.", outlet=o, day="2023-03-21",
                          events=[("armed_attack", "Stepanakert")]))
    store.add_articles(stream)
    signals, cov = walerts.collect(store, cfg, PACK)
    alerts = walerts.build_alerts(signals, cov, cfg, {})
    surges = [a for a in alerts if a["rule"] == "surge"]
    assert surges, "a surge of six independent sources after a quiet baseline must fire"
    fired = {s["indicator"] for a in surges for s in a["detail"]["surges"]}
    assert "armed_conflict" in fired
    assert "blockade_essentials" not in fired  # the flat series never surges


def test_forty_copies_count_as_one_source(store):
    text = "Azerbaijan tightened the blockade of the Lachin corridor, leaving Stepanakert without food."
    copies = [art(text, outlet="Armenpress", day="2023-06-01", title=f"Copy {i}") for i in range(20)]
    # the same wire sentence republished by twenty different outlets is still one story
    copies += [art(text, outlet=f"Syndicate {i}", day="2023-06-01", title=f"Syndicated {i}") for i in range(20)]
    store.add_articles(copies)
    cfg = load_config(PACK)
    signals, _ = walerts.collect(store, cfg, PACK)
    block = [s for s in signals if s["indicator"] == "blockade_essentials"]
    assert len(block) == 40
    assert len(independent_sources(block)) == 1
    assert weighted_sources(block) == 1.0
    other = art("Residents of Stepanakert queue for bread as the blockade goes on.", outlet="Asbarez", day="2023-06-01")
    store.add_articles([other])
    signals, _ = walerts.collect(store, cfg, PACK)
    assert weighted_sources([s for s in signals if s["indicator"] == "blockade_essentials"]) == 2.0


def test_contradicted_outlets_weigh_less():
    sig = {"indicator": "x", "outlet": "A", "article_id": "1", "sentence": "s1"}
    assert weighted_sources([sig], {"A": 0.5}) == 0.5
    assert weighted_sources([sig, {**sig, "outlet": "B", "article_id": "2", "sentence": "s2"}], {"A": 0.5}) == 1.5


def test_escalation_sequence_fires(store):
    stream = quiet_days(5) + [
        art("The blockade of the Lachin corridor has cut Stepanakert off from food and medicine.", outlet="Asbarez",
            day="2023-04-01", events=[("blockade", "Lachin corridor")]),
        art("Azerbaijani troops were massed near Askeran with heavy weaponry, a military build-up observers noted.",
            outlet="JAMnews", day="2023-05-10", events=[("military_buildup", "Askeran")]),
        art("The president issued an ultimatum to the Karabakh Armenians of Stepanakert: disarm or face force.",
            outlet="Armenpress", day="2023-06-20", events=[("threat", "Stepanakert")]),
    ]
    store.add_articles(stream)
    cfg = load_config(PACK)
    signals, cov = walerts.collect(store, cfg, PACK)
    seq = [a for a in walerts.build_alerts(signals, cov, cfg, {}) if a["rule"] == "blockade-buildup-threats"]
    assert len(seq) == 1
    assert seq[0]["level"] == "emergency" and seq[0]["place"] == "Nagorno-Karabakh"
    assert seq[0]["detail"]["chain"] == ["2023-04-01", "2023-05-10", "2023-06-20"]
    # the same steps in the wrong order do not make the rule fire
    rev = [dict(s, day={"2023-04-01": "2023-06-20", "2023-06-20": "2023-04-01"}.get(s["day"], s["day"]))
           for s in signals]
    assert not [a for a in walerts.build_alerts(rev, cov, cfg, {}) if a["rule"] == "blockade-buildup-threats"]


def _blockade_stream(n_outlets: int) -> list[Article]:
    return [art(f"Outlet {i} reports the Lachin corridor blockade leaves Stepanakert short of food.",
                outlet=o, day="2023-07-0" + str(1 + i), events=[("blockade", "Lachin corridor")])
            for i, o in enumerate(["Armenpress", "Asbarez", "JAMnews", "Azatutyun", "News.am"][:n_outlets])]


def test_alerts_stored_updated_not_duplicated_and_evidence_exists(store):
    store.add_articles(_blockade_stream(2))
    first = warn.refresh(store, PACK)
    rows = warn.list_alerts(store)
    assert first["alerts"] == len(rows) >= 1
    a0 = next(a for a in rows if a["rule"] == "blockade")
    assert a0["id"] == warn.alert_id("Nagorno-Karabakh", "Armenians of Nagorno-Karabakh", "blockade")
    warn.refresh(store, PACK)  # idempotent
    assert [r["id"] for r in warn.list_alerts(store)] == [r["id"] for r in rows]
    store.add_articles(_blockade_stream(5))  # more evidence: same alert, higher level
    warn.refresh(store, PACK)
    again = [a for a in warn.list_alerts(store) if a["rule"] == "blockade"]
    assert len(again) == 1 and again[0]["id"] == a0["id"]
    assert again[0]["created_at"] == a0["created_at"]
    assert again[0]["level"] == "emergency" and len(again[0]["evidence"]) > len(a0["evidence"])
    for a in warn.list_alerts(store):
        assert a["explanation"] and a["place"] in a["explanation"]
        for e in a["evidence"]:
            got = store.get_article(e["article_id"])
            assert got is not None and e["sentence"] in got.text
            assert any(s.line == e["line"] and s.text == e["sentence"] for s in got.sentences)
            assert set(walerts.EVIDENCE_FIELDS) <= set(e)


def test_thresholds_and_rules_change_by_config_alone(store, tmp_path):
    store.add_articles(_blockade_stream(2))
    base = load_config(PACK)
    signals, cov = walerts.collect(store, base, PACK)
    assert any(a["rule"] == "blockade" for a in walerts.build_alerts(signals, cov, base, {}))
    cfg_file = tmp_path / "config.yaml"
    doc = yaml.safe_load(walerts.__loader__.get_data(str(Path(walerts.__file__).parent / "data" / "config.yaml")))
    for r in doc["rules"]:
        if r["id"] == "blockade":
            r["levels"] = {"watch": 10}
    cfg_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    strict = load_config(PACK, cfg_file)
    assert not any(a["rule"] == "blockade" for a in walerts.build_alerts(signals, cov, strict, {}))
    # a pack copy whose indicators.yaml drops the blockade vocabulary and events: no signal at all
    pdir = tmp_path / "pack"
    shutil.copytree(PACK.path, pdir)
    ind = yaml.safe_load((pdir / "indicators.yaml").read_text(encoding="utf-8"))
    ind["indicators"]["blockade_essentials"]["signals"] = {"terms": {"en": ["zzzz never"]}}
    (pdir / "indicators.yaml").write_text(yaml.safe_dump(ind, allow_unicode=True), encoding="utf-8")
    other = load_pack(pdir)
    cfg2 = load_config(other)
    sig2, _ = walerts.collect(store, cfg2, other)
    assert not [s for s in sig2 if s["indicator"] == "blockade_essentials"]


def test_bad_indicators_file_names_file_and_line(tmp_path):
    from tocsin.errors import TocsinError

    pdir = tmp_path / "pack"
    shutil.copytree(PACK.path, pdir)
    text = (pdir / "indicators.yaml").read_text(encoding="utf-8").replace("risk_factor: RF7", "risk_factor: RF99", 1)
    (pdir / "indicators.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(TocsinError) as ei:
        load_config(load_pack(pdir))
    assert "indicators.yaml" in str(ei.value) and "RF99" in str(ei.value)


def test_export_jsonl_and_atom_escaped(store, tmp_path):
    from tocsin.export import export_store
    from tocsin.warn.export import export_atom

    store.add_articles(_blockade_stream(3) + [
        art("Officials said <script>alert(1)</script> & the blockade of Stepanakert \x07 continues.",
            outlet="Hetq", day="2023-07-02", events=[("blockade", "Stepanakert")])])
    warn.refresh(store, PACK)
    export_store(store, tmp_path / "out", tables=["alerts"])
    rows = [json.loads(x) for x in (tmp_path / "out" / "alerts.jsonl").read_text().splitlines()]
    assert rows and {"id", "level", "indicators", "place", "group", "first_seen", "last_seen", "explanation",
                     "evidence"} <= set(rows[0])
    p = export_atom(store, tmp_path / "out")
    root = ET.fromstring(p.read_bytes())  # parses: everything escaped
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(rows)
    raw = p.read_text(encoding="utf-8")
    assert "<script>" not in raw and "\x07" not in raw
    contents = " ".join(e.findtext("{http://www.w3.org/2005/Atom}content") or "" for e in entries)
    assert "<script>alert(1)</script> & the blockade" in contents


def test_replay_records_firing_days(store, tmp_path):
    store.add_articles(quiet_days(3) + _blockade_stream(5))
    res = warn.replay(store, PACK)
    rows = [r for r in res["rows"] if r["rule"] == "blockade"]
    assert rows and rows[0]["change"] == "new"
    assert [r["day"] for r in rows] == sorted(r["day"] for r in rows)
    levels = [r["level"] for r in rows]
    assert levels[-1] == "emergency" and levels[0] != "emergency"  # it escalated as sources came in
    assert store.query("SELECT count(*) FROM alert_replay")[0][0] == len(res["rows"])
    svg = warn.replay_svg(res, tmp_path / "r.svg")
    ET.fromstring(svg.read_text(encoding="utf-8"))


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_atom_round_trips_any_text(explanation, sentence):
    from tocsin.warn.atom import _x, atom_feed

    a = {"id": "al-1", "level": "watch", "rule": "r", "place": "P & <Q>", "group": "G", "first_seen": "2023-01-01",
         "last_seen": "2023-01-02", "indicators": ["x"], "explanation": explanation,
         "evidence": [{"outlet": "O", "side": None, "source_file": "f.txt", "line": 3, "sentence": sentence}]}
    root = ET.fromstring(atom_feed([a]))
    entry = root.find("{http://www.w3.org/2005/Atom}entry")
    summary = entry.findtext("{http://www.w3.org/2005/Atom}summary") or ""
    assert summary == _x(explanation).replace("\r\n", "\n").replace("\r", "\n")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title").endswith("P & <Q> — G")


def test_russia_ukraine_pack_extends_indicators():
    cfg = load_config(load_pack("russia-ukraine"))
    assert {"blockade_essentials", "forced_displacement", "denial_of_identity"} <= set(cfg.indicators)
    assert len(cfg.risk_factors) == 14 and cfg.areas.get("Mariupol") == "Occupied territories"
