import pytest

from orchestration.lib.parse.authorities import resolver_for
from orchestration.settings import REFERENCE_AUTHORITIES_CSV


@pytest.mark.parametrize(
    "written, code",
    [
        ("Surrey County Council", "E10000030"),
        ("London Borough of Sutton", "E09000029"),
        ("the London Borough of Sutton", "E09000029"),
        ("Bedford Borough", "E06000055"),
        ("Surrey local authority", "E10000030"),
        ("Cumbria County Council", "E10000006"),
        ("City of London", "E09000001"),
        ("Royal Borough of Kensington and Chelsea", "E09000020"),
        ("Kingston upon Hull City Council", "E06000010"),
        ("Stockton-on-Tees Borough Council", "E06000004"),
        ("Kingston-upon-Hull", "E06000010"),
        ("Kingston upon Hull Safeguarding Children Board", "E06000010"),
        ("Sandwell Children's Trust", "E08000028"),
        ("County Durham", "E06000047"),
    ],
)
def test_names_resolve_to_gss_codes(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_unknown_authority_gets_a_placeholder_not_a_guess():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    assert resolver.resolve("Atlantis Borough Council") is None
    assert resolver.resolve_or_placeholder("Atlantis Borough Council") == "unresolved:atlantis"


@pytest.mark.parametrize(
    "written, code",
    [
        ("E10000030", "E10000030"),  # the GSS code itself
        (" e10000030 ", "E10000030"),
        ("936", "E10000030"),  # Surrey's DfE code
        ("E08000038", "E08000016"),  # Barnsley's 2025 GSS code
        ("E08000039", "E08000019"),  # Sheffield's 2025 GSS code
        ("370", "E08000016"),
        ("909", "E10000006"),  # an abolished authority keeps its DfE code
    ],
)
def test_codes_resolve_to_the_authority_gss_code(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_a_code_the_reference_lacks_is_not_guessed():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    assert resolver.resolve("999") is None
    assert resolver.resolve("E99999999") is None


def test_codes_are_not_found_in_running_text():
    # an address block's street number must not read as a DfE code
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).find_in("936 High Street") is None


def test_the_resolver_carries_codes_of_each_authority():
    barnsley = resolver_for(REFERENCE_AUTHORITIES_CSV).by_code["E08000016"]
    assert barnsley.la_code == "370"
    assert barnsley.other_gss_codes == ("E08000038",)


@pytest.mark.parametrize(
    "written, code",
    [
        ("East Riding", "E06000011"),
        ("Knowsley Metropolitan Borough Council Children's", "E08000011"),
        ("Wokingham Borough Council local authority children's", "E06000041"),
        ("Director of Children's Services Plymouth City Council", "E06000026"),
        ("Wiltshire Council County Hall", "E06000054"),
    ],
)
def test_address_block_wordings_resolve(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_an_address_without_an_authority_stays_unresolved():
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve("The Council House") is None
