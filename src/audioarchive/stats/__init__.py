"""Listening statistics: downloads counted from access logs by the IAB rules, no IP kept."""

from audioarchive.stats.statistics import StatsRequest, StatsResult, update_statistics

__all__ = ["StatsRequest", "StatsResult", "update_statistics"]
