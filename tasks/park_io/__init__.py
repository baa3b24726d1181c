"""Reading the park's directory and inventory files (CSV or YAML) into validated records, every error at once.

    rows        from a file to rows: reading, CSV and YAML records with their line numbers, validating a row
    cells       CSV cells that would run as spreadsheet formulas: refused on import, escaped with ' on export
    export      the directory and inventory documents for `export`, the same bytes each run (README order)
    directory   parse_directory: units and their liaisons (DIRECTORY_CSV_COLUMNS for CSV)
    inventory   parse_inventory: resource types, depots and stock (STOCK_CSV_COLUMNS for CSV)

Pure: no database, no Prefect. What the database already holds comes in as plain sets and maps, so a
file is checked whole — shape, values, references, duplicates — before anything is written; a refusal
(models.errors.ImportRejected) lists every bad row as `file:line: field: message`.
"""

from tasks.park_io.directory import (
    DIRECTORY_CSV_COLUMNS,
    LIAISON_COLUMNS,
    UNIT_COLUMNS,
    DirectoryData,
    parse_directory,
)
from tasks.park_io.inventory import STOCK_CSV_COLUMNS, InventoryData, parse_inventory

__all__ = [
    "DIRECTORY_CSV_COLUMNS", "LIAISON_COLUMNS", "STOCK_CSV_COLUMNS", "UNIT_COLUMNS", "DirectoryData", "InventoryData",
    "parse_directory", "parse_inventory",
]
