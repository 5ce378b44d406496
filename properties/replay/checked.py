"""The catalog rows `replay` judges, derived from the observer's judges (each family's `JUDGES`) and
declared once to the spec registry, so "which engines judge X" is read from there."""

from __future__ import annotations

from mip6check.properties.replay.observer import Observer
from mip6check.properties.spec import Engine, declare

CHECKED: tuple[str, ...] = declare(Engine.REPLAY, Observer.judged())
"""In catalog order."""
