"""Settings of one emulated Salesforce org."""

from __future__ import annotations

import dataclasses
from pathlib import Path

__all__ = ["DEFAULT_METADATA_DIR", "EmulatorConfig"]

# The Salesforce DX source the product deploys; the emulator learns the custom
# fields and the integration user's permissions from these same files.
DEFAULT_METADATA_DIR = (
    Path(__file__).resolve().parents[2]
    / "deploy"
    / "salesforce"
    / "force-app"
    / "main"
    / "default"
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmulatorConfig:
    """How the emulated org behaves.

    ``port`` 0 picks a free port. ``db_path`` None keeps the data in memory.
    ``omit_fields`` names custom fields (``"Account.MKP_Segment__c"``) to leave
    out of the org, to show how the product reacts to a missing field.
    ``max_open_cursors`` is Salesforce's cap on open query cursors per user;
    the oldest cursor is dropped beyond it.
    """

    port: int = 0
    host: str = "127.0.0.1"
    daily_api_limit: int = 1_000_000
    multi_currency: bool = False
    corporate_currency: str = "USD"
    session_seconds: int = 7200
    default_batch_size: int = 2000
    db_path: Path | None = None
    omit_fields: tuple[str, ...] = ()
    metadata_dir: Path = DEFAULT_METADATA_DIR
    max_open_cursors: int = 10
    cursor_seconds: int = 900

    def __post_init__(self) -> None:
        if not 200 <= self.default_batch_size <= 2000:
            raise ValueError("default_batch_size must be within 200..2000")
        if self.daily_api_limit < 0:
            raise ValueError("daily_api_limit must not be negative")
        object.__setattr__(self, "omit_fields", tuple(self.omit_fields))
