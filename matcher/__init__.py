"""Innopolis Matcher: cross-city partner recommendations for the organisations of an alliance of science cities.

Data flows one way: import (validate) -> store -> embed -> index -> candidates -> features -> rank ->
diversify -> explain -> CLI / app / export. Each stage is a module of this package.
"""

from __future__ import annotations

__version__ = "0.1.0"
