from newsletter import split_sentences, summarize


def test_summary_prefers_facts_and_take_holds_first_person() -> None:
    text = (
        "I love this story. Huawei shipped 10 million phones in May. "
        "My bet is on more.\n\nThe phones use a 7 nm chip."
    )
    summary, take = summarize(text)
    assert summary == "Huawei shipped 10 million phones in May. The phones use a 7 nm chip."
    assert take == "I love this story. My bet is on more."


def test_us_the_country_is_not_the_editor() -> None:
    summary, take = summarize("The US banned the chip. Imports fell.")
    assert summary == "The US banned the chip. Imports fell."
    assert take is None


def test_summary_respects_the_limit_with_whole_sentences() -> None:
    sentences = [f"Sentence number {n} talks about topic {n} at some length." for n in range(30)]
    summary, _ = summarize(" ".join(sentences), limit=200)
    assert len(summary) <= 200
    assert summary.startswith(sentences[0])
    assert all(s in sentences for s in split_sentences(summary))


def test_too_long_first_sentence_is_skipped_for_a_shorter_one() -> None:
    long = "Shenzhen " + "grew very fast " * 40 + "this year."
    summary, _ = summarize(f"{long} Exports rose.", limit=100)
    assert summary == "Exports rose."


def test_single_enormous_sentence_is_cut_at_a_boundary_with_ellipsis() -> None:
    text = "Chinese factories, " + "which make many things, " * 40 + "keep growing."
    summary, _ = summarize(text, limit=120)
    assert len(summary) <= 120
    assert summary.endswith("…")
    assert text.startswith(summary[:-1])
    assert not summary[:-1].endswith(",")


def test_empty_text() -> None:
    assert summarize("") == ("", None)


def test_only_opinions_still_give_a_summary() -> None:
    summary, take = summarize("I think it is great. I will buy one.")
    assert summary == "I think it is great. I will buy one."
    assert take == summary


def test_roundup_summary_picks_leads_of_distinct_paragraphs() -> None:
    paragraphs = [
        "Baidu released Ernie 5 with video input. It is faster than Ernie 4.",
        "The model costs less to run. Developers got free credits.",
        "Alibaba cut Qwen prices again. Analysts expect thinner margins.",
        "Tencent hired 300 robotics engineers in Shenzhen. They will build arms.",
        "Zhipu raised 3 billion yuan from state funds. It plans an IPO.",
        "Insta360 launched a camera for drones. Sales start in June.",
    ]
    summary, _ = summarize("\n\n".join(paragraphs), limit=250)
    leads = [p.split(". ")[0] + "." for p in paragraphs]
    used = [lead for lead in leads if lead in summary]
    assert len(used) >= 3
    assert summary.startswith(leads[0])
    # Whole sentences, in original order.
    positions = [summary.index(lead) for lead in used]
    assert positions == sorted(positions)
