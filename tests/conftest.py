"""Test-wide settings and fixtures shared by several test modules."""
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tocsin.store import Store

settings.register_profile("tocsin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tocsin")


@pytest.fixture()
def store(tmp_path: Path):
    """A fresh, migrated store in the test's own folder."""
    with Store(tmp_path / "test.db") as s:
        yield s
