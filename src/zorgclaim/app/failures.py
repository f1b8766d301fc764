"""An unexpected failure, told to the operator without its message: the kind of error and the
place in our code where it happened. The message of a library's error may quote a value that was
sent (a BSN in a database error's context), so it goes into no log and no answer."""

from __future__ import annotations

import traceback


def where(exc: BaseException) -> str:
    """'KindOfError at path/to/module.py:123', the innermost frame of zorgclaim's own code."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    ours = [f for f in frames if "/zorgclaim/" in f.filename]
    frame = (ours or frames or [None])[-1]
    place = f"{frame.filename.split('/zorgclaim/')[-1]}:{frame.lineno}" if frame else "?"
    return f"{type(exc).__name__} at {place}"
