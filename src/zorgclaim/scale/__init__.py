"""Running the engine over inputs larger than memory: partitions by member, in one process or on
a Dask cluster. The engine stays pure; this package reads and writes the partition files."""
