"""Reader tips as plain strings: cleaning, checking, duplicate keys, prefill and export."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.tips import (
    HEADLINE_MAX,
    HEADLINE_MIN,
    HEADLINE_THRESHOLD,
    LINK_MAX,
    WHY_MAX,
    TipDraft,
    TipInputError,
    canonical_link,
    check_link,
    check_tip,
    clean_line,
    clean_text,
    headline_similarity,
    month_after,
    neutralize_csv_cell,
    prefill_from_message,
    same_headline,
)
from tests.newsletter.tip_pairs import DIFFERENT, SAME

HEADLINE = "China launches Chang'e-6 lunar probe"
LINK = "https://news.example.com/2024/05/change-6"


def problems_of(headline: str, link: str | None = None, why: str | None = None) -> list[str]:
    with pytest.raises(TipInputError) as caught:
        check_tip(headline, link, why)
    return caught.value.problems


def link_problem(link: str) -> str:
    with pytest.raises(TipInputError) as caught:
        check_link(link)
    [problem] = caught.value.problems
    return problem


# Cleaning


def test_clean_line_composes_to_nfc() -> None:
    assert clean_line("Cafe\u0301 in Chengdu") == "Café in Chengdu"
    assert len(clean_line("e\u0301")) == 1


def test_clean_line_strips_zero_width_characters() -> None:
    text = "Hua\u200bwei\u200c \u200dMate\u2060 60\ufeff Pro\u00ad"
    assert clean_line(text) == "Huawei Mate 60 Pro"


def test_clean_line_strips_bidi_overrides_and_isolates() -> None:
    text = "\u202eevil\u202c \u2066good\u2069 \u200eleft\u200f \u061cright\u202a\u202b\u202d"
    assert clean_line(text) == "evil good left right"


def test_clean_line_strips_control_characters() -> None:
    assert clean_line("Bei\x00jing\x07 floods\x1b[31m") == "Beijing floods[31m"


def test_clean_line_collapses_every_whitespace_run_to_one_space() -> None:
    text = "  China\n\n exports\t\tfall\u00a0\u00a0in\u3000October\u2003\u2028again \r\n"
    assert clean_line(text) == "China exports fall in October again"


def test_clean_text_keeps_paragraphs_with_one_blank_line_between() -> None:
    text = "\n\n First  paragraph,\r\n  its second line. \n\n\n \u200b \nSecond\u00a0paragraph.\n"
    assert clean_text(text) == "First paragraph,\nits second line.\n\nSecond paragraph."


# Headline


def test_a_good_tip_comes_back_cleaned() -> None:
    draft = check_tip(f"  {HEADLINE}\u200b ", f" {LINK} ", " Big  news.\n\n\n\nFor the moon. ")
    assert draft == TipDraft(headline=HEADLINE, link=LINK, why="Big news.\n\nFor the moon.")


def test_empty_link_and_why_become_none() -> None:
    assert check_tip(HEADLINE, "", "") == TipDraft(HEADLINE, None, None)
    assert check_tip(HEADLINE, None, None) == TipDraft(HEADLINE, None, None)
    assert check_tip(HEADLINE, " \u200b ", "\n\u00a0\n") == TipDraft(HEADLINE, None, None)


def test_headline_lengths_at_the_limits_are_accepted() -> None:
    assert check_tip("x" * HEADLINE_MIN, None, None).headline == "x" * HEADLINE_MIN
    assert check_tip("x" * HEADLINE_MAX, None, None).headline == "x" * HEADLINE_MAX


def test_too_short_headline_says_how_short() -> None:
    assert problems_of("Moon") == ["The headline is too short: 4 characters, at least 10."]


def test_headline_length_is_counted_after_cleaning() -> None:
    assert problems_of("  Moon \u200b\u200b\u200b\u200b\u200b\u200b  ") == [
        "The headline is too short: 4 characters, at least 10."
    ]


def test_too_long_headline_says_how_long() -> None:
    assert problems_of("x" * 151) == ["The headline is too long: 151 characters, at most 150."]


def test_ten_thousand_character_headline_is_refused() -> None:
    assert problems_of("China " * 1666 + "news") == [
        "The headline is too long: 10000 characters, at most 150."
    ]


def test_empty_headline_is_required() -> None:
    assert problems_of("") == ["Give a headline."]
    assert problems_of(" \n\t\u200b\u202e ") == ["Give a headline."]


def test_binary_looking_headline_is_refused() -> None:
    noise = random.Random(7).randbytes(120)
    for text in (noise.decode("utf-8", "replace"), noise.decode("latin-1"), "abc\x00def" * 3):
        assert problems_of(text) == ["The headline looks like binary data, not text."]


def test_headline_with_a_lost_character_asks_to_retype_it() -> None:
    [problem] = problems_of("China\ufffds economy grows 5.2%")
    assert "\ufffd" in problem and "retype" in problem


def test_headline_of_only_punctuation_is_refused() -> None:
    assert problems_of("!!! ??? ... --- ***") == [
        "The headline needs words, not only punctuation or symbols."
    ]


def test_why_longer_than_its_maximum_is_refused() -> None:
    [problem] = problems_of(HEADLINE, None, "word " * 300)
    assert problem == f"The “why it matters” text is too long: 1499 characters, at most {WHY_MAX}."


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(TipInputError) as caught:
        check_tip("Moon", "javascript:alert(1)", "x" * (WHY_MAX + 1))
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("The headline is too short")
    assert "http:// or https://" in problems[1]
    assert "too long" in problems[2]
    assert str(caught.value) == " ".join(problems)


# Hostile text is kept as plain text: escaping it is the Discord layer's job.


@pytest.mark.parametrize(
    "headline",
    [
        "@everyone China launches Chang'e-6",
        "[click](http://evil.example) for the real story",
        "<@123> **bold** `code` ||spoiler|| <script>alert(1)</script>",
        '=HYPERLINK("http://evil.example") China news',
    ],
)
def test_markup_in_a_headline_survives_as_plain_text(headline: str) -> None:
    assert check_tip(headline, None, None).headline == headline


# Links


@pytest.mark.parametrize(
    ("link", "named"),
    [
        ("javascript:alert(1)", "javascript:"),
        ("JAVASCRIPT:alert(document.cookie)", "javascript:"),
        ("data:text/html,<script>alert(1)</script>", "data:"),
        ("   javascript:alert(1)", "javascript:"),
        ("\u200b\u200b javascript:alert(1)", "javascript:"),
        ("\u202ejavascript:alert(1)", "javascript:"),
        ("ftp://files.example.com/report.pdf", "ftp:"),
        ("mailto:editor@example.com", "mailto:"),
    ],
)
def test_link_with_another_scheme_is_refused_by_name(link: str, named: str) -> None:
    problem = link_problem(link)
    assert "must start with http:// or https://" in problem
    assert named in problem


def test_link_without_a_scheme_is_refused() -> None:
    assert link_problem("news.example.com/a") == "The link must start with http:// or https://."


def test_link_with_user_and_password_is_refused() -> None:
    problem = "The link must not contain a user name or password."
    assert link_problem("http://user:pass@host.example.com/") == problem
    assert link_problem("https://good.example.com\\@evil.example.com/") == problem


def test_two_links_are_refused() -> None:
    assert link_problem("https://a.example.com/1 https://b.example.com/2") == "Give one link only."


def test_link_longer_than_its_maximum_is_refused() -> None:
    link = "https://example.com/" + "a" * (LINK_MAX + 1 - len("https://example.com/"))
    assert len(link) == 2049
    assert link_problem(link) == "The link is too long: 2049 characters, at most 2048."


def test_link_at_its_maximum_is_accepted() -> None:
    link = "https://example.com/" + "a" * (LINK_MAX - len("https://example.com/"))
    assert check_link(link) == link


def test_link_without_a_host_is_refused() -> None:
    assert "host name" in link_problem("http://")
    assert "host name" in link_problem("https:///news")


def test_link_with_a_space_in_the_host_is_refused() -> None:
    assert link_problem("https://exa mple.com") == "The link must not contain spaces."


@pytest.mark.parametrize(
    "link",
    ["http://localhost/", "http://-bad-.example.com/", "http://1.2.3/", "http://a..example.com/"],
)
def test_link_host_must_look_like_a_host_name(link: str) -> None:
    assert "host name is not valid" in link_problem(link)


def test_link_with_broken_brackets_is_refused_not_crashed() -> None:
    assert link_problem("http://[::1") == "The link is not a valid web address."


def test_link_with_an_impossible_port_is_refused() -> None:
    assert link_problem("https://example.com:99999/") == "The link has an invalid port number."


@pytest.mark.parametrize(
    "link",
    [
        "https://news.example.com/2024/05/story.html?id=5#top",
        "http://www.news.cn/world/2023-12/01/c_1130000.htm",
        "https://中国.cn/新闻",
        "http://192.0.2.1/report",
        "https://[2001:db8::1]:8443/x",
    ],
)
def test_ordinary_web_links_are_accepted_unchanged(link: str) -> None:
    assert check_link(link) == link


def test_link_is_returned_cleaned() -> None:
    assert check_link(" \u200bhttps://example.com/a\u202e ") == "https://example.com/a"
    assert check_link("<https://example.com/a>") == "https://example.com/a"


@pytest.mark.parametrize(
    "link",
    [
        "http://[",
        "http://]",
        "http://%",
        "http://@",
        "http://:80",
        "//example.com",
        "http:\\\\example.com",
        "http://\ud800.example.com",
        "http://xn--.example.com",
        "http://" + "a" * 64 + ".example.com",
        "http://ｅｘａｍｐｌｅ。com／＠evil",
        "https://" + "a" * 1_000_000,
        "\x00" * 1000,
        bytes(range(256)).decode("latin-1"),
    ],
)
def test_strange_links_are_refused_or_accepted_never_crash(link: str) -> None:
    try:
        assert len(check_link(link)) <= LINK_MAX
    except TipInputError as exc:
        assert exc.problems


URL_LIKE = st.one_of(
    st.text(),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from(["http://", "https://", "[", "]", ":", "@", "/", "%", "a", ".", "?"])
            | st.text(max_size=3),
            max_size=12,
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(URL_LIKE)
def test_any_text_as_a_link_gives_a_link_or_a_tip_input_error(text: str) -> None:
    with contextlib.suppress(TipInputError):
        check_link(text)
    canonical_link(text)


# Canonical links


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTPS://News.Example.COM/a", "https://news.example.com/a"),
        ("https://www.example.com/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/?b=2&a=1", "https://example.com/?a=1&b=2"),
        ("http://example.com/a", "https://example.com/a"),
        ("https://example.com/%7euser/caf%c3%a9", "https://example.com/~user/café"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ],
    ids=[
        "case",
        "www",
        "port 80",
        "port 443",
        "fragment",
        "trailing slash",
        "parameter order",
        "http and https",
        "percent-encoding",
        "dot segments",
    ],
)
def test_canonical_link_ignores(a: str, b: str) -> None:
    assert canonical_link(a) == canonical_link(b)


@pytest.mark.parametrize(
    "parameter",
    [
        "utm_source=newsletter",
        "utm_medium=email",
        "utm_campaign=dec",
        "utm_term=china",
        "utm_content=top",
        "utm_anything_new=1",
        "UTM_Source=x",
        "fbclid=IwAR0abc",
        "gclid=Cj0KCQ",
        "dclid=1",
        "msclkid=2",
        "mc_cid=3",
        "mc_eid=4",
        "igshid=5",
        "yclid=6",
        "_ga=2.1.2.3",
        "ref_src=twsrc",
        "spm=a2c4g.11186623",
    ],
)
def test_canonical_link_drops_tracking_parameter(parameter: str) -> None:
    assert canonical_link(f"https://example.com/a?id=5&{parameter}") == "https://example.com/a?id=5"


def test_canonical_link_root_slash_becomes_empty() -> None:
    assert canonical_link("https://example.com/") == "https://example.com"


def test_canonical_link_keeps_other_parameters_and_they_distinguish_links() -> None:
    assert canonical_link("https://example.com/story?id=5") == "https://example.com/story?id=5"
    assert canonical_link("https://example.com/story?id=5") != canonical_link(
        "https://example.com/story?id=6"
    )
    assert canonical_link("https://example.com/story?id=5") != canonical_link(
        "https://example.com/story"
    )


def test_canonical_link_keeps_path_case_and_other_ports() -> None:
    assert canonical_link("https://example.com/News") != canonical_link("https://example.com/news")
    assert canonical_link("https://example.com:8443/a") == "https://example.com:8443/a"


def test_canonical_link_applies_every_rule_together() -> None:
    link = "HTTP://WWW.Example.com:80/News/?utm_source=x&b=2&fbclid=y&a=1#top"
    assert canonical_link(link) == "https://example.com/News?a=1&b=2"


# Near-identical headlines


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_story_reworded_is_the_same_headline(a: str, b: str) -> None:
    assert same_headline(a, b), headline_similarity(a, b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_stories_on_one_topic_are_different_headlines(a: str, b: str) -> None:
    assert not same_headline(a, b), headline_similarity(a, b)


def test_threshold_sits_between_the_labelled_sets_with_a_margin() -> None:
    lowest_same = min(headline_similarity(a, b) for a, b in SAME)
    highest_different = max(headline_similarity(a, b) for a, b in DIFFERENT)
    print(f"lowest SAME {lowest_same:.1f}, highest DIFFERENT {highest_different:.1f}")
    assert lowest_same - HEADLINE_THRESHOLD >= 2.0
    assert HEADLINE_THRESHOLD - highest_different >= 2.0


def test_labelled_set_has_enough_pairs_of_each_kind() -> None:
    assert len(SAME) >= 12 and len(DIFFERENT) >= 12


def test_short_headline_does_not_match_a_longer_one_containing_its_words() -> None:
    assert not same_headline("China launches rocket", "China launches rocket with Shenzhou crew")
    assert not same_headline("China economy", "China economy grows 5.2% in 2023, beating target")


def test_headlines_whose_numbers_disagree_are_different() -> None:
    assert headline_similarity("Nio Q3 deliveries rise 75%", "Nio Q3 deliveries rise 57%") == 0
    assert same_headline("China's 2023 GDP grows 5.2%", "China's GDP grows 5.2%")


def test_hyphenated_and_solid_compounds_are_the_same_word() -> None:
    assert headline_similarity("China's home-grown jet flies", "China's homegrown jet flies") == 100
    assert headline_similarity("Rare-earth curbs widen", "Rare earth curbs widen") == 100


def test_headline_similarity_is_symmetric_and_bounded() -> None:
    for a, b in SAME + DIFFERENT:
        score = headline_similarity(a, b)
        assert 0 <= score <= 100
        assert score == headline_similarity(b, a)
    assert headline_similarity(HEADLINE, HEADLINE) == 100


def test_headlines_without_words_match_nothing() -> None:
    assert headline_similarity("!!! ???", "!!! ???") == 0
    assert not same_headline("", "")


# Prefill from a chat message


def test_prefill_takes_the_first_link() -> None:
    message = "Look: https://a.example.com/one and https://b.example.com/two"
    assert prefill_from_message(message)[1] == "https://a.example.com/one"


def test_prefill_link_leaves_out_the_sentence_end_and_markdown() -> None:
    assert prefill_from_message("See https://a.example.com/x.")[1] == "https://a.example.com/x"
    assert prefill_from_message("[see](https://a.example.com/x)")[1] == "https://a.example.com/x"
    assert prefill_from_message("(https://a.example.com/x_(y))")[1] == "https://a.example.com/x_(y)"


def test_prefill_skips_what_is_not_a_web_link() -> None:
    message = "javascript:alert(1) http://user:pw@a.example.com/ https://ok.example.com/"
    assert prefill_from_message(message)[1] == "https://ok.example.com/"


def test_prefill_headline_is_the_first_sentence_without_links() -> None:
    message = f"https://a.example.com/x\n{HEADLINE} (https://b.example.com). It lands in June."
    assert prefill_from_message(message)[0] == HEADLINE + "."


def test_prefill_why_is_the_cleaned_text_with_its_links() -> None:
    message = f"  {HEADLINE}\u200b  https://a.example.com/x \n\n\n\nIt lands in June. "
    why = f"{HEADLINE} https://a.example.com/x\n\nIt lands in June."
    assert prefill_from_message(message)[2] == why


def test_prefill_removes_mentions_from_headline_and_why() -> None:
    message = f"<@123> <@!42> <@&456> <#789> @everyone @here {HEADLINE}. </tip:99> Big news."
    headline, _, why = prefill_from_message(message)
    assert headline == HEADLINE + "."
    assert why == f"{HEADLINE}. Big news."


@pytest.mark.parametrize(
    ("message", "headline"),
    [
        (f"{HEADLINE} https://a.example.com/x", HEADLINE),
        (f"<@123> {HEADLINE}.\n\nhttps://a.example.com/x", HEADLINE + "."),
        (f"https://a.example.com/x — {HEADLINE}!", HEADLINE + "!"),
        (f"https://a.example.com/x: {HEADLINE}", HEADLINE),
        (f"https://a.example.com/x - {HEADLINE}", HEADLINE),
        ("https://a.example.com/x -5°C in Harbin all week", "-5°C in Harbin all week"),
        ("https://a.example.com/x", ""),
    ],
)
def test_prefill_why_is_empty_when_the_message_is_only_a_headline_and_its_link(
    message: str, headline: str
) -> None:
    # The card would otherwise give the headline again as the reason it matters.
    assert prefill_from_message(message) == (headline, "https://a.example.com/x", "")


def test_prefill_keeps_an_email_address_that_looks_like_a_mention() -> None:
    assert prefill_from_message("Write to desk@here.com about it")[0] == (
        "Write to desk@here.com about it"
    )


def test_prefill_cuts_a_long_message_at_a_word_boundary_within_limits() -> None:
    message = " ".join(f"word{n}" for n in range(1000))
    headline, _, why = prefill_from_message(message)
    assert len(headline) <= HEADLINE_MAX and len(why) <= WHY_MAX
    for text in (headline, why):
        assert text.endswith("…")
        assert text[:-1].split()[-1] in message.split()
        assert message.startswith(text[:-1])


def test_prefill_cuts_text_without_spaces_within_limits() -> None:
    headline, _, why = prefill_from_message("中" * 5000)
    assert len(headline) == HEADLINE_MAX and len(why) == WHY_MAX


def test_prefill_of_an_empty_message_is_empty() -> None:
    assert prefill_from_message("") == ("", "", "")
    assert prefill_from_message(" \n\u200b <@123> ") == ("", "", "")


# Export and months


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cell_that_could_be_a_formula_gets_an_apostrophe(value: str) -> None:
    assert neutralize_csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "China news", "a=b", " =1", "'quoted"])
def test_ordinary_csv_cell_is_unchanged(value: str) -> None:
    assert neutralize_csv_cell(value) == value


def test_month_after_rolls_december_into_january() -> None:
    assert month_after("2023-12") == "2024-01"


def test_month_after_an_ordinary_month() -> None:
    assert month_after("2024-01") == "2024-02"
    assert month_after("2024-09") == "2024-10"


def test_month_after_refuses_what_is_not_a_month() -> None:
    with pytest.raises(ValueError):
        month_after("2023-13")
