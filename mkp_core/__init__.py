"""Pure scoring logic of the Customer Potential Matrix: frames in, frames out.

No network, no Celery, no CRM field names: connectors translate to and from
the neutral frames of ``mkp_core.frames``.
"""

from mkp_core.frames import (
    ACCOUNT_SCHEMA,
    CRM_STATE_SCHEMA,
    ISSUE_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    OUTPUT_FIELDS,
    RATE_SCHEMA,
    SCORE_SCHEMA,
    PotentialLevel,
    PotentialMethod,
    ProgressLevel,
    RecordKind,
    crm_column,
    empty_frame,
)
from mkp_core.policy import (
    FirmographicPolicy,
    LevelCutoffs,
    Locale,
    Policy,
    PolicyError,
    SegmentText,
    SignalPolicy,
)

__all__ = [
    "ACCOUNT_SCHEMA",
    "CRM_STATE_SCHEMA",
    "ISSUE_SCHEMA",
    "LEAD_SCHEMA",
    "OPPORTUNITY_SCHEMA",
    "OUTPUT_FIELDS",
    "RATE_SCHEMA",
    "SCORE_SCHEMA",
    "FirmographicPolicy",
    "LevelCutoffs",
    "Locale",
    "Policy",
    "PolicyError",
    "PotentialLevel",
    "PotentialMethod",
    "ProgressLevel",
    "RecordKind",
    "SegmentText",
    "SignalPolicy",
    "crm_column",
    "empty_frame",
]
