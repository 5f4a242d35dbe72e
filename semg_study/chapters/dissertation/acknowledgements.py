"""Acknowledgements."""
from __future__ import annotations

KIND = "front"
TEXT = """
# Acknowledgements

I thank my supervisor, Dr Dalin Zhou, for his guidance throughout the project, and David Gaddy and Dan
Klein for releasing the Digital Voicing dataset together with the code of their models: without an open
dataset and open code this study could not have been attempted. I also thank the authors of the open
tools the study is built on (PyTorch, brainflow, flashlight-text, eSpeak NG, Typst and many others), and
everyone who answered questions about OpenBCI hardware along the way.
"""
