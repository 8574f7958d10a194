"""The one exception the domain raises for input that is not a usable issue."""


class IssueFormatError(ValueError):
    """Input is not a newsletter issue; the message says what is missing, in a few words."""
