"""/setup: where issues are announced, where review cards go, who moderates, and which
feed is watched for new issues."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from db.models import Feed
from db.repositories import deliveries, feeds, guilds, issues, tips
from db.states import FeedEntryStatus
from db.types import utcnow
from masthead.fetching import FetchError, check_url, fetch_feed, limits_for
from masthead.utils.checks import require_editor, require_guild, require_moderator
from masthead.utils.errors import UserError
from masthead.utils.text import shown
from newsletter.corrections import describe_part
from newsletter.render import neutralize_mentions

if TYPE_CHECKING:
    from masthead.bot import Masthead

ANNOUNCE_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
)
REVIEW_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


def _require_permissions(channel: discord.TextChannel, needed: tuple[str, ...]) -> None:
    missing = [p for p in needed if not getattr(channel.permissions_for(channel.guild.me), p)]
    if missing:
        names = ", ".join(p.replace("_", " ").title() for p in missing)
        raise UserError(f"I need these permissions in {channel.mention} first: {names}.")


class Setup(commands.GroupCog, group_name="setup"):
    """Moderators: configure Masthead for this server."""

    def __init__(self, bot: Masthead) -> None:
        self.bot = bot
        super().__init__()

    async def _check_moderator(self, interaction: discord.Interaction[Masthead]) -> int:
        guild_id = require_guild(interaction)
        async with self.bot.sessionmaker() as session:
            settings = await guilds.get_settings(session, guild_id)
        require_moderator(interaction, settings.moderator_role_id if settings else None)
        return guild_id

    @app_commands.command(name="announce")
    @app_commands.describe(
        channel="Where new issues are posted",
        ping_role="Role to ping when an issue is posted (optional)",
        backfill="Post the latest published issue there now (default: yes)",
    )
    async def announce(
        self,
        interaction: discord.Interaction[Masthead],
        channel: discord.TextChannel,
        ping_role: discord.Role | None = None,
        backfill: bool = True,
    ) -> None:
        """Choose the channel where new issues are posted."""
        guild_id = await self._check_moderator(interaction)
        _require_permissions(channel, ANNOUNCE_PERMISSIONS)
        if ping_role is not None and (ping_role.is_default() or ping_role.managed):
            raise UserError("Pick a normal role to ping, not @everyone or a bot's role.")
        queued = False
        async with self.bot.sessionmaker.begin() as session:
            # A publish at this moment queues the channel, or is seen by the catch-up.
            await deliveries.lock_subscriptions(session)
            await guilds.update_settings(
                session,
                guild_id,
                announce_channel_id=channel.id,
                ping_role_id=ping_role.id if ping_role else None,
            )
            latest = await issues.latest_published(session, self.bot.settings.newsletter_name)
            if backfill and latest is not None:
                _, queued = await deliveries.queue_delivery(
                    session,
                    issue_id=latest.id,
                    guild_id=guild_id,
                    channel_id=channel.id,
                    ping_role_id=ping_role.id if ping_role else None,
                )
        if queued:
            self.bot.dispatch("issues_changed")
        message = f"New issues will be posted in {channel.mention}"
        message += f", pinging {ping_role.mention}." if ping_role else "."
        if queued and latest is not None:
            message += f" Posting {latest.title} there now."
        if ping_role and not (
            ping_role.mentionable or channel.permissions_for(channel.guild.me).mention_everyone
        ):
            message += (
                f" Note: {ping_role.mention} is not mentionable and I lack Mention All Roles,"
                " so the ping will not notify anyone until one of those changes."
            )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name="review")
    @app_commands.describe(channel="Where review cards for reader tips are posted")
    async def review(
        self, interaction: discord.Interaction[Masthead], channel: discord.TextChannel
    ) -> None:
        """Choose the channel where reader tips are reviewed."""
        guild_id = await self._check_moderator(interaction)
        _require_permissions(channel, REVIEW_PERMISSIONS)
        async with self.bot.sessionmaker.begin() as session:
            await guilds.update_settings(session, guild_id, review_channel_id=channel.id)
            waiting = await tips.pending_count(session, guild_id)
        self.bot.dispatch("tips_changed")  # pending tips get their cards there
        message = f"Review cards will be posted in {channel.mention}."
        if waiting:
            message += f" Posting the {waiting} pending tip(s) there now."
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name="moderators")
    @app_commands.describe(role="Members with this role may review tips")
    async def moderators(
        self, interaction: discord.Interaction[Masthead], role: discord.Role
    ) -> None:
        """Choose a role that may review tips besides Manage Server."""
        guild_id = await self._check_moderator(interaction)
        if role.is_default():
            raise UserError("@everyone cannot be the moderator role.")
        async with self.bot.sessionmaker.begin() as session:
            await guilds.update_settings(session, guild_id, moderator_role_id=role.id)
        await interaction.response.send_message(
            f"Members with {role.mention} can now review tips.", ephemeral=True
        )

    @app_commands.command(name="feed")
    @app_commands.describe(url="An RSS or Atom feed of the newsletter (http or https)")
    async def feed(
        self, interaction: discord.Interaction[Masthead], url: app_commands.Range[str, 1, 2048]
    ) -> None:
        """Editors: watch a feed; its new entries come as import previews."""
        await require_editor(interaction, self.bot.settings.editor_ids)
        try:
            url = check_url(url)
        except FetchError as exc:
            raise UserError(str(exc)) from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            found = await fetch_feed(url, limits=limits_for(self.bot.settings.fetch_allow_private))
        except FetchError as exc:
            raise UserError(str(exc)) from None
        assert found is not None  # no conditional headers were sent
        guild_id = interaction.guild_id
        async with self.bot.sessionmaker.begin() as session:
            feed, _ = await feeds.watch(
                session,
                url=url,
                title=found.title,
                guild_id=guild_id,
                added_by=interaction.user.id,
                etag=found.etag,
                last_modified=found.last_modified,
                next_poll_at=utcnow() + timedelta(seconds=self.bot.settings.feed_poll_seconds),
            )
            # What the feed holds now is already out: only entries added later are news.
            await feeds.add_entries(
                session,
                feed.id,
                [
                    feeds.NewEntry(e.key, e.title, e.link, FeedEntryStatus.SEEN)
                    for e in found.entries
                ],
            )
            settings = await guilds.get_settings(session, guild_id) if guild_id else None
        self.bot.dispatch("feeds_changed")
        if settings is not None and settings.review_channel_id is not None:
            where = f"in <#{settings.review_channel_id}>"
        else:
            where = "to you by DM (or run /setup review for a review channel)"
        await interaction.followup.send(
            f"Watching {found.title[:200]}: its {len(found.entries)} current entries are taken "
            f"as read, and each new one will come as an import preview {where}.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[Masthead]) -> None:
        """Show this server's Masthead settings and delivery problems."""
        guild_id = await self._check_moderator(interaction)
        async with self.bot.sessionmaker() as session:
            settings = await guilds.get_settings(session, guild_id)
            failures = await deliveries.failures_for_guild(session, guild_id)
            uncorrected = await deliveries.deleted_parts_for_guild(session, guild_id)
            watched = await feeds.feeds_for_guild(session, guild_id)

        def channel(name: str) -> str:
            value = getattr(settings, name, None)
            return f"<#{value}>" if value else "not set"

        def role(name: str) -> str:
            value = getattr(settings, name, None)
            return f"<@&{value}>" if value else "not set"

        embed = discord.Embed(title="Masthead settings", colour=discord.Colour.blurple())
        embed.add_field(name="Announce channel", value=channel("announce_channel_id"))
        embed.add_field(name="Ping role", value=role("ping_role_id"))
        embed.add_field(name="Review channel", value=channel("review_channel_id"))
        embed.add_field(name="Moderator role", value=role("moderator_role_id"))
        if settings is not None and settings.review_failure:
            embed.add_field(
                name="Review cards",
                value=f"Cannot post them: {settings.review_failure}. Fix it, then run "
                "/setup review again.",
                inline=False,
            )
        if failures:
            lines = [f"<#{f.channel_id}>: {f.failure_reason}"[:200] for f in failures]
            embed.add_field(name="Delivery failures", value="\n".join(lines)[:1024], inline=False)
        if uncorrected:
            lines = [
                f"{describe_part(d.part_key)} of {d.issue_title} in <#{d.where_id}>"[:200]
                for d in uncorrected
            ]
            embed.add_field(
                name="Not corrected (deleted by a moderator)",
                value=neutralize_mentions("\n".join(lines))[:1024],
                inline=False,
            )
        if watched:
            embed.add_field(
                name="Watched feeds (new issues previewed here)",
                value="\n".join(_feed_line(feed) for feed in watched)[:1024],
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)


def _feed_line(feed: Feed) -> str:
    """A feed's title and address as text (both come from the web), and its trouble."""
    line = f"{shown(feed.title, 80)}: `{feed.url[:120].replace('`', 'ˋ')}`"
    if feed.last_error:
        line += f" (failing: {shown(feed.last_error, 80)})"
    return line[:300]


async def setup(bot: Masthead) -> None:
    await bot.add_cog(Setup(bot))
