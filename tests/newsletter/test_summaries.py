from newsletter import split_sentences, summarize


def test_summary_prefers_facts_and_take_is_the_closing_first_person_remark() -> None:
    text = (
        "Huawei shipped 10 million phones in May. The phones use a 7 nm chip.\n\n"
        "Sales doubled in a year. I love this story. My bet is on more."
    )
    summary, take = summarize(text)
    assert summary == (
        "Huawei shipped 10 million phones in May. The phones use a 7 nm chip. "
        "Sales doubled in a year."
    )
    assert take == "I love this story. My bet is on more."


def test_first_person_in_the_first_paragraph_is_the_news_not_a_take() -> None:
    text = "I founded the company in 2019, says Li. It now has 40 staff.\n\nIt sells drones."
    assert summarize(text)[1] is None


def test_first_person_in_the_middle_of_a_paragraph_is_not_a_take() -> None:
    text = "Xiaomi sold its car.\n\nI drove it once. The car has a 101 kWh battery."
    assert summarize(text)[1] is None


def test_a_quoted_source_is_never_the_take() -> None:
    text = (
        "The plant opens in May.\n\n"
        "“I believe this is the start of something big,” said the director.\n\n"
        "Its chief engineer added that I would be surprised by the speed."
    )
    assert summarize(text)[1] is None


def test_a_quoted_paragraph_or_attributed_text_holds_no_take() -> None:
    text = "The plant opens in May.\n\nI think it will be late."
    assert summarize(text)[1] == "I think it will be late."
    assert summarize(text, quoted=frozenset({1}))[1] is None
    assert summarize(text, attributed=True)[1] is None


def test_another_items_title_is_not_a_take() -> None:
    text = "The plant opens in May.\n\nI was wrong about BYD"
    assert summarize(text)[1] == "I was wrong about BYD"
    assert summarize(text, titles=frozenset({"I was wrong about BYD"}))[1] is None


def test_chinese_first_person_closing_remark_is_a_take_but_we_is_not() -> None:
    text = "比亚迪在匈牙利建厂。工厂明年投产。\n\n这是第一家中国车企的欧洲工厂。我觉得意义很大。"
    assert summarize(text)[1] == "我觉得意义很大。"
    assert summarize(text.replace("我觉得", "我们觉得"))[1] is None


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
    assert take is None  # a text of one paragraph has nothing for a remark to close


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
