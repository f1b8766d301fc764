from zorgclaim.reference import load_reference


def test_uzovi_numbers_come_from_reference_data():
    ref = load_reference()
    assert ref.uzovi("vgz") == "7095"
    assert ref.uzovi("onvz") == "3311"
    assert ref.uzovi("unknown") == "0000"
