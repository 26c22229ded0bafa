"""The JSON API answers what its OpenAPI schema promises (every GET route, with and without
filters, plus error responses), validated with jsonschema against app.openapi()."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
jsonschema = pytest.importorskip("jsonschema")
from fastapi.testclient import TestClient  # noqa: E402

from tocsin.serve import create_app  # noqa: E402
from tocsin.store import Store  # noqa: E402

from test_serve import _art, _fake_modules  # noqa: E402


@pytest.fixture()
def client(tmp_path, monkeypatch):
    path = str(tmp_path / "o.db")
    with Store(path) as s:
        s.add_articles([_art(0, title="Ceasefire talks", text="Talks on a ceasefire in Stepanakert.",
                             outlet="Armenpress", date="2023-09-19",
                             events=[{"type": "negotiation", "place": "Stepanakert", "start": 0, "end": 5}])])
    _fake_modules(monkeypatch)
    with TestClient(create_app(path)) as c:
        yield c


def _check(spec: dict, path: str, method: str, status: int, body) -> None:
    op = spec["paths"][path][method]
    resp = op["responses"].get(str(status)) or op["responses"].get("default")
    assert resp is not None, f"{method.upper()} {path} answered {status}, not in its schema"
    media = (resp.get("content") or {}).get("application/json")
    if media is None or "schema" not in media:
        return
    schema = {**media["schema"], "components": spec.get("components", {})}
    jsonschema.Draft202012Validator(schema).validate(body)


CASES = [
    ("/api/v1/stats", {}), ("/api/v1/search", {}), ("/api/v1/search", {"q": "ceasefire", "side": "pro-armenian"}),
    ("/api/v1/search", {"date_from": "not a date"}), ("/api/v1/search", {"limit": 5000}),
    ("/api/v1/events", {}), ("/api/v1/events", {"type": "negotiation", "limit": 1}),
    ("/api/v1/claims", {}), ("/api/v1/contradictions", {}), ("/api/v1/stories", {}), ("/api/v1/alerts", {}),
    ("/api/v1/indicators", {}), ("/api/v1/coverage", {}), ("/api/v1/map", {}),
    ("/api/v1/stories/{story_id}", {"story_id": "st-1"}), ("/api/v1/stories/{story_id}", {"story_id": "none"}),
    ("/api/v1/alerts/{alert_id}", {"alert_id": "al-1"}), ("/api/v1/events/{event_id}", {"event_id": "x"}),
    ("/api/v1/export/{table}", {"table": "nope"}),
]


def test_responses_follow_the_schema(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, params in CASES:
        url = path
        query = dict(params)
        for key in list(query):
            if "{" + key + "}" in url:
                url = url.replace("{" + key + "}", str(query.pop(key)))
        r = client.get(url, params=query)
        _check(spec, path, "get", r.status_code, r.json())


def test_every_get_route_answers(client):
    spec = client.get("/api/v1/openapi.json").json()
    plain = [p for p, item in spec["paths"].items() if "get" in item and "{" not in p]
    assert len(plain) >= 12
    for path in plain:
        r = client.get(path)
        assert r.status_code == 200, path
        if r.headers["content-type"].startswith("application/json") and not path.endswith("openapi.json"):
            _check(spec, path, "get", 200, r.json())
