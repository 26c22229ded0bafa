"""Conflict packs: loading, validation with file:line errors, caching, entry points."""
from __future__ import annotations

import json
import os
import shutil
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.errors import TocsinError
from tocsin.packs import DATA_DIR, GazetteerEntry, load_pack, surface_key
from tocsin.packs import loader

SC = DATA_DIR / "south-caucasus"
SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


# ------------------------------------------------------------------ a tiny pack built here


def write_pack(root: Path, **files: str) -> Path:
    """A minimal valid pack; keyword arguments override or add files (name without .yaml)."""
    base = {
        "pack": "format: 1\nname: tiny\nversion: '1'\nlanguages: [en]\nsides: [red, blue, neutral]\n"
                "topics: {labels: [war, other], default: other}\n",
        "actors": "actors:\n  - {name: Redland, type: state, side: red, aliases: [Rouge]}\n"
                  "  - {name: Blue Army, type: organization, side: blue, aliases: [Blues]}\n",
        "places": "places:\n  - {name: Red City, kind: city, lat: 10.5, lon: 20.25, country: AM,\n"
                  "     names_by_side: {red: [Redtown], blue: [Bluetown]}}\n",
        "outlets": "outlets:\n  - {name: Red Wire, aliases: [RW], domains: [red.example], country: AM, side: red}\n",
    }
    base.update(files)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in base.items():
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def error_of(path: Path) -> TocsinError:
    loader.clear_cache()
    with pytest.raises(TocsinError) as info:
        load_pack(path)
    assert info.value.code == "E300"
    return info.value


# ------------------------------------------------------------------ the built-in packs


@pytest.mark.parametrize("name", ["south-caucasus", "russia-ukraine"])
def test_builtin_packs_load_and_are_consistent(name: str) -> None:
    pack = load_pack(name)
    assert pack.name == name and pack.format == 1 and pack.version
    assert set(pack.framing) <= set(pack.sides)
    for a in pack.actors:
        assert a.side is None or a.side in pack.sides
        assert a.entity_type == ("place" if a.type == "state" else a.entity_type)
    for p in pack.places:
        assert p.lat is not None and -90 <= p.lat <= 90 and -180 <= p.lon <= 180
    # every canonical resolves to itself through the gazetteer
    for rec in [*pack.actors, *pack.places, *pack.outlets]:
        assert any(e.canonical == rec.name for e in pack.lookup(rec.name))
    topics = pack.section("topics")
    assert set(topics["rules"]) <= set(pack.topics)


def test_south_caucasus_names_across_scripts_resolve_to_one_canonical() -> None:
    pack = load_pack("south-caucasus")
    groups = {
        "Ilham Aliyev": ["Aliyev", "Aliev", "Əliyev", "Алиев", "Ալիև"],
        "Nikol Pashinyan": ["Pashinyan", "Pachinian", "Пашинян", "Փաշինյան"],
        "Nagorno-Karabakh": ["Artsakh", "Haut-Karabakh", "Dağlıq Qarabağ", "Нагорный Карабах", "Լեռնային Ղարաբաղ"],
        "Stepanakert": ["Khankendi", "Xankəndi", "Степанакерт"],
        "Shusha": ["Shushi", "Şuşa"],
        "Aghdara": ["Martakert"],
        "Lachin": ["Berdzor", "Laçın"],
        "Kalbajar": ["Karvachar"],
        "Lachin corridor": ["corridor de Latchine"],
        "Yerevan": ["Erevan", "Ереван"],
        "Baku": ["Bakou"],
    }
    for canonical, surfaces in groups.items():
        for s in surfaces:
            assert canonical in {e.canonical for e in pack.lookup(s)}, (s, canonical)
    assert len(pack.actors) >= 200 and len(pack.places) >= 200
    # a camp's own place name carries that camp as its side (perspective evidence)
    assert pack.lookup("Khankendi")[0].side == "pro-azerbaijani"
    assert pack.lookup("Shushi")[0].side == "pro-armenian"
    # states are typed as places, as annotators type them
    assert pack.lookup("Azerbaïdjan")[0] == GazetteerEntry("Azerbaïdjan", "Azerbaijan", "place", "pro-azerbaijani")


def test_gazetteer_covers_geonames_admin1_names() -> None:
    path = SHARED / "external" / "gazetteer" / "geonames_admin1_AM_AZ.json"
    if not path.is_file():
        pytest.skip("shared gazetteer material absent")
    pack = load_pack("south-caucasus")
    names = json.loads(path.read_text(encoding="utf-8")).values()
    assert [n for n in names if not pack.lookup(n)] == []


def test_ambiguous_surface_keeps_every_canonical() -> None:
    pack = load_pack("south-caucasus")
    assert {e.canonical for e in pack.lookup("Martuni")} == {"Khojavend", "Martuni, Armenia"}


def test_sections_other_helpers_own_load_generically(tmp_path: Path) -> None:
    # A section no module registers a validator for (events, claims... have their own checks,
    # registered when their modules are imported, so they are not "generic" in a full test run).
    root = write_pack(tmp_path / "p", notes="event_types:\n  blockade: {cues: [blockade, blocus]}\n")
    pack = load_pack(root)
    assert pack.section("notes") == {"event_types": {"blockade": {"cues": ["blockade", "blocus"]}}}
    assert type(pack.section("notes")["event_types"]) is dict  # plain data, no line wrappers
    assert pack.section("absent") == {}


# ------------------------------------------------------------------ broken packs name file:line


@pytest.mark.parametrize(
    "file, text, line, words",
    [
        ("actors", "actors:\n  - {name: A, type: person}\n   - {name: B, type: person}\n", 3, "YAML"),
        ("actors", "actors:\n  - {name: A, type: person}\n  - {name: B, type: person, side: green}\n", 3, "side 'green'"),
        ("actors", "actors:\n  - {name: A, type: person}\n  - {type: person, aliases: [x]}\n", 3, "missing required key 'name'"),
        ("actors", "actors:\n  - {name: A, type: wizard}\n", 2, "type 'wizard'"),
        ("places", "places:\n  - {name: P, lat: 1, lon: 2}\n  - {name: Q,\n     lat: 95.0, lon: 2}\n", 4, "lat 95.0"),
        ("places", "places:\n  - {name: P, lat: 1, lon: 2}\n  - {name: P, lat: 3, lon: 4}\n", 3, "duplicate place name 'P'"),
        ("actors", "actors:\n  - {name: A, type: person, aliases: [Zed]}\n  - {name: B, type: person, aliases: [zed]}\n", 3, "also a name of 'A'"),
        ("actors", "actors:\n  - name: A\n    type: person\n    type: group\n", 4, "duplicate key 'type'"),
        ("framing", "framing:\n  red:\n    - {phrase: x, weight: 9}\n", 3, "weight"),
    ],
)
def test_broken_pack_reports_file_and_line(tmp_path: Path, file: str, text: str, line: int, words: str) -> None:
    err = error_of(write_pack(tmp_path / "broken", **{file: text}))
    assert f"{file}.yaml:{line}:" in str(err)
    assert words in str(err)
    assert "\n" not in str(err)


def test_declared_ambiguity_is_allowed(tmp_path: Path) -> None:
    text = "actors:\n  - {name: A, type: person, aliases: [Zed]}\n  - {name: B, type: person, aliases: [Zed], ambiguous: [Zed]}\n"
    pack = load_pack(write_pack(tmp_path / "amb", actors=text))
    assert {e.canonical for e in pack.lookup("zed")} == {"A", "B"}


def test_canonical_in_two_sections_is_an_error(tmp_path: Path) -> None:
    err = error_of(write_pack(tmp_path / "dup", outlets="outlets:\n  - {name: Redland, domains: [x.example]}\n"))
    assert "outlets.yaml:2:" in str(err) and "duplicate canonical" in str(err)


def test_missing_pack_yaml_and_unknown_name() -> None:
    with pytest.raises(TocsinError) as info:
        load_pack("no-such-pack-anywhere")
    assert info.value.code == "E300" and "south-caucasus" in str(info.value)


def test_unsupported_format(tmp_path: Path) -> None:
    err = error_of(write_pack(tmp_path / "f", pack="format: 2\nname: x\nversion: '1'\nlanguages: [en]\nsides: [a]\n"))
    assert "pack.yaml:1:" in str(err) and "format" in str(err)


# ------------------------------------------------------------------ folder, cache, entry points


def test_copied_pack_loads_from_folder_and_cache_sees_edits(tmp_path: Path) -> None:
    dest = tmp_path / "my-pack"
    shutil.copytree(SC, dest)
    first = load_pack(dest)
    assert load_pack(str(dest)) is first  # cached
    assert not first.lookup("Tocsinville")
    actors = dest / "actors.yaml"
    actors.write_text(actors.read_text(encoding="utf-8") +
                      "  - {name: Test Person, type: person, side: neutral, aliases: [Tocsinville]}\n", encoding="utf-8")
    os.utime(actors, ns=(first_mtime := actors.stat().st_mtime_ns, first_mtime + 10**9))
    second = load_pack(dest)
    assert second is not first
    assert second.lookup("Tocsinville")[0].canonical == "Test Person"


def test_entry_point_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_pack(tmp_path / "plugin")
    module = types.SimpleNamespace(PACK_PATH=str(root))

    class EP:
        name, value = "tiny-plugin", "tiny_plugin:pack"

        def load(self):
            return module

    def fake_entry_points(group=None, **kw):
        return [EP()] if group == "tocsin.packs" else []

    monkeypatch.setattr(loader.importlib.metadata, "entry_points", fake_entry_points)
    pack = load_pack("tiny-plugin")
    assert pack.name == "tiny" and pack.path == root.resolve()
    assert "tiny-plugin" in loader.available_packs()


# ------------------------------------------------------------------ properties


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_surface_key_is_idempotent_and_case_blind(text: str) -> None:
    k = surface_key(text)
    assert surface_key(k) == k
    assert surface_key(text.upper()) == surface_key(text.lower()) or not text.isascii()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12), min_size=1, max_size=6, unique_by=surface_key))
def test_any_alias_list_round_trips_through_yaml(aliases: list[str]) -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        quoted = ", ".join(json.dumps(a, ensure_ascii=False) for a in aliases)
        root = write_pack(Path(d), places="", outlets="", actors=f"actors:\n  - {{name: Canon, type: person, aliases: [{quoted}]}}\n")
        pack = load_pack(root)
        assert pack.actors[0].aliases == aliases
        for a in aliases:
            assert pack.lookup(a)[0].canonical == "Canon"


@pytest.mark.parametrize("file, old, new, words", [
    ("pack.yaml", "sides:", "sidez: [x]\nsides:", "unknown key 'sidez'"),
    ("claims.yaml", "dedup_key:", "dedup_keys: [quantity]\ndedup_key:", "unknown key 'dedup_keys'"),
    ("claims.yaml", "  margin:", "  margn: 0.1\n  margin:", "unknown key 'margn' under 'compare'"),
])
def test_misspelt_keys_are_errors_with_their_line(pack_error, file: str, old: str, new: str, words: str) -> None:
    text = (load_pack("south-caucasus").path / file).read_text(encoding="utf-8")
    assert old in text
    edited = text.replace(old, new, 1)
    line = edited.splitlines().index(new.splitlines()[0]) + 1
    err = pack_error({file: edited})
    assert words in str(err) and f"{file}:{line}:" in str(err)
