"""CTC decoding: greedy, the ARPA n-gram language model writer, flashlight-text beam search.

Import the pieces from their modules (``semg_study.decoding.greedy`` etc.); the
beam decoder imports flashlight only when used.
"""
