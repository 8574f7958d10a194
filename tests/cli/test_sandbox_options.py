"""How the sandbox reads a typed line and its option values, as plain functions: every
option type Discord has, whether or not a command of the bot uses it today."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakediscord import ChannelType, File, Role, User
from fakediscord.state import State
from masthead.sandbox._line import SandboxError, is_comment, split_line
from masthead.sandbox._options import Directory, convert, find_command

ITEM = {
    "name": "item",
    "type": 1,
    "options": [
        {"type": 4, "name": "number", "required": True, "min_value": 1, "max_value": 25},
        {"type": 5, "name": "public"},
    ],
}
SETUP = {
    "name": "setup",
    "type": 1,
    "options": [
        {"type": 1, "name": "announce", "options": [{"type": 7, "name": "channel"}]},
        {"type": 1, "name": "show", "options": []},
    ],
}


@pytest.fixture
def directory() -> Directory:
    state = State()
    guild = state.add_guild("Sandbox")
    news = state.add_channel(guild, "news")
    state.add_thread(news, "December", owner=state.bot)
    state.add_role(guild, "Mods", 32)
    reader = state.add_user("reader")
    state.add_member(guild, reader)
    return Directory(state, guild, {"reader": reader, "editor": state.owner})


def test_values_may_hold_spaces_or_be_quoted() -> None:
    words = split_line('/search query:DRAM chips issue:"Dec 2023" why:China\'s farms')
    assert words.words == ["/search"]
    assert words.options == {"query": "DRAM chips", "issue": "Dec 2023", "why": "China's farms"}


def test_a_link_is_a_value_not_an_option() -> None:
    words = split_line("/tip link: https://example.com/a?b=1 headline:x")
    assert words.options == {"link": "https://example.com/a?b=1", "headline": "x"}


def test_an_option_given_twice_is_refused() -> None:
    with pytest.raises(SandboxError, match=r"^public: given twice$"):
        split_line("/latest public:true public:false")


def test_a_comment_is_a_hash_and_a_space_but_a_hash_word_is_a_channel() -> None:
    assert is_comment("# the tour")
    assert is_comment("#")
    assert not is_comment("#news")


def test_subcommands_are_found_and_a_missing_one_is_named() -> None:
    found = find_command([ITEM, SETUP], ["/setup", "announce"])
    assert found.title == "/setup announce"
    with pytest.raises(SandboxError, match=r"^/setup has no subcommand 'anounce'; it has announce"):
        find_command([ITEM, SETUP], ["/setup", "anounce"])


def test_members_roles_and_mentionables_by_name(directory: Directory) -> None:
    reader = convert({"name": "user", "type": 6}, "@reader", directory)
    assert isinstance(reader, User) and reader.username == "reader"
    role = convert({"name": "who", "type": 9}, "@Mods", directory)
    assert isinstance(role, Role) and role.name == "Mods"
    with pytest.raises(SandboxError) as refused:
        convert({"name": "user", "type": 6}, "@nobody", directory)
    assert str(refused.value) == "user: no member named @nobody here (members: @reader, @editor)"


def test_numbers_within_their_range(directory: Directory) -> None:
    spec = {"name": "ratio", "type": 10, "min_value": 0, "max_value": 1}
    assert convert(spec, "0.25", directory) == 0.25
    for bad in ("abc", "nan", "1.5"):
        with pytest.raises(SandboxError, match=r"^ratio: enter a number from 0 to 1$"):
            convert(spec, bad, directory)


def test_a_channel_of_the_wrong_kind_is_refused(directory: Directory) -> None:
    spec = {"name": "channel", "type": 7, "channel_types": [ChannelType.TEXT, ChannelType.NEWS]}
    assert convert(spec, "#news", directory).name == "news"
    with pytest.raises(SandboxError) as refused:
        convert(spec, "#December", directory)
    assert str(refused.value) == (
        "channel: #December is a thread channel; pick a text or announcement channel, like #news"
    )


def test_an_attachment_is_read_from_its_path(directory: Directory, tmp_path: Path) -> None:
    (tmp_path / "issue.md").write_text("# January\n", encoding="utf-8")
    upload = convert({"name": "file", "type": 11}, str(tmp_path / "issue.md"), directory)
    assert isinstance(upload, File)
    assert (upload.filename, upload.data, upload.content_type) == (
        "issue.md",
        b"# January\n",
        "text/markdown",
    )
    with pytest.raises(SandboxError, match=r"^file: cannot read nope\.txt \(No such file"):
        convert({"name": "file", "type": 11}, "nope.txt", directory)
