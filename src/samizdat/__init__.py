"""Samizdat: an offline-first digitization pipeline for an archive of the Soviet Jewry movement."""

__version__ = "0.1.0"
