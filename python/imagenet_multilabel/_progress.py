"""Progress for ``fetch`` and ``build``: a tqdm bar when tqdm is installed, else one line on
stderr rewritten in place; nothing with ``progress=False``."""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any, Callable, Optional

Callback = Callable[[str, int, int, Optional[str]], None]


class Bar:
    """Receives ``(kind, done, total, message)`` from the native side (a few times a
    second): ``start``/``planned`` set the total, ``progress``/``image`` the bytes done,
    ``notice``/``warning`` are messages."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.total = 0
        self.done = 0
        self._tqdm: Any = None
        self._last_line = 0.0
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self._tqdm_cls = tqdm

    def __call__(self, kind: str, done: int, total: int, message: Optional[str]) -> None:
        if kind in ("start", "planned"):
            self.total, self.done = total, done
            label = f"{self.what}: {message}" if message else self.what
            if self._tqdm_cls is not None:
                if self._tqdm is not None:
                    self._tqdm.close()
                self._tqdm = self._tqdm_cls(
                    total=total, initial=done, unit="B", unit_scale=True, desc=label
                )
            else:
                self.what_now = label
                self._line(force=True)
        elif kind in ("progress", "image"):
            step = done - self.done
            self.done = done
            if self._tqdm is not None:
                self._tqdm.update(step)
            else:
                self._line()
        elif kind == "notice" and message:
            self._write(f"note: {message}")
        elif kind == "warning" and message:
            warnings.warn(message, stacklevel=3)

    def _write(self, text: str) -> None:
        if self._tqdm is not None:
            self._tqdm.write(text, file=sys.stderr)
        else:
            sys.stderr.write(f"\r{text}\n")

    def _line(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_line < 0.5:
            return
        self._last_line = now
        pct = 100.0 * self.done / self.total if self.total else 0.0
        label = getattr(self, "what_now", self.what)
        sys.stderr.write(
            f"\r{label}: {self.done / 1e6:.1f} / {self.total / 1e6:.1f} MB ({pct:.0f}%)"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        elif self.total:
            self.done = max(self.done, self.total)
            self._line(force=True)
            sys.stderr.write("\n")


def bar(progress: Any, what: str) -> Optional[Any]:
    """The callback for ``progress=``: True gives a bar, False none, a callable is used as
    is (called with ``(kind, done, total, message)``)."""
    if progress is True:
        return Bar(what)
    if progress is False or progress is None:
        return None
    if callable(progress):
        return progress
    raise TypeError("progress= must be True, False or a callable")
