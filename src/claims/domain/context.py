"""What a decision may know beyond the stream it decides on, given by the application."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import AwareDatetime

from claims.domain.base import Frozen

# Dealers sit in every time zone: a date that is "today" for a dealer east of UTC is
# already tomorrow in UTC terms for up to 14 hours.
DATE_LINE_SLACK = timedelta(hours=14)


class DecisionContext(Frozen):
    """The clock reading (and, as rules arrive, the rule packs) a decision needs."""

    now: AwareDatetime

    @property
    def latest_local_date(self) -> date:
        """The latest calendar date it can be anywhere on earth at ``now``."""
        return (self.now + DATE_LINE_SLACK).date()

    def is_future(self, moment: datetime) -> bool:
        """Whether ``moment`` lies in the future (beyond a small clock skew)."""
        return moment > self.now + timedelta(minutes=5)
