"""What every operation works on: the store (SQLite in $ZORGCLAIM_HOME by default, or
$ZORGCLAIM_DATABASE_URL), the world as the insurer knows it (a world folder: members, coverages,
providers, contracts, tariffs, authorizations; with the policy library and reference tables), the
data folder, and the clock. The engine has no clock; the application layer asks this one.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine

from zorgclaim.domain.world import World


def home() -> Path:
    """The data folder: $ZORGCLAIM_HOME, default ./.zorgclaim."""
    return Path(os.environ.get("ZORGCLAIM_HOME", ".zorgclaim"))


@lru_cache(maxsize=1)
def library_and_reference():
    """The packaged policy library and reference tables (read once per process)."""
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    return load_library(), load_reference()


def read_world_folder(folder: Path) -> tuple[World, list]:
    """A world folder with the packaged library and reference tables; rows that cannot be read come
    back as errors (file, line, field) and are left out."""
    from zorgclaim.formats.tabular import read_world
    lib, ref = library_and_reference()
    return read_world(folder, lib, ref)


def empty_world() -> World:
    lib, ref = library_and_reference()
    return World(lib, ref)


@dataclass
class Context:
    engine: Engine
    world: World
    data_dir: Path = field(default_factory=home)
    clock: Callable[[], dt.date] = dt.date.today
    world_errors: list = field(default_factory=list)

    @property
    def library(self):
        return self.world.library

    @property
    def reference(self):
        return self.world.reference

    def today(self) -> dt.date:
        return self.clock()


def clock_from_env() -> Callable[[], dt.date]:
    """Today, or the processing date fixed by $ZORGCLAIM_TODAY (YYYY-MM-DD: tests, replays, demos)."""
    fixed = os.environ.get("ZORGCLAIM_TODAY")
    if not fixed:
        return dt.date.today
    day = dt.date.fromisoformat(fixed)
    return lambda: day


def open_context(world_dir: Path | None = None, url: str | None = None, data_dir: Path | None = None,
                 clock: Callable[[], dt.date] | None = None) -> Context:
    """The store at `url` (default: the environment's), migrated, with the world of `world_dir`
    (none: an empty world, for operations that need no members or providers)."""
    from zorgclaim.store.db import connect
    world, errors = read_world_folder(world_dir) if world_dir is not None else (empty_world(), [])
    return Context(connect(url), world, data_dir or home(), clock or clock_from_env(), errors)
