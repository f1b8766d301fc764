"""Words of the pages: every kind of care the reference tables know has a label in both languages."""

from zorgclaim.reference import load_reference
from zorgclaim.web.i18n import CARE_KINDS, care_kind_label


def test_every_kind_of_care_has_a_dutch_and_an_english_label():
    kinds = set(load_reference().service_codes["care_kind"].drop_nulls().to_list())
    assert kinds - set(CARE_KINDS) == set()
    assert all(nl and en for nl, en in CARE_KINDS.values())
    assert len({nl for nl, _ in CARE_KINDS.values()}) == len(CARE_KINDS)        # told apart in a legend


def test_a_label_in_the_pages_language_and_an_unknown_kind_as_its_key():
    assert care_kind_label("msr_stay", "nl") == "Medisch-specialistische revalidatie: verblijf"
    assert care_kind_label("msr_stay", "en") == "Medical specialist rehabilitation: stay"
    assert care_kind_label("new_kind", "en") == "new_kind"
