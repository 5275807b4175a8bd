"""Small utilities (run lock)."""

from __future__ import annotations
