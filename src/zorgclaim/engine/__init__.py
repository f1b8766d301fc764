"""The adjudication engine: a pure function from claim lines + world + state to decisions + state.

Stages, each its own module: formal -> coverage -> pricing -> limits (with the deductible, in one
per-member sequential kernel) -> payout. `explain` renders the steps each line went through.
"""

from zorgclaim.engine.adjudicate import adjudicate
from zorgclaim.engine.state import State

__all__ = ["adjudicate", "State"]
