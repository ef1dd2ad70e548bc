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
    # a trust or company running an authority's children's services under the place's name
    " children and families trust",
    " children's services company",
    " children first",
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
    " local safeguarding partnership",
    " safeguarding partnership",
    " local area partnership",  # an area SEND partnership
    " children's services trust",
    " children's trust",
    " children's services",
    " children's social care",
    " council",
    " mbc",  # metropolitan borough council
    " mdc",
    " borough",
    " city",
    " county",
    " metropolitan",
    " district",
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
    """The name, then the name with kind-of-body words peeled off one at a time. A name with a bracketed
    part ("Dudley Metropolitan Borough Council (MBC)", "Bournemouth, Christchurch and Poole (BCP)") is
    read without it; a possessive ("Lewisham's") without its "'s"."""
    if "(" in name and (bare := re.sub(r"\([^)]*\)?", " ", name).strip()):
        return _variants(bare)
    seen = [_key(name)]
    changed = True
    while changed:
        changed = False
        current = seen[-1]
        if current.endswith("'s") and len(current) > 2:
            seen.append(current[:-2].rstrip())
            changed = True
            continue
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
    """Names and codes of the reference list, each to its authority's GSS code.

    A name the reference gives to more than one authority (an alias such as "Achieving for Children",
    the company that runs the children's services of two or three councils) is a shared name: it resolves
    only with the document's text to decide, to the council that text names most often."""

    def __init__(self, csv_path: Path):
        self.by_code: dict[str, Authority] = {}
        self._by_key: dict[str, str] = {}
        # codes, upper-cased, kept apart from names so that find_in never matches a number in running text
        self._by_code_key: dict[str, str] = {}
        # a name (as a key) -> every authority that carries it as its name or an alias
        owners: dict[str, list[str]] = {}
        names_of: dict[str, list[str]] = {}
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
                names_of[authority.gss_code] = names
                for name in names:
                    holders = owners.setdefault(_key(name), [])
                    if authority.gss_code not in holders:
                        holders.append(authority.gss_code)
        self._shared: dict[str, tuple[str, ...]] = {
            key: tuple(codes) for key, codes in owners.items() if len(codes) > 1
        }
        # whole names and aliases, without the shortened forms
        self._exact: dict[str, str] = {}
        for code, names in names_of.items():
            for name in names:
                if _key(name) in self._shared:
                    continue
                self._exact.setdefault(_key(name), code)
                self._by_key.setdefault(_key(name), code)
                # "City of London" must stay itself; other variants only fill gaps
                for variant in _variants(name)[1:]:
                    if variant not in self._shared:
                        self._by_key.setdefault(variant, code)
        # the words that name each authority in running text, for telling a shared name's councils apart
        self._mentions: dict[str, list[str]] = {
            code: sorted(
                {v for n in names if _key(n) not in self._shared for v in _variants(n) if len(v) >= 4}
            )
            for code, names in names_of.items()
        }

    def resolve(self, as_written: str | None, context: str | None = None) -> str | None:
        """The GSS code of the authority a name or code stands for; None when the reference has no such
        authority. A shared name needs `context` (the document's text) to resolve."""
        if not as_written:
            return None
        code = self._by_code_key.get(as_written.strip().upper())
        if code:
            return code
        for variant in _variants(as_written):
            if variant in self._shared:
                return self.choose_among(self._shared[variant], context)
            code = self._by_key.get(variant)
            if code:
                return code
        return self._only_authority_within(as_written, context)

    def shared_by(self, as_written: str | None) -> tuple[str, ...]:
        """The authorities a shared name (a company serving several councils) stands for; () otherwise."""
        for variant in _variants(as_written or ""):
            if variant in self._shared:
                return self._shared[variant]
        return ()

    def choose_among(self, codes: tuple[str, ...], context: str | None) -> str | None:
        """Of several authorities, the one the text names most often (its name, an alias, or the first word
        of its name when that word is its own among them: "Kingston" for Kingston upon Thames, "Windsor"
        for Windsor and Maidenhead); None on a tie or without text."""
        counts = self._mention_counts(codes, context)
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]

    def explain_choice(self, as_written: str | None, context: str | None) -> str | None:
        """For a name several authorities share, what the document's text decided, in words; else None."""
        codes = self.shared_by(as_written)
        if not codes:
            return None
        counts = self._mention_counts(codes, context)
        chosen = self.choose_among(codes, context)
        times = {0: "not at all", 1: "once"}
        named = ", ".join(
            f"{self.by_code[code].name} {times.get(counts.get(code, 0), f'{counts.get(code, 0)} times')}"
            for code in codes
        )
        verdict = (
            f"read as {self.by_code[chosen].name}, the one it names most often"
            if chosen
            else "left unresolved: the document does not name one of them more often than the others"
        )
        return f"{as_written} serves {len(codes)} councils; the document names {named}; {verdict}"

    def _mention_counts(self, codes: tuple[str, ...], context: str | None) -> dict[str, int]:
        if not context:
            return {}
        words: dict[str, str] = {}
        for code in codes:
            for mention in self._mentions.get(code, []):
                words.setdefault(mention, code)
        firsts = [self.by_code[code].name.split()[0].lower() for code in codes]
        for code, first in zip(codes, firsts):
            if len(first) >= 4 and firsts.count(first) == 1:
                words.setdefault(_key(first), code)
        if not words:
            return {}
        pattern = re.compile(
            r"(?<![a-z0-9])("
            + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            + r")(?![a-z0-9])"
        )
        counts = {code: 0 for code in codes}
        for match in pattern.finditer(_key(context)):
            counts[words[match.group(1)]] += 1
        return counts

    def _only_authority_within(self, as_written: str, context: str | None) -> str | None:
        """A name that holds one authority's name or alias among other words ("Together for Children
        Sunderland"): that authority, when every name found within it is the same authority's. Only whole
        names count here, not the shortened forms ("London" of "City of London")."""
        lowered = " " + _key(as_written) + " "
        spans: list[tuple[int, int, str]] = []
        for key, code in self._exact.items():
            if len(key) >= 4 and (at := lowered.find(f" {key} ")) >= 0:
                spans.append((at, at + len(key) + 1, code))
        for key, codes in self._shared.items():
            if (at := lowered.find(f" {key} ")) >= 0:
                spans.append((at, at + len(key) + 1, self.choose_among(codes, context or as_written) or "?"))
        # a name inside a longer one found ("Northamptonshire" in "West Northamptonshire") is that one
        found = {
            code
            for start, end, code in spans
            if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
        }
        return found.pop() if len(found) == 1 and "?" not in found else None

    def resolve_or_placeholder(self, as_written: str | None, context: str | None = None) -> str | None:
        """GSS code, or 'unresolved:<name>' so a report of an authority the reference lacks is still kept."""
        if not as_written:
            return None
        return self.resolve(as_written, context) or "unresolved:" + _variants(as_written)[-1]

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
