import shutil

import pytest

from tests.support import REPO, build_warehouse


@pytest.fixture(scope="session")
def seed_text_build(tmp_path_factory):
    """The warehouse job over the five seed reports, built once for every test that only reads it."""
    work = tmp_path_factory.mktemp("seed-text")
    raw = work / "raw"
    shutil.copytree(REPO / "raw", raw)
    return build_warehouse(raw, work)
