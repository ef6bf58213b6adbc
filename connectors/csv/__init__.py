"""CSV exports as a CRM: read the portfolio from files, write scores to a file.

``CsvConnector.from_profile(Path("profile.toml"))`` is the usual entry point;
``connectors.csv.profile`` documents the profile format.
"""

from connectors.csv._tables import CsvTable
from connectors.csv.connector import CsvConnector
from connectors.csv.profile import CsvFiles, CsvProfile, CsvShape, StageMap

__all__ = [
    "CsvConnector",
    "CsvFiles",
    "CsvProfile",
    "CsvShape",
    "CsvTable",
    "StageMap",
]
