"""Tables as pandas DataFrames when pandas is installed, else lists of dicts (pandas is
optional: it is imported only when a table is asked for)."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence


def frame(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
    """``rows`` (tuples, one value per column) as a DataFrame, or a list of dicts."""
    try:
        import pandas as pd
    except ImportError:
        return records(columns, rows)
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


def records(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> List[Dict[str, Any]]:
    """``rows`` as a list of dicts keyed by ``columns``."""
    names = list(columns)
    return [dict(zip(names, row)) for row in rows]
