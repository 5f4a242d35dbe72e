"""When each utterance of a capture session starts and stops, and the loop that drives a session.

:func:`run_session` records the reference clip, then prompt after prompt, asking
a :class:`Controller` when to start, when to stop and whether to keep a take:
:class:`AutoController` (fixed length, no keyboard) or :class:`TerminalController`
(Enter, ``r``, ``q``). Recording and saving an utterance is
:class:`semg_study.capture.session.CaptureSession`'s.
"""
from __future__ import annotations

from typing import Callable, Iterator

from semg_study.capture.prompts import Prompt
from semg_study.capture.session import CaptureSession, SavedUtterance
from semg_study.errors import StudyError


def run_session(session: CaptureSession, prompts: Iterator[Prompt], controller: "Controller",
                n_prompts: int | None, reference_clip: bool = True,
                log: Callable[[str], None] = print) -> list[SavedUtterance]:
    """Drive a session: reference clip, then prompts until ``n_prompts`` are kept or the user quits."""
    done = session.recorded_prompts()
    if reference_clip:
        if controller.wait_start(None, session.next_index) == "quit":
            return session.saved
        saved = session.record(None, controller.stop_condition())
        log(_describe(saved, "reference clip (relaxed face)"))
    kept = 0
    prompts = iter(prompts)
    while n_prompts is None or kept < n_prompts:  # check before drawing: the caller may go on with the iterator
        prompt = next(prompts, None)
        if prompt is None:
            break
        if (prompt.book, prompt.sentence_index) in done:
            continue
        while True:
            if controller.wait_start(prompt, session.next_index) == "quit":
                return session.saved
            saved = session.record(prompt, controller.stop_condition())
            log(_describe(saved, prompt.text))
            decision = controller.after_stop(saved)
            if decision == "redo" and saved is not None:
                session.discard(saved)
                log(f"  [{saved.index}] marked as re-recorded (sentence_index -1); recording again")
                continue
            break
        kept += 1
        if decision == "quit":
            break
    return session.saved


class Controller:
    """When to start and stop each utterance."""

    def wait_start(self, prompt: Prompt | None, index: int) -> str:  # "start" | "quit"
        raise NotImplementedError

    def stop_condition(self) -> Callable[[float], bool]:
        raise NotImplementedError

    def after_stop(self, saved: SavedUtterance | None) -> str:  # "next" | "redo" | "quit"
        return "next"


class AutoController(Controller):
    """Non-interactive: every utterance lasts ``seconds``."""

    def __init__(self, seconds: float, log: Callable[[str], None] = print):
        if seconds <= 0:
            raise StudyError(f"--auto needs a positive number of seconds, got {seconds}")
        self.seconds = seconds
        self.log = log

    def wait_start(self, prompt: Prompt | None, index: int) -> str:
        self.log(f"[{index}] {'(reference clip: keep the face relaxed)' if prompt is None else prompt.text}")
        return "start"

    def stop_condition(self) -> Callable[[float], bool]:
        return lambda elapsed: elapsed >= self.seconds


class TerminalController(Controller):
    """Keyboard in the terminal: Enter starts and stops, ``r`` redoes, ``q`` quits."""

    def __init__(self, stdin=None, log: Callable[[str], None] = print):
        import sys

        self.stdin = stdin or sys.stdin
        self.log = log

    def _line(self) -> str:
        # read the file descriptor byte by byte: a buffered readline could swallow lines that
        # select() then no longer sees, and Enter-to-stop would never fire
        import os

        fd = self.stdin.fileno()
        chars = []
        while True:
            byte = os.read(fd, 1)
            if not byte:
                return "q" if not chars else "".join(chars).strip().lower()  # end of input: quit
            if byte == b"\n":
                return "".join(chars).strip().lower()
            chars.append(byte.decode("utf-8", "replace"))

    def wait_start(self, prompt: Prompt | None, index: int) -> str:
        text = "(reference clip: keep the face relaxed)" if prompt is None else prompt.text
        self.log(f"\n[{index}]  {text}\n      Enter: start recording   q: quit")
        return "quit" if self._line() == "q" else "start"

    def stop_condition(self) -> Callable[[float], bool]:
        import select

        self.log("      recording... Enter: stop")

        def pressed(_elapsed: float) -> bool:
            ready, _, _ = select.select([self.stdin.fileno()], [], [], 0)
            if ready:
                self._line()
                return True
            return False
        return pressed

    def after_stop(self, saved: SavedUtterance | None) -> str:
        self.log("      Enter: next   r: redo   q: quit")
        answer = self._line()
        return {"r": "redo", "q": "quit"}.get(answer, "next")


def _describe(saved: SavedUtterance | None, label: str) -> str:
    if saved is None:
        return f"  (nothing received for: {label})"
    flag = "  INCOMPLETE" if saved.info.get("incomplete") else ""
    return f"  saved {saved.path}  {saved.info['duration_s']:.2f} s{flag}"
