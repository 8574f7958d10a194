"""200 tips from 50 readers at once, through Discord: every acknowledged tip is stored
exactly once, and every refusal is the rate limit's."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import Counter

from fakediscord import FakeDiscord
from masthead.bot import Masthead
from tests.cogs.helpers import World
from tests.cogs.tip_helpers import stored_tips

READERS, TIPS_EACH, LIMIT = 50, 4, 3
STORIES = (
    "ports expand along the southern coast",
    "a new rail bridge opens in Guizhou",
    "the rice harvest breaks a record in Hunan",
    "solar farms cover more of the Gobi desert",
)
RECEIPT = re.compile(r"Your tip \*\*#(\d+)\*\*")


async def test_two_hundred_concurrent_tips_are_each_stored_once_or_rate_limited(
    fake_discord: FakeDiscord, masthead: Masthead, world: World
) -> None:
    fake = fake_discord
    fake.timeout = 30
    masthead.settings = dataclasses.replace(masthead.settings, tip_limit_per_hour=LIMIT)
    readers = [fake.add_user(f"reader-{n}") for n in range(READERS)]
    for reader in readers:
        fake.add_member(world.guild, reader)

    sends = [(reader, k) for k in range(TIPS_EACH) for reader in readers]
    forms = await asyncio.gather(
        *(fake.run_command(world.guild, world.news, reader, "tip") for reader, _ in sends)
    )
    assert all(form.modal is not None for form in forms)
    answers = await asyncio.gather(
        *(
            fake.submit_modal(
                form,
                {
                    # Readers' numbers differ, so no two headlines are the same story.
                    "headline": f"Reader {n}: {STORIES[k]}",
                    "link": f"https://news.example/{n}/{k}",
                },
            )
            for form, (reader, k) in zip(forms, sends, strict=True)
            for n in [readers.index(reader)]
        )
    )

    # A burst queues: answers not ready within 2 s were deferred, then sent.
    await asyncio.gather(*(answer.wait_message() for answer in answers))
    acknowledged = [int(m[1]) for a in answers if (m := RECEIPT.search(a.content))]
    refused = [a for a in answers if not RECEIPT.search(a.content)]
    assert all("the most allowed" in a.content for a in refused), {a.content for a in refused}
    stored = await stored_tips(masthead)
    assert sorted(acknowledged) == sorted(t.id for t in stored)  # each exactly once
    assert Counter(t.user_id for t in stored) == {r.id: LIMIT for r in readers}
    assert len(refused) == READERS * (TIPS_EACH - LIMIT)
    assert all(a.refused is None for a in answers)  # every answer within Discord's 3 s
    assert not fake.unexpected_violations()
