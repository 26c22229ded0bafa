"""Test-wide settings: hypothesis without per-example deadlines (CI machines vary in speed)."""
from hypothesis import HealthCheck, settings

settings.register_profile("tocsin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tocsin")
