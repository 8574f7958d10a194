"""The sandbox's session in this process: what each kind of line answers, the real bot
against the emulator behind it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from masthead.samples import SAMPLE_ISSUE
from masthead.sandbox import TOUR, Sandbox, open_sandbox, run_script
from masthead.settings import Settings


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with open_sandbox(Settings(), SAMPLE_ISSUE, out=io.StringIO()) as started:
        yield started


async def test_a_mistyped_line_gets_one_line_of_error_and_the_session_goes_on(
    sandbox: Sandbox,
) -> None:
    mistyped = {
        '/item number:"3': 'unclosed quote: end the value with another "',
        "/item number:abc": "number: enter a whole number from 1 to ",
        "/item number:0": "number: enter a whole number from 1 to ",
        "/setup announce channel:#nope": (
            "channel: no channel named #nope here (channels: #general, #news, #review)"
        ),
        "/setup moderators role:@Nope": "role: no role named @Nope here (roles: @everyone, @Mods)",
        "/latest public:maybe": "public: choose true or false",
        "/tips export format:xls": "format: choose one of md, csv, json",
        "/search query:" + "x" * 201: "query: enter text of at most 200 characters (this is 201)",
        "/lastest": "no command /lastest (did you mean /latest?); the bot has /feedback, /issue, ",
        "/item nubmer:3": (
            "/item has no option 'nubmer' (did you mean number?); its options: number, issue, "
        ),
        "/latest colour:red": "/latest has no option 'colour'; its options: public",
        "/setup": "/setup needs a subcommand: announce, review, moderators, ",
        "/item 3": "/item: '3' is not an option; give options as name:value, like number:1",
        "/item": "/item: number is required: enter a whole number from 1 to ",
        "frobnicate": "unknown command 'frobnicate': slash commands start with / (like /latest)",
        "click 9": "nothing to act on yet: run a command, or list a channel (news) and add on N",
        "suggest 40": "no messages listed yet: list some with news, review, #channel or dms",
        "as admin": "as: choose reader, moderator, editor",
    }
    for line, expected in mistyped.items():
        reply = await sandbox.run_line(line)
        assert reply.text == "", line
        assert reply.error is not None and reply.error.startswith(expected), (line, reply.error)
        assert "\n" not in reply.error, line

    reply = await sandbox.run_line("/item number:3")
    assert reply.error is None
    assert "3. Xiaomi founder Lei Jun ready to take on Tesla in the EV market" in reply.text


async def test_a_channel_is_the_one_named_never_another(sandbox: Sandbox) -> None:
    reply = await sandbox.run_line("/setup review channel:#general")
    assert reply.error is None, reply
    reply = await sandbox.run_line("/setup show")
    assert "┃ — Review channel\n┃   #general" in reply.text


async def test_the_bot_refusing_a_line_marks_it_failed(sandbox: Sandbox) -> None:
    reply = await sandbox.run_line("/item number:12")
    assert reply.text == "December 2023 has items 1–7; there is no item 12."
    assert reply.error == (
        "the bot answered with an error: December 2023 has items 1–7; there is no item 12."
    )


async def test_who_acts_decides_what_the_bot_allows(sandbox: Sandbox) -> None:
    assert (await sandbox.run_line("as reader")).text.startswith("You are now @reader")
    refused = await sandbox.run_line("/setup show")
    assert refused.text.startswith("Only moderators")
    assert refused.error is not None
    await sandbox.run_line("as moderator")
    allowed = await sandbox.run_line("/setup show")
    assert allowed.error is None
    assert "┃ Masthead settings" in allowed.text
    assert "┃ — Announce channel\n┃   #news" in allowed.text


async def test_a_script_form_needs_its_required_fields_on_the_line(sandbox: Sandbox) -> None:
    await sandbox.run_line("as reader")
    reply = await sandbox.run_line("/tip link:https://example.com/farm")
    assert reply.error == (
        "the form “Send a news tip” was not sent: headline: required (10–150 characters) "
        '(give fields on the line that opens it, like headline:"…")'
    )
    typo = await sandbox.run_line('/tip headlin:"Shanghai opens a vertical farm"')
    assert typo.error == (
        "the form “Send a news tip” has no field 'headlin' (did you mean headline?); "
        "its fields: headline, link, why"
    )
    short = await sandbox.run_line("/tip headline:Farm")
    assert short.error == (
        "the form “Send a news tip” was not sent: headline: enter 10–150 characters (this is 4) "
        '(give fields on the line that opens it, like headline:"…")'
    )
    mine = await sandbox.run_line("/mytips")
    assert "You have not sent any tips yet" in mine.text  # nothing was sent


async def test_buttons_and_menus_of_listed_messages(sandbox: Sandbox) -> None:
    listing = await sandbox.run_line("news")
    assert listing.text.startswith("── #news\n(1) @Masthead\n┃ This Month in China — December 2023")
    assert (
        "(2) @Masthead\n┃ 1. Chinese scientists develop powerful hydrogen therapy" in listing.text
    )
    voted = await sandbox.run_line("click 1 on 2")  # Helpful, on item 1's post
    assert voted.error is None, voted
    assert (await sandbox.run_line("click 5 on 2")).error == (
        "no button 5 there: [1] Helpful, [2] Not helpful"
    )
    assert (await sandbox.run_line("click 1 on 99")).error == (
        "no message 99 in the last listing: it has 1 to 9"
    )

    latest = await sandbox.run_line("/latest")
    assert "[1] Open an item… — menu, pick 1\n    1. 1. Chinese scientists" in latest.text
    assert (await sandbox.run_line("click 1")).error == (
        "[1] Open an item… is a menu: pick from it, like pick 1"
    )
    assert (await sandbox.run_line("pick 1 2")).error == "[1] Open an item…: pick 1 (this is 2)"
    card = await sandbox.run_line("pick 4")
    assert "┃ 4. China memory chip maker CXMT makes strides in DRAM Technology" in card.text
    assert "[1] Full text" in card.text
    full = await sandbox.run_line("click 1")
    assert full.error is None, full


async def test_suggest_as_tip_on_a_chat_message(sandbox: Sandbox) -> None:
    await sandbox.run_line("as reader")
    said = await sandbox.run_line(
        "say Beijing opens a hydrogen bus line that runs all night https://example.com/bus"
    )
    assert said.text == "(posted in #general as message 1 of its listing; try: suggest 1)"
    sent = await sandbox.run_line("suggest 1")
    assert sent.error is None, sent
    assert "Your tip #1 is in" in sent.text
    cards = await sandbox.run_line("review")
    assert "┃ Beijing opens a hydrogen bus line that runs all night" in cards.text
    assert "┃   https://example.com/bus" in cards.text


async def test_help_lists_what_the_bot_registered_with_examples(sandbox: Sandbox) -> None:
    text = (await sandbox.run_line("help")).text
    for command in sandbox.registered():
        if command.get("type", 1) == 1:
            assert f"  /{command['name']}" in text, command["name"]
    assert "  /item number:1–" in text
    assert "      e.g. /item number:1\n" in text
    assert "  /setup announce channel:#channel [ping_role:@role] [backfill:true|false]" in text
    assert "      e.g. /issue publish issue:2023-12" in text  # the bot's own suggestion
    assert "  suggest M      “Suggest as tip” on message M of the last listing" in text
    assert "  as reader|moderator|editor act as another member (now: @editor)" in text
    detail = (await sandbox.run_line("help /tips export")).text
    assert "  format (optional): File format (default: csv); choose one of md, csv, json" in detail


async def test_the_tour_runs_without_a_failed_line(sandbox: Sandbox) -> None:
    out = io.StringIO()
    failed = await run_script(sandbox, TOUR.read_text(encoding="utf-8").splitlines(), out)
    assert failed == [], out.getvalue()
    assert "Thanks! Your tip #1 is in" in out.getvalue()
    assert "Good news: your tip" in out.getvalue()
