"""Done-when check on the reference digests (uses the seed store built once per test session)."""
from __future__ import annotations

import re
import shutil

# What each episode's evidence must talk about (general words, not lines of the seeds).
EPISODES = {
    "blockade": re.compile(r"lachin|blockad|blocus|corridor", re.IGNORECASE),
    "attack-on-population": re.compile(r"september|septembre|offensive|operation|attack", re.IGNORECASE),
    "forced-displacement": re.compile(r"exodus|forc\w+ (?:to )?(?:leave|left|displac|expel)|expell|displaced", re.IGNORECASE),
}


def test_seed_episodes_raise_alerts_citing_two_outlets(tmp_path, seed_db):
    from tocsin import api, warn

    db = str(tmp_path / "seeds.db")
    shutil.copy(seed_db, db)
    with api.open_store(db) as store:
        warn.refresh(store)
        alerts = {a["rule"]: a for a in warn.list_alerts(store, limit=100) if a["place"] == "Nagorno-Karabakh"}
        for rule, pat in EPISODES.items():
            assert rule in alerts, f"no {rule} alert for Nagorno-Karabakh"
            cited = [e for e in alerts[rule]["evidence"] if pat.search(e["sentence"] or "")]
            assert len({e["outlet"] for e in cited if e["outlet"]}) >= 2, (rule, cited)
            for e in alerts[rule]["evidence"]:
                art = store.get_article(e["article_id"])
                assert art is not None
                # a sentence of the body at its line, or the headline at the title line
                assert (any(x.text == e["sentence"] and x.line == e["line"] for x in art.sentences)
                        or (e["sentence"] == art.title and e["line"] == art.title_line))
