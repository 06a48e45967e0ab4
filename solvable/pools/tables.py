"""Tables of samples on disk or in memory, read into columns (used by `Pool.from_table`).

Formats, told by the file's suffix (or ``format=``):

==========================  ==================================================================
``.csv``, ``.tsv``          a header row, then one sample per row
``.jsonl``, ``.ndjson``     one JSON object per line: one sample (tidy), or one question whose
                            fields are lists, one entry per sample (nested; recognised when the
                            correctness field of a line is a list; JSON only)
``.json``                   a JSON array of such objects
``.parquet``, ``.pq``       read with pyarrow (or pandas), where installed
==========================  ==================================================================

plus a mapping of equal-length columns and a pandas DataFrame. Every row keeps a locator
("'pool.csv' line 7") so that an error about a cell can name its file, line and column.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

__all__ = ["FORMATS", "read_columns"]

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".json": "json", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path, format=None) -> str:
    """The format of a table file: `format` if given, else from the file's suffix."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
        return format
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"table {str(path)!r}: cannot tell its format from the suffix "
                         f"{suffix or '(none)'!r}; use one of {sorted(_SUFFIXES)} or give "
                         f"format= (one of {FORMATS})")
    return _SUFFIXES[suffix]


def read_columns(table, *, format=None, nested_on=None):
    """Columns of a table, and where each row came from.

    Parameters
    ----------
    table : str, path, mapping of columns, or pandas.DataFrame
    format : str, optional
        One of `FORMATS`; default from the file's suffix.
    nested_on : str, optional
        A JSON field: a JSON object whose value at this field is a list is one question's
        samples (nested layout) and is expanded to one row per sample; its other list-valued
        fields must have the same length, and its scalar fields repeat.

    Returns
    -------
    columns : dict of str to list
    where : list of str
        A locator per row for error messages: the file and line (or row) it came from.

    Examples
    --------
    >>> columns, where = read_columns({"question": [1, 1], "score": [0.5, 0.7]})
    >>> columns["score"], where
    ([0.5, 0.7], ['table row 1', 'table row 2'])
    """
    if isinstance(table, dict):
        lengths = {k: len(v) for k, v in table.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"table: the columns have different lengths {lengths}")
        n = next(iter(lengths.values()), 0)
        return {str(k): list(v) for k, v in table.items()}, [f"table row {r + 1}"
                                                            for r in range(n)]
    if hasattr(table, "columns") and hasattr(table, "to_dict"):
        n = len(table)
        return ({str(c): [_plain(v) for v in table[c]] for c in table.columns},
                [f"table row {r + 1}" for r in range(n)])
    if not isinstance(table, (str, os.PathLike)):
        raise ValueError(f"table must be a file path, a DataFrame or a dict of columns, "
                         f"got {table!r}")
    path = Path(table)
    fmt = table_format(path, format)
    if not path.is_file():
        raise ValueError(f"table: no file {str(path)!r}")
    name = repr(str(path))
    if fmt in ("csv", "tsv"):
        return _read_csv(path, name, "\t" if fmt == "tsv" else ",")
    if fmt == "parquet":
        return _read_parquet(path, name)
    return _read_json(path, name, fmt, nested_on)


def _read_csv(path, name, delimiter):
    try:
        return _read_csv_text(path, name, delimiter)
    except UnicodeDecodeError as err:
        raise ValueError(f"table {name}: not UTF-8 text (byte {err.start}); save it as "
                         "UTF-8") from None


def _read_csv_text(path, name, delimiter):
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"table {name} is empty (no header row)") from None
        except csv.Error as err:
            raise ValueError(f"table {name} line 1: not valid CSV ({err})") from None
        header = [h.strip() for h in header]
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise ValueError(f"table {name} line 1: column {dup[0]!r} appears twice")
        columns = {h: [] for h in header}
        where = []
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                raise ValueError(f"table {name} line {reader.line_num}: not valid CSV "
                                 f"({err})") from None
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise ValueError(f"table {name} line {reader.line_num}: {len(record)} fields, "
                                 f"the header has {len(header)}")
            for h, cell in zip(header, record):
                columns[h].append(cell)
            where.append(f"table {name} line {reader.line_num}")
    return columns, where


def _read_parquet(path, name):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        pq = None
    if pq is not None:
        try:
            data = pq.read_table(path).to_pydict()
        except Exception as err:       # noqa: BLE001  (pyarrow raises several kinds)
            raise ValueError(f"table {name}: not a readable Parquet file ({err})") from None
    else:
        try:
            import pandas
            frame = pandas.read_parquet(path)
        except ImportError:
            raise ValueError(f"table {name}: reading Parquet needs pyarrow (python3 -m pip "
                             "install pyarrow); or save the table as CSV or JSON lines") from None
        except Exception as err:       # noqa: BLE001
            raise ValueError(f"table {name}: not a readable Parquet file ({err})") from None
        data = {str(c): frame[c].tolist() for c in frame.columns}
    n = len(next(iter(data.values()), []))
    columns = {str(k): [_plain(v) for v in vals] for k, vals in data.items()}
    return columns, [f"table {name} row {r + 1}" for r in range(n)]


def _plain(v):
    """NumPy arrays inside cells (pandas' list columns) as Python lists."""
    return v.tolist() if hasattr(v, "tolist") and not isinstance(v, (str, bytes)) else v


def _read_json(path, name, fmt, nested_on):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"table {name}: not UTF-8 text (byte {err.start}); save it as "
                         "UTF-8") from None
    records = []               # (line number, object)
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"table {name} line {err.lineno} column {err.colno}: not valid "
                             f"JSON ({err.msg})") from None
        if not isinstance(data, list):
            raise ValueError(f"table {name}: expected a JSON array of objects, got "
                             f"{type(data).__name__}")
        records = [(f"item {i + 1}", rec) for i, rec in enumerate(data)]
    else:
        for number, line in enumerate(text.split("\n"), start=1):   # not splitlines: U+2028
            line = line.rstrip("\r")                                # may sit inside a string
            if not line.strip():
                continue
            try:
                records.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as err:
                raise ValueError(f"table {name} line {number} column {err.colno}: not valid "
                                 f"JSON ({err.msg})") from None
    rows, where = [], []
    for at, record in records:
        if not isinstance(record, dict):
            raise ValueError(f"table {name} {at}: expected a JSON object (a sample, or a "
                             f"question with lists), got {type(record).__name__}")
        if nested_on is not None and isinstance(record.get(nested_on), list):
            lists = {k: v for k, v in record.items() if isinstance(v, list)}
            size = len(record[nested_on])
            for k, v in lists.items():
                if len(v) != size:
                    raise ValueError(f"table {name} {at}, field {k!r}: {len(v)} entries, "
                                     f"field {nested_on!r} has {size}")
            for i in range(size):
                rows.append({k: (v[i] if k in lists else v) for k, v in record.items()})
                where.append(f"table {name} {at}, sample {i + 1}")
        else:
            rows.append(record)
            where.append(f"table {name} {at}")
    keys = list(dict.fromkeys(k for rec in rows for k in rec))
    return {k: [rec.get(k) for rec in rows] for k in keys}, where
