"""Resolve an authority as a report writes it ("London Borough of Sutton", "Surrey County Council",
"Bedford Borough", "Surrey local authority") to its GSS code through the reference list and its aliases.
A code resolves too: the GSS code itself, another GSS code of the same authority (Barnsley's E08000038) or
its DfE code ("936" for Surrey).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Words around a name that say what kind of body it is, not which one. Longest first.
_PREFIXES = (
    "the royal borough of ",
    "royal borough of ",
    "london borough of ",
    "the london borough of ",
    "metropolitan borough of ",
    "borough of ",
    "county of ",
    "council of the ",
    "city of ",
    "the ",
    "director of children's services ",
)
_SUFFIXES = (
    " metropolitan borough council",
    " metropolitan district council",
    " county borough council",
    " borough council",
    " county council",
    " city council",
    " district council",
    " unitary authority",
    " local authority",
    " local safeguarding children board",
    " safeguarding children board",
    " safeguarding children partnership",
    " children's services trust",
    " children's trust",
    " children's services",
    " children's social care",
    " council",
    " borough",
    " city",
    " county",
    " metropolitan",
    # what follows the name on an address block: "... Council Children's", "Wiltshire Council County Hall"
    " children's",
    " county hall",
)


@dataclass(frozen=True)
class Authority:
    gss_code: str
    name: str
    region: str
    status: str
    successor_codes: tuple[str, ...]
    la_code: str | None = None
    other_gss_codes: tuple[str, ...] = ()


def _codes(cell: str | None) -> tuple[str, ...]:
    """A ';'-separated cell of the reference list as its codes."""
    return tuple(code.strip() for code in (cell or "").split(";") if code.strip())


def _key(name: str) -> str:
    name = name.lower().replace("’", "'").replace("&", " and ")
    name = re.sub(r"[^a-z0-9' -]", " ", name)
    name = re.sub(r"\s*-\s*", " ", name)  # "Kingston-upon-Hull" is "Kingston upon Hull"
    return re.sub(r"\s+", " ", name).strip(" '")


def _variants(name: str) -> list[str]:
    """The name, then the name with kind-of-body words peeled off one at a time."""
    seen = [_key(name)]
    changed = True
    while changed:
        changed = False
        current = seen[-1]
        for prefix in _PREFIXES:
            if current.startswith(prefix) and len(current) > len(prefix):
                seen.append(current[len(prefix) :])
                changed = True
                break
        else:
            for suffix in _SUFFIXES:
                if current.endswith(suffix) and len(current) > len(suffix):
                    seen.append(current[: -len(suffix)])
                    changed = True
                    break
    return seen


class AuthorityResolver:
    def __init__(self, csv_path: Path):
        self.by_code: dict[str, Authority] = {}
        self._by_key: dict[str, str] = {}
        # codes, upper-cased, kept apart from names so that find_in never matches a number in running text
        self._by_code_key: dict[str, str] = {}
        with open(csv_path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                authority = Authority(
                    gss_code=row["gss_code"],
                    name=row["local_authority_name"],
                    region=row["ofsted_region"],
                    status=row["status"],
                    successor_codes=_codes(row.get("successor_gss_codes")),
                    la_code=(row.get("la_code") or "").strip() or None,
                    other_gss_codes=_codes(row.get("other_gss_codes")),
                )
                self.by_code[authority.gss_code] = authority
                for code in (authority.gss_code, authority.la_code, *authority.other_gss_codes):
                    if code:
                        self._by_code_key.setdefault(code.upper(), authority.gss_code)
                names = [authority.name] + [a for a in (row.get("aliases") or "").split(";") if a.strip()]
                for name in names:
                    self._by_key.setdefault(_key(name), authority.gss_code)
                    # "City of London" must stay itself; other variants only fill gaps
                    for variant in _variants(name)[1:]:
                        self._by_key.setdefault(variant, authority.gss_code)

    def resolve(self, as_written: str | None) -> str | None:
        if not as_written:
            return None
        code = self._by_code_key.get(as_written.strip().upper())
        if code:
            return code
        for variant in _variants(as_written):
            code = self._by_key.get(variant)
            if code:
                return code
        return None

    def resolve_or_placeholder(self, as_written: str | None) -> str | None:
        """GSS code, or 'unresolved:<name>' so a report of an authority the reference lacks is still kept."""
        if not as_written:
            return None
        return self.resolve(as_written) or "unresolved:" + _variants(as_written)[-1]

    def find_in(self, text: str) -> str | None:
        """The first authority named anywhere in a short text (used on address blocks and titles)."""
        lowered = " " + _key(text) + " "
        best: tuple[int, int, str] | None = None
        for key, code in self._by_key.items():
            if len(key) < 4:
                continue
            position = lowered.find(" " + key + " ")
            if position >= 0:
                candidate = (position, -len(key), code)
                if best is None or candidate < best:
                    best = candidate
        return best[2] if best else None


@lru_cache(maxsize=4)
def resolver_for(csv_path: Path) -> AuthorityResolver:
    return AuthorityResolver(csv_path)
