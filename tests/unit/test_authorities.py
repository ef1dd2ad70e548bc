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


@pytest.mark.parametrize(
    "written, code",
    [
        ("Dudley MBC", "E08000027"),
        ("Wirral MBC", "E08000015"),
        ("Wakefield District", "E08000036"),
        ("Wakefield Metropolitan District Council", "E08000036"),
        ("Derby City", "E06000015"),
        ("Stockton-On-Tees", "E06000004"),
        ("Royal Borough of Windsor and Maidenhead", "E06000040"),
        ("City of York", "E06000014"),
        ("City of Bradford Metropolitan District Council", "E08000032"),
        ("City of Wolverhampton Council", "E08000031"),
        ("London Borough of Lewisham", "E09000023"),
        ("South Tyneside Metropolitan Borough", "E08000023"),
        ("Bristol City Council", "E06000023"),
        ("Bedford Borough Council", "E06000055"),
    ],
)
def test_council_suffixes_and_prefixes_resolve(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


@pytest.mark.parametrize(
    "written, code",
    [
        ("Bradford Children and Families Trust", "E08000032"),
        ("Birmingham Children's Trust", "E08000025"),
        ("Doncaster Children's Services Trust", "E08000017"),
        ("Slough Children First", "E06000039"),
        ("Slough Children's Services Trust", "E06000039"),
        ("Worcestershire Children First", "E10000034"),
        ("Together for Children Sunderland", "E08000024"),
        ("Together for Children", "E08000024"),
        ("Brighter Futures for Children", "E06000038"),
    ],
)
def test_children_s_trusts_and_companies_resolve_to_their_council(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_a_company_serving_two_councils_resolves_by_what_the_document_says():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    kingston = (
        "Achieving for Children provides children's services for the Royal Borough of Kingston upon Thames. "
        "Children in Kingston are seen promptly; leaders in Kingston know their services well."
    )
    richmond = (
        "Achieving for Children runs children's services in Richmond upon Thames and Kingston. "
        "Children in Richmond wait too long; Richmond's leaders know it; the London Borough of Richmond upon "
        "Thames has invested."
    )
    assert set(resolver.shared_by("Achieving for Children")) >= {"E09000021", "E09000027"}
    assert resolver.resolve("Achieving for Children", kingston) == "E09000021"
    assert resolver.resolve("Achieving for Children", richmond) == "E09000027"


def test_a_shared_name_with_no_text_to_decide_stays_unresolved():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    assert resolver.resolve("Achieving for Children") is None
    assert resolver.resolve("Achieving for Children", "Kingston and Richmond alike.") is None
    assert resolver.resolve_or_placeholder("Achieving for Children") == "unresolved:achieving for children"
    # a shared name is never what find_in reports for an address block
    assert resolver.find_in("Achieving for Children, Guildhall 2") is None


@pytest.mark.parametrize(
    "written, code",
    [
        ("the London Borough of Lewisham's", "E09000023"),
        ("Derby City Council's", "E06000015"),
        ("Dudley Metropolitan Borough Council (MBC)", "E08000027"),
        ("Bournemouth, Christchurch and Poole (BCP)", "E06000058"),
    ],
)
def test_possessives_and_bracketed_abbreviations_resolve(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_a_shortened_form_inside_a_longer_name_is_not_taken_for_that_authority():
    # "London" alone is the City of London, but "London Borough of <unknown>" is not
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    assert resolver.resolve("London Borough of Atlantis") is None
    assert resolver.resolve_or_placeholder("London Borough of Atlantis") == "unresolved:atlantis"


def test_the_choice_between_a_company_s_councils_is_explained():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    text = "Children in Richmond are safe. Richmond upon Thames leaders act. Kingston is near."
    explained = resolver.explain_choice("Achieving for Children", text)
    assert "Richmond upon Thames twice" in explained.replace("2 times", "twice")
    assert "Kingston upon Thames once" in explained
    assert explained.endswith("read as Richmond upon Thames, the one it names most often")
    assert resolver.explain_choice("Surrey County Council", text) is None


def test_the_report_row_cites_the_council_chosen_for_a_company():
    from collections import defaultdict

    from orchestration.lib.parse.parsers.model import ParsedReport
    from orchestration.lib.parse.rows import report_rows

    report = ParsedReport(
        report_type="focused_visit",
        local_authority_as_written="Achieving for Children",
        authority_context="Achieving for Children works in Kingston. Kingston upon Thames children are safe.",
    )
    rows = defaultdict(list)
    report_rows(rows, report, "r1", 1, "a.pdf", "0" * 64, None, resolver_for(REFERENCE_AUTHORITIES_CSV))
    assert rows["reports"][0]["local_authority_id"] == "E09000021"
    [choice] = [e for e in rows["evidence"] if e["field_name"] == "local_authority_choice"]
    assert choice["field_value"] == "E09000021"
    assert "read as Kingston upon Thames" in choice["evidence"]


@pytest.mark.parametrize(
    "written, code",
    [
        ("West Northamptonshire Local Area Partnership", "E06000062"),
        ("Bedford Borough Local Area Partnership", "E06000055"),
        ("Royal Borough of Windsor and Maidenhead Local Safeguarding Partnership", "E06000040"),
        ("Buckinghamshire Safeguarding Children Partnership", "E06000060"),
        ("Bradford Metropolitan District Council", "E08000032"),
    ],
)
def test_partnerships_named_after_their_council_resolve(written, code):
    assert resolver_for(REFERENCE_AUTHORITIES_CSV).resolve(written) == code


def test_a_name_holding_two_councils_is_not_given_to_either():
    resolver = resolver_for(REFERENCE_AUTHORITIES_CSV)
    assert resolver.resolve("Richmond upon Thames and Kingston upon Thames") is None
