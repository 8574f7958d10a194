"""Recognise text that belongs to the web page or its readers, not to the issue."""

from __future__ import annotations

import re

from .blocks import Block, Kind
from .dates import date_in

# Whole lines a publishing platform puts around an article (buttons, counters, prompts).
_PLATFORM_LINE = re.compile(
    r"^(?:recommended by \w+|report this (?:article|post|comment)|like|likes|comment|comments|"
    r"share|repost|send|reply|replies|follow|following|sign in|sign up|join now|log in|"
    r"see more|show more|see more comments|load more comments|edit article|open immersive reader|"
    r"to view or add a comment,? sign in|sign in to view more content|more articles by .{1,60}|"
    r"others also viewed|explore topics|insights from the community|view my newsletter|"
    r"published by .{1,60}|\d[\d,.]*k? (?:comments?|reactions?|likes?|reposts?|followers?|"
    r"subscribers?)|celebrate|support|love|insightful|funny|curious|like reply(?: \d+ reactions?)?|"
    r"\d+ reactions?|edited|see all comments|skip to main content|back to top|menu|home)$",
    re.IGNORECASE,
)
_SUBSCRIBE = re.compile(r"\b(?:subscribe|sign up|signup)\b", re.IGNORECASE)
_SUBSCRIBE_CONTEXT = re.compile(
    r"\b(?:newsletter|inbox|mailed|e-?mail|stay ahead|don.t miss|updates|free)\b", re.IGNORECASE
)
_CLICK_HINT = re.compile(r"\bclick\b.{0,40}\blinks?\b", re.IGNORECASE)
# The editor's sign-off asking readers for news they missed closes the list of items.
_CLOSING = re.compile(
    r"\b(?:if you (?:know|have|heard|spotted|came across|saw)|did i miss|anything i missed)\b"
    r".{0,200}\b(?:let me know|tell me|drop me|send me|reach out|contact me|comment below)\b",
    re.IGNORECASE,
)
# LinkedIn comment headers begin with the comment's age glued to its text: "11moGreat post".
_COMMENT_AGE = re.compile(r"^\d{1,2}(?:mo|yr|[ywdhm])(?:\s|[A-Za-z]|$)")
_JOB_WORDS = re.compile(
    r"\b(?:manager|director|founder|co-founder|ceo|cto|cfo|coo|engineer|consultant|advisor|"
    r"adviser|author|professor|student|phd|analyst|expert|head of|president|partner|investor|"
    r"specialist|university|researcher|developer|officer|owner|entrepreneur|coach|speaker|"
    r"master of|bachelor|lecturer|strategist|executive|vp)\b",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"(?:^|\s)#[A-Za-z]\w+")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE)
_PRAISE = re.compile(
    r"\b(?:great (?:article|post|content|read|insights?)|thanks? (?:you )?for sharing|"
    r"insightful|inspiring|well written|keep it up)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…]['\"”’)]*$")


_BUTTON_SEPARATOR = re.compile(r"\s*[·•|]\s*")


def is_page_noise(text: str) -> bool:
    """Platform buttons, subscribe boilerplate and the 'click the links' hint."""
    stripped = text.strip(" ·•|-–—()[]*")
    if len(stripped) <= 80 and all(
        _PLATFORM_LINE.match(segment) for segment in _BUTTON_SEPARATOR.split(stripped)
    ):
        return True
    if len(text) <= 400 and _SUBSCRIBE.search(text) and _SUBSCRIBE_CONTEXT.search(text):
        return True
    return len(text) <= 200 and text.lstrip().startswith("(") and bool(_CLICK_HINT.search(text))


# Lines newsletters put around their content rather than in it: an advertisement label, a
# "discuss on" link, the call for next issue's submissions, the credits, "nothing this week".
_AD_MARK = re.compile(
    r"(?:[(（\[【]\s*(?:ad|advert|advertisement|sponsor|sponsored|广告|推广|赞助)\s*[)）\]】]\s*$)|"
    r"(?:^[(（\[【]?\s*(?:ad|sponsor|sponsored|advertisement|广告|推广)\s*[)）\]】:：])",
    re.IGNORECASE,
)
_ADVERTISE = re.compile(r"\badvertise (?:with us|here)\b", re.IGNORECASE)
_DISCUSS = re.compile(r"^(?:discuss|comment on|join the discussion)\b.{0,50}$", re.IGNORECASE)
_NEXT_ISSUE_CALL = re.compile(
    r"\bsubmit\b.{0,60}\bnext (?:week|issue|month)\b|欢迎投稿|欢迎推荐", re.IGNORECASE
)
_CREDITS = re.compile(
    r"^(?:this (?:newsletter|issue|digest|(?:week|month) in \w+)|e-?mail (?:list )?hosting)\b"
    r".{0,40}\b(?:edited|curated|compiled|sponsored|hosted|written) by\b",
    re.IGNORECASE,
)
_NOTHING_THIS_WEEK = re.compile(
    r"^(?:there (?:were|was|are|is) )?no\b.{0,100}\bthis (?:week|month|issue)[.!]?$", re.IGNORECASE
)
# Sections that are page furniture, matched against the whole heading.
_NOISE_SECTION = re.compile(
    r"(?:this (?:day|week|month) in history|from the archives?|previous(?:ly| issues?)|"
    r"past issues|cover(?: image| photo| picture)?|subscribe|subscription|sponsors?|"
    r"sponsored|advertisement|ads|comments?|share this(?: issue)?|table of contents|contents|"
    r"往年回顾|往期回顾|历史上的今天|往期推荐|相关阅读|封面图?|订阅|广告|赞助商?|评论|目录)"
    r"\s*[:：]?",
    re.IGNORECASE,
)


_DATELINE = re.compile(
    r"^(?:published|posted|updated|last updated|发布于|发表于|更新于)(?: on)?\b", re.IGNORECASE
)


def is_boilerplate(text: str) -> bool:
    """Advertisements, discussion links, calls for submissions, credits, empty sections,
    the page's 'Published on …' line."""
    plain = text[2:] if text.startswith("- ") else text
    if len(plain) <= 120 and _DATELINE.match(plain) and date_in(plain):
        return True
    if len(plain) <= 400 and (_AD_MARK.search(plain) or _ADVERTISE.search(plain)):
        return True
    if len(plain) <= 80 and _DISCUSS.match(plain):
        return True
    if len(plain) <= 200 and _NEXT_ISSUE_CALL.search(plain):
        return True
    if len(plain) <= 600 and _CREDITS.match(plain):
        return True
    return len(plain) <= 160 and bool(_NOTHING_THIS_WEEK.match(plain))


def is_noise_section(heading: str) -> bool:
    return bool(_NOISE_SECTION.fullmatch(heading.strip().strip("#*_ ").strip()))


def drop_noise(blocks: list[Block]) -> list[Block]:
    """The blocks without page furniture: noise lines, noise sections (heading and all that
    is under it), and advertisements with the lines nested under them."""
    kept: list[Block] = []
    skip_level: int | None = None  # inside a noise section of this heading level
    skip_nested = False  # inside the nested lines of a dropped list entry
    for block in blocks:
        if block.kind is Kind.HEADING:
            skip_nested = False
            if skip_level is not None and block.level > skip_level:
                continue
            skip_level = None
            if is_noise_section(block.text):
                skip_level = block.level
                continue
        elif skip_level is not None:
            continue
        if skip_nested and block.depth > 0:
            continue
        skip_nested = False
        if is_page_noise(block.text):
            continue
        if is_boilerplate(block.text):
            skip_nested = block.depth == 0
            continue
        kept.append(block)
    return kept


def is_closing_line(text: str) -> bool:
    return len(text) <= 400 and bool(_CLOSING.search(text))


def is_byline(text: str) -> bool:
    """A commenter's name or job title line: short, unpunctuated, job words or separators."""
    if len(text) > 220 or _TERMINAL.search(text):
        return False
    return " | " in text or "@" in text or bool(_JOB_WORDS.search(text))


def is_social_chatter(text: str) -> bool:
    """A reader's comment: at least two of hashtags, emoji, 'you/your', praise."""
    signals = (
        bool(_HASHTAG.search(text)),
        bool(_EMOJI.search(text)),
        bool(_SECOND_PERSON.search(text)),
        bool(_PRAISE.search(text)),
    )
    return sum(signals) >= 2


def comment_block_start(blocks: list[Block], after: int) -> int | None:
    """Index where the reader comments begin, or None.

    Comments are recognised by their age stamps ("11mo", "2w"); one stamp alone counts
    only when a byline sits right above it. From the first stamp we walk back over the
    commenter's byline and any preceding comment text that reads as social chatter.
    """
    stamps = [
        i
        for i in range(after, len(blocks))
        if blocks[i].kind is Kind.PARAGRAPH and _COMMENT_AGE.match(blocks[i].text)
    ]
    if not stamps:
        return None
    first = stamps[0]
    if len(stamps) < 2 and not (first > after and is_byline(blocks[first - 1].text)):
        return None
    start = first
    while start - 1 > after and blocks[start - 1].kind is Kind.PARAGRAPH:
        previous = blocks[start - 1].text
        if not (is_byline(previous) or is_social_chatter(previous)):
            break
        start -= 1
    return start
