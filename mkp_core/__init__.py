"""Pure scoring logic of the Customer Potential Matrix: frames in, frames out.

No network, no Celery, no CRM field names: connectors translate to and from
the neutral frames of ``mkp_core.frames``.
"""

from mkp_core.calibration import (
    Calibration,
    CalibrationVerdict,
    calibrate,
    calibrate_scores,
)
from mkp_core.diff import changed_records
from mkp_core.digest import OpportunityDigest
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
from mkp_core.inputs import (
    CleanInputs,
    CleanLeads,
    IssueReason,
    clean_inputs,
    clean_leads,
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
from mkp_core.portfolio import NEW_ROW, migration, portfolio_summary
from mkp_core.potential import PORTFOLIO_GROUP, SizeModel
from mkp_core.progress import PotentialCutoffs, potential_cutoffs
from mkp_core.scoring import Scoring, score_digest, score_portfolio
from mkp_core.texts import segment_names, segment_texts

__all__ = [
    "ACCOUNT_SCHEMA",
    "CRM_STATE_SCHEMA",
    "ISSUE_SCHEMA",
    "LEAD_SCHEMA",
    "NEW_ROW",
    "OPPORTUNITY_SCHEMA",
    "OUTPUT_FIELDS",
    "PORTFOLIO_GROUP",
    "RATE_SCHEMA",
    "SCORE_SCHEMA",
    "Calibration",
    "CalibrationVerdict",
    "CleanInputs",
    "CleanLeads",
    "FirmographicPolicy",
    "IssueReason",
    "LevelCutoffs",
    "Locale",
    "OpportunityDigest",
    "Policy",
    "PolicyError",
    "PotentialCutoffs",
    "PotentialLevel",
    "PotentialMethod",
    "ProgressLevel",
    "RecordKind",
    "Scoring",
    "SegmentText",
    "SignalPolicy",
    "SizeModel",
    "calibrate",
    "calibrate_scores",
    "changed_records",
    "clean_inputs",
    "clean_leads",
    "crm_column",
    "empty_frame",
    "migration",
    "portfolio_summary",
    "potential_cutoffs",
    "score_digest",
    "score_portfolio",
    "segment_names",
    "segment_texts",
]
