"""The newsletter domain: parse an issue, summarise its items, render Discord-sized parts.

Free of Discord and SQL on purpose, so all of it is plain functions over strings.
"""

from .document import Extra, IssueDocument, Item, Section
from .errors import IssueFormatError
from .parse import parse_issue
from .summarize import split_sentences, summarize

__all__ = [
    "Extra",
    "IssueDocument",
    "IssueFormatError",
    "Item",
    "Section",
    "parse_issue",
    "split_sentences",
    "summarize",
]
