"""Chapter: the objectives scorecard (placeholder while the chapter is written)."""
from __future__ import annotations

KIND = "chapter"
OBJECTIVES_OF_DOCUMENT = ("replicate, then outperform", "acquire EMG with OpenBCI", "release model and data")
TEXT = """
# Objectives Scorecard
"""
