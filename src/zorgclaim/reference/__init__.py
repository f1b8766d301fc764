"""Reference tables (service codes, tariffs, DCSPH, CSI, Bijlage 1, provider kinds, return codes).

Every row carries its source and whether it was verified; see `tables.py`.
"""

from zorgclaim.reference.tables import ReferenceData, load_reference

__all__ = ["ReferenceData", "load_reference"]
