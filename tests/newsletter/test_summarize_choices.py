"""Which sentences a summary picks, beyond the length and sentence properties."""

from newsletter.summarize import summarize

ROUNDUP = "\n\n".join(
    [
        "Alpha Robotics raised 200 million yuan for warehouse arms. A state fund led it.",
        "- SECOND: Beta Foods opened ten stores. Beta now sells frozen dumplings in Europe.",
        "Gamma Space launched a reusable rocket stage from Jiuquan. It landed on a barge.",
        "Delta Bank cut its mortgage rate by 20 basis points. Borrowers welcomed the move.",
        "Epsilon Chips taped out a 7 nm design for cars. Production starts next year.",
        "Zeta Airlines ordered forty C919 jets. Deliveries begin in 2026.",
    ]
)


def test_roundup_summary_uses_paragraph_openers_only() -> None:
    summary, _ = summarize(ROUNDUP)
    # "Beta now sells…" opens no paragraph: out of context it would mislead.
    assert "Beta now sells" not in summary
    assert summary.count(".") >= 2


def test_essay_summary_is_its_opening() -> None:
    summary, _ = summarize(ROUNDUP, essay=True)
    assert summary.startswith("Alpha Robotics raised 200 million yuan")
