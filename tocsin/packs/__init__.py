"""Conflict packs: declarative YAML knowledge (actors, places, outlets, framing, topics...).

    from tocsin.packs import load_pack
    pack = load_pack("south-caucasus")   # built-in name, entry-point name, or folder path
    for surface, canonical, entity_type, side in pack.gazetteer(): ...

See docs/packs.md for the format.
"""
from .loader import DATA_DIR, ENTRY_POINT_GROUP, Pack, available_packs, check_pack, clear_cache, load_pack, read_yaml, resolve_pack_path
from .schema import FORMAT, Actor, FramingTerm, GazetteerEntry, Outlet, Place, register_section, surface_key

__all__ = [
    "Pack", "load_pack", "check_pack", "available_packs", "resolve_pack_path", "clear_cache", "read_yaml",
    "Actor", "Place", "Outlet", "FramingTerm", "GazetteerEntry", "register_section", "surface_key",
    "FORMAT", "DATA_DIR", "ENTRY_POINT_GROUP",
]
