"""Great Expectations checks on the `extracted` tables, as plain functions the Dagster checks can call.

Each table has a suite in `expectations/extracted_<table>.json` (GX 1.x `ExpectationSuite.to_json_dict()`
shape). A table is read into a pandas DataFrame and validated against an in-memory (ephemeral) context:
GX's SQL datasource returns no rows against DuckDB, so the pandas datasource is the one that works.

A value set that is one of the warehouse's value lists (report types, judgement areas...) is not written
in the suite: the suite names the list with a GX suite parameter,
`"value_set": {"$PARAMETER": "report_types"}`, and every list is passed as a parameter when the suite
runs, read from the dbt seeds the dbt tests check the marts against (lib/core/vocabulary.py). The values are
therefore always the seeds' current ones.

Results are reduced to `SuiteResult` / `FailedExpectation`, which name the failing rows by their key
columns (normally report_id) so a person can go from a failed check to the source file.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import threading
import types
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import pandas as pd

from orchestration.lib.core import schema, vocabulary

if TYPE_CHECKING:  # importing great_expectations costs seconds, so it is only imported when first needed
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition

REPO_ROOT = Path(__file__).resolve().parents[3]
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

MAX_EXAMPLES = 5
MAX_KEYS = 10

# The shared context is not documented as thread-safe; validations are quick, so serialise them.
_VALIDATE_LOCK = threading.Lock()


def import_great_expectations() -> types.ModuleType:
    """Great Expectations, imported when first needed: the import alone takes seconds."""
    import great_expectations

    return great_expectations


class SuiteLoadError(ValueError):
    """A suite file that GX would load only partly, or not at all."""


@dataclass
class FailedExpectation:
    expectation: str
    column: str | list[str] | None
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)
    failing_keys: list[Any] = field(default_factory=list)
    table: str = ""
    key_columns: list[str] = field(default_factory=lambda: ["report_id"])
    why: str | None = None
    # Set when GX could not evaluate the expectation at all (e.g. a column missing from the frame).
    error: str | None = None
    observed_value: Any = None
    severity: str = "critical"  # as the suite declares it: critical | warning
    # every failing row's key (normally its report_id) with the values that failed, not only examples
    values_by_key: dict[Any, list[Any]] = field(default_factory=dict)

    def describe(self, labels: Mapping[Any, str] | None = None) -> str:
        """One line; `labels` names failing keys, e.g. report_id -> the file it was read from."""
        if isinstance(self.column, list):
            where = f"{self.table}.({', '.join(self.column)})"
        elif self.column:
            where = f"{self.table}.{self.column}"
        else:
            where = self.table
        head = f"{self.expectation} on {where}"
        if self.error:
            return f"{head}: could not be evaluated: {self.error}"
        if self.unexpected_count is None:
            return f"{head}: failed, observed {self.observed_value!r}"
        line = f"{head}: {self.unexpected_count} row(s) unexpected, e.g. {self.examples!r}"
        if self.failing_keys:
            label = (
                "reports" if self.key_columns == ["report_id"] else f"keys ({', '.join(self.key_columns)})"
            )
            named = [f"{k} ({labels[k]})" if labels and k in labels else str(k) for k in self.failing_keys]
            line += f"; {label}: {', '.join(named)}"
        return line


@dataclass
class SuiteResult:
    suite_name: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    row_count: int = 0

    def describe(self) -> str:
        status = "passed" if self.success else f"{len(self.failed)} of {self.evaluated} expectation(s) failed"
        lines = [f"{self.suite_name}: {status} on {self.row_count} row(s)"]
        lines += [f"  - {f.describe()}" for f in self.failed]
        return "\n".join(lines)


def suite_path_for(table: str) -> Path:
    """'judgements' or 'extracted.judgements' -> expectations/extracted_judgements.json."""
    name = table.split(".", 1)[1] if table.startswith("extracted.") else table
    return EXPECTATIONS_DIR / f"extracted_{name}.json"


def load_suite(path: Path | str) -> tuple[ExpectationSuite, int]:
    """Load a suite file, returning (suite, number of expectations the file declares).

    GX's ExpectationSuite constructor logs and drops any expectation it cannot build (an unknown type,
    say), which would make a check quietly weaker; this raises instead, naming every bad entry.
    """
    path = Path(path)
    stat = path.stat()
    return _load_suite_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_suite_cached(path_str: str, _mtime_ns: int, _size: int) -> tuple[ExpectationSuite, int]:
    # mtime and size are in the cache key so an edited suite file is picked up by a long-running process.
    import_great_expectations()
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    path = Path(path_str)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteLoadError(f"{path}: not valid JSON: {exc}") from exc
    declared = raw.get("expectations") if isinstance(raw, dict) else None
    if not isinstance(declared, list):
        raise SuiteLoadError(f"{path}: expected an object with an 'expectations' list")

    # Building each entry alone gives a reason per entry; GX itself only logs a traceback and moves on
    # for some errors, and raises a bare pydantic error (without saying which entry) for others.
    problems = []
    for i, entry in enumerate(declared):
        try:
            if not isinstance(entry, dict):
                raise TypeError("not a JSON object")
            unknown = [name for name in value_lists_named(entry) if name not in vocabulary.VALUE_LISTS]
            if unknown:
                # GX would only fail at validation, with "No value found for $PARAMETER ..."
                raise ValueError(
                    f"no value list {', '.join(unknown)} in orchestration/lib/core/vocabulary.py"
                )
            ExpectationConfiguration(**entry).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - any reason an entry cannot be built is reported
            kind = entry.get("type") if isinstance(entry, dict) else None
            problems.append(f"  #{i} {kind or '?'}: {type(exc).__name__}: {exc}".replace("\n", " "))
    if problems:
        raise SuiteLoadError(
            f"{path}: {len(problems)} expectation(s) cannot be loaded:\n" + "\n".join(problems)
        )

    suite = ExpectationSuite(
        name=raw.get("name") or path.stem,
        expectations=declared,
        suite_parameters=raw.get("suite_parameters"),
        meta=raw.get("meta"),
        notes=raw.get("notes"),
    )
    if len(suite.expectations) != len(declared):
        lost = Counter(e["type"] for e in declared) - Counter(e.expectation_type for e in suite.expectations)
        raise SuiteLoadError(
            f"{path}: GX loaded {len(suite.expectations)} of {len(declared)} expectations; "
            f"dropped: {dict(lost) or 'unknown'}"
        )
    return suite, len(declared)


def value_lists_named(entry: Any) -> list[str]:
    """The value lists an expectation's kwargs name as suite parameters ({"$PARAMETER": "<list>"})."""
    kwargs = entry.get("kwargs") if isinstance(entry, dict) else None
    return [
        value["$PARAMETER"]
        for value in (kwargs or {}).values()
        if isinstance(value, dict) and isinstance(value.get("$PARAMETER"), str)
    ]


@functools.cache
def _batch_definition() -> BatchDefinition:
    # One ephemeral context per process: creating it is slow, and it holds nothing but this datasource.
    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars on stderr would flood Dagster's compute logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas("ofsted_extracted")
    asset = datasource.add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _table_for_suite(suite_name: str) -> str | None:
    if suite_name.startswith("extracted_"):
        qualified = "extracted." + suite_name.removeprefix("extracted_")
        if qualified in schema.TABLES:
            return qualified
    return None


def _columns_in_suite(suite: ExpectationSuite) -> list[str]:
    columns: list[str] = []
    for exp in suite.expectations:
        kwargs = exp.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if kwargs.get(key):
                columns.append(kwargs[key])
        columns += list(kwargs.get("column_list") or [])
    return list(dict.fromkeys(columns))


def _is_date_like(series: pd.Series) -> bool:
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, (dt.date, pd.Timestamp)) for v in values)


def _prepare(df: pd.DataFrame, suite: ExpectationSuite, table: str | None) -> pd.DataFrame:
    # A positional index lets GX's unexpected_index_list be mapped straight back to rows.
    frame = df.reset_index(drop=True).copy()
    if len(frame) == 0:
        # Nothing to check in zero rows; a frame built without columns should not error on them.
        for column in _columns_in_suite(suite):
            if column not in frame.columns:
                frame[column] = pd.Series([], dtype=object)
    # Bounds are compared as timestamps; datetime.date objects (or all-null object columns) in a date
    # column make GX's between-metric raise, so every date column becomes datetime64.
    declared = schema.TABLES.get(table or "", [])
    declared_dates = {name for name, dtype in declared if dtype in ("DATE", "TIMESTAMP")}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        if column in declared_dates or (series.dtype == object and _is_date_like(series)):
            frame[column] = pd.to_datetime(series)
    return frame


def _plain(value: Any) -> Any:
    """Numpy/pandas scalars -> Python values that print and serialise plainly."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)) or type(value).__name__ == "datetime64":
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            return None
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _exception_message(exception_info: Any) -> str | None:
    # GX reports an exception either flat ({"raised_exception": ..}) or keyed by metric id.
    if not isinstance(exception_info, dict) or not exception_info:
        return None
    if "raised_exception" in exception_info:
        return exception_info.get("exception_message") if exception_info.get("raised_exception") else None
    for info in exception_info.values():
        if isinstance(info, dict) and info.get("exception_message"):
            return str(info["exception_message"])
    return None


def _failing_keys(frame: pd.DataFrame, indices: list[Any], key_columns: list[str]) -> list[Any]:
    keys: list[Any] = []
    for idx in indices:
        if isinstance(idx, dict):  # only when unexpected_index_column_names is used
            row = [idx.get(c) for c in key_columns]
        else:
            row = [frame.at[idx, c] for c in key_columns]
        key = _plain(row[0]) if len(row) == 1 else tuple(_plain(v) for v in row)
        if key not in keys:
            keys.append(key)
            if len(keys) >= MAX_KEYS:
                break
    return keys


def _values_by_key(
    frame: pd.DataFrame, indices: list[Any], key_columns: list[str], column: str | list[str] | None
) -> dict[Any, list[Any]]:
    """Each failing row's key and the value(s) of the checked column(s) in that row, for every row."""
    columns = [column] if isinstance(column, str) else list(column or [])
    found: dict[Any, list[Any]] = {}
    for idx in indices:
        if isinstance(idx, dict):
            continue  # only when unexpected_index_column_names is used, which this module does not
        row = [frame.at[idx, c] for c in key_columns]
        key = _plain(row[0]) if len(row) == 1 else tuple(_plain(v) for v in row)
        values = [_plain(frame.at[idx, c]) for c in columns if c in frame.columns]
        found.setdefault(key, []).append(values[0] if len(values) == 1 else values)
    return found


def _severity_of(config: Any) -> str:
    severity = getattr(config, "severity", None)
    return str(getattr(severity, "value", severity) or "critical").lower()


def _column_of(kwargs: dict) -> str | list[str] | None:
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_A"):
        return [kwargs["column_A"], kwargs["column_B"]]
    if kwargs.get("column_list"):
        return list(kwargs["column_list"])
    return None


def validate_table(
    df: pd.DataFrame, suite_path: Path | str, key_columns: list[str] | None = None
) -> SuiteResult:
    """Validate one table's rows against its suite; never raises for bad data, only for a bad suite."""
    key_columns = list(key_columns or ["report_id"])
    suite, declared = load_suite(suite_path)
    table = _table_for_suite(suite.name)
    frame = _prepare(df, suite, table)
    missing_keys = [c for c in key_columns if c not in frame.columns]
    if missing_keys:
        raise ValueError(f"key column(s) {missing_keys} not in the frame for {suite.name}")

    lists = vocabulary.value_lists()  # read now, so an edited seed counts without restarting the process
    with _VALIDATE_LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite, result_format={"result_format": "COMPLETE"}, expectation_parameters=lists
        )

    if len(result.results) != declared:
        raise RuntimeError(f"{suite.name}: GX evaluated {len(result.results)} of {declared} expectations")

    short_table = table.split(".", 1)[1] if table else suite.name
    failed = []
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        assert config is not None  # a result of validating a suite names the expectation it checked
        details = dict(res.result or {})
        values = details.get("partial_unexpected_list") or details.get("unexpected_list") or []
        indices = details.get("unexpected_index_list") or []
        failed.append(
            FailedExpectation(
                expectation=config.type,
                column=_column_of(config.kwargs),
                unexpected_count=details.get("unexpected_count"),
                examples=[_plain(v) for v in values[:MAX_EXAMPLES]],
                failing_keys=_failing_keys(frame, indices, key_columns),
                table=short_table,
                key_columns=key_columns,
                why=(config.meta or {}).get("why"),
                error=_exception_message(res.exception_info),
                observed_value=_plain(details.get("observed_value")),
                severity=_severity_of(config),
                values_by_key=_values_by_key(frame, indices, key_columns, _column_of(config.kwargs)),
            )
        )
    return SuiteResult(
        suite_name=suite.name,
        success=bool(result.success) and not failed,
        evaluated=len(result.results),
        failed=failed,
        row_count=len(frame),
    )
