"""Report writers: JUnit XML, SARIF 2.1.0, and message sequence charts (self-contained HTML + SVG)."""

from __future__ import annotations

__all__ = ["junit", "msc", "sarif"]
