"""Archive audit at scale: the engine's analysis of millions of stored photos on a Dask cluster.

The pieces, one job each:

- `sources`  which photos an audit covers (folders, photos, text files listing photos)
- `config`   the engine configuration hash that, with a photo's content hash, keys every result
- `columns`  the flat columns stored beside each analysis's JSON
- `store`    the one SQLite result store on the client (resume, idempotent writes, reports)
- `parquet`  the flat columns as a Parquet file for pandas or DuckDB
- `chunk`    what a worker does with a chunk of photos (Dask-free, so it is testable alone)
- `worker`   the Dask worker plugin that loads the engine once per worker, and the task
- `cluster`  a LocalCluster or a connection to a running scheduler
- `runner`   submits chunks, streams results back with `as_completed`, writes them to the store

Only `worker`, `cluster` and `runner` import Dask (the optional `cluster` extra);
the desktop application, the engine and the review store never import this package.
"""
