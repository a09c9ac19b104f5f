"""Briefing: turn the day's news articles into a themed, cited newsletter briefing.

The stages, one module each, run in this order (see `briefing.pipeline`):
sources → clean → store → analyse → compose → render → deliver.
"""

__version__ = "0.1.0"
