"""Quoted counts of the narrative (累计培训30余人次): a character grammar over data files."""

from gknlp.counts.grammar import (
    APPROX_VALUES,
    DELTA_VALUES,
    Count,
    count_dicts,
    find_counts,
)

__all__ = ["Count", "find_counts", "count_dicts", "APPROX_VALUES", "DELTA_VALUES"]
