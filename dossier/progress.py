"""Progress of a long build: a bar that redraws itself on a terminal, plain lines elsewhere."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=sys.stderr, quiet: bool = False):
        self.stream, self.quiet = stream, quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last = 0.0

    def step(self, stage: str, done: int, total: int) -> None:
        """Called often; draws at most ten times a second, and only on a terminal."""
        if self.quiet or not self.tty:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r{stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()

    def stage(self, stage: str, seconds: float, what: str = "") -> None:
        """A stage ended: one plain line off a terminal (a log), nothing extra on one."""
        if self.quiet or self.tty:
            return
        self.stream.write(f"dossier: {stage} {what}in {seconds:.2f} s\n".replace("  ", " "))
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line to say what the build is doing, when it may seem stuck (unless quiet)."""
        if not self.quiet:
            self.stream.write(f"dossier: {text}\n")
            self.stream.flush()
