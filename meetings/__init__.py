"""The meetings package (DESIGN.md §1); its wiring grows as its issue is built."""

from hub.wiring import Package

PACKAGE = Package(name="meetings")
