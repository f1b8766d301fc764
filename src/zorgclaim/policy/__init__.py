"""Products, benefits and dated parameters: the rules as data (see data/)."""

from zorgclaim.policy.library import PolicyLibrary, PolicyError, load_library

__all__ = ["PolicyLibrary", "PolicyError", "load_library"]
