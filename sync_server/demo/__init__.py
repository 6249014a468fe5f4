"""Demo data: unit trees with baselines for 2024-2026, and users (refused in production).

Trees: Hà Nội (an urban district, Ba Đình, and a suburban one, Sóc Sơn, whose
communes are key areas; mediation teams under communes), the capital command
with two battalions, and a border-guard command with two posts.
Users: ``canbo``/``canbo123`` (officer, HN-SS-MT), ``chihuy``/``chihuy123``
(supervisor, HN), ``giamsat``/``giamsat123`` (supervisor, HN-SS),
``bienphong``/``bienphong123`` (supervisor, BP), ``admin``/``admin123``
(admin, HN). ``fieldtally-demo`` runs a server on them. ``units.csv`` is the
same tree as an ``import-units`` file.

``data.py`` reads the shipped files (and is all that ``security.py`` needs to
refuse the demo passwords in production), ``seed.py`` stores them,
``records.py`` makes two years of field records.
"""

from .data import demo_passwords, demo_units, demo_users

__all__ = ["demo_passwords", "demo_units", "demo_users"]
