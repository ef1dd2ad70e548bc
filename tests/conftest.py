import pytest

from tests.support import SHARED


@pytest.fixture
def shared_dir():
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"needs the shared corpus at {SHARED}, which is not beside this clone")
    return SHARED
