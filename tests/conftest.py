import pytest

from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference


@pytest.fixture(scope="session")
def library():
    return load_library()


@pytest.fixture(scope="session")
def reference():
    return load_reference()
