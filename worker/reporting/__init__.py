"""Reports people look at: the matrix, migration, calibration, as page and text.

Every report is one ``ReportModel`` built from saved snapshots; the HTML page,
the terminal text and the JSON are renderings of it, so their numbers agree.
"""

from worker.reporting._build import LoadedSnapshot, ReportLimits, build_report
from worker.reporting._command import report_command
from worker.reporting._html import render_html
from worker.reporting._migration import flow_meaning
from worker.reporting._model import FlowMeaning, ReportModel, SegmentMark
from worker.reporting._select import Selection, select_snapshots
from worker.reporting._text import print_report
from worker.reporting._words import Words, words_for

__all__ = [
    "FlowMeaning",
    "LoadedSnapshot",
    "ReportLimits",
    "ReportModel",
    "SegmentMark",
    "Selection",
    "Words",
    "build_report",
    "flow_meaning",
    "print_report",
    "render_html",
    "report_command",
    "select_snapshots",
    "words_for",
]
