import pytest

from orchestration.lib.authorities import resolver_for
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
