"""Test-wide settings and fixtures shared by several test modules."""
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tocsin.store import Store

# Tests never write to the user's home: no per-user embedding cache (the store keeps its own).
os.environ.setdefault("TOCSIN_EMBED_CACHE", "0")

settings.register_profile("tocsin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tocsin")


@pytest.fixture()
def store(tmp_path: Path):
    """A fresh, migrated store in the test's own folder."""
    with Store(tmp_path / "test.db") as s:
        yield s


@pytest.fixture()
def pack_error(tmp_path: Path):
    """``pack_error({"concepts.yaml": text, ...})``: the TocsinError check_pack raises for a copy
    of the south-caucasus pack with those files replaced (the pack cache is cleared around it)."""
    import tocsin.stages  # noqa: F401  (registers every section validator)
    from tocsin.errors import TocsinError
    from tocsin.packs import check_pack, clear_cache, load_pack

    def run(files: dict[str, str]) -> TocsinError:
        dst = tmp_path / "pack"
        shutil.copytree(load_pack("south-caucasus").path, dst)
        for name, text in files.items():
            (dst / name).write_text(text, encoding="utf-8")
        clear_cache()
        try:
            with pytest.raises(TocsinError) as info:
                check_pack(dst)
        finally:
            clear_cache()
        return info.value

    return run


SHARED = Path(os.environ.get("TOCSIN_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """The seed digests run through the whole pipeline once per test session.

    Tests that write must copy it first. $TOCSIN_TEST_SEED_DB reuses a store built earlier.
    """
    if not (SHARED / "seeds").is_dir():
        pytest.skip("seed digests not found (set TOCSIN_SHARED)")
    path = tmp_path_factory.mktemp("seeds") / "seeds.db"
    reuse = os.environ.get("TOCSIN_TEST_SEED_DB")
    if reuse and Path(reuse).is_file():
        shutil.copy(reuse, path)
    else:
        from tocsin import api

        api.run([str(SHARED / "seeds")], db=str(path))
    return path
