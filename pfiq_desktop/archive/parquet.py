"""The store's flat columns as one Parquet file, for pandas or DuckDB; the analysis JSON stays in SQLite.

Written in row groups straight from an SQLite cursor, so an archive of millions
of photos never sits in memory, and atomically: a reader never sees half a file.
"""

from __future__ import annotations

from pathlib import Path

from pfiq_desktop.archive.columns import column_type
from pfiq_desktop.archive.store import KEY_COLUMNS, RECORD_COLUMNS, ResultStore
from pfiq_desktop.atomic import atomic_file

_ROWS_PER_GROUP = 50_000


def export_parquet(store: ResultStore, config_hash: str, target: str | Path) -> int:
    """Write every result of one configuration (all columns but the JSON) to `target`; the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [name for name in store.result_columns() if name != "analysis_json"]
    types = {"TEXT": pa.string(), "INTEGER": pa.int64(), "REAL": pa.float64()}
    known = dict.fromkeys(KEY_COLUMNS, "TEXT") | RECORD_COLUMNS
    schema = pa.schema([(name, types[known.get(name) or column_type(name)]) for name in columns])
    written = 0
    with atomic_file(target) as temp, pq.ParquetWriter(str(temp), schema) as writer:
        for rows in store.rows(columns, config_hash, batch=_ROWS_PER_GROUP):
            table = pa.Table.from_pylist([dict(zip(columns, row)) for row in rows], schema=schema)
            writer.write_table(table)
            written += len(rows)
        if not written:
            writer.write_table(schema.empty_table())
    return written
