"""Rights reads for dashboards: free-episode counts as the windows say, and windows withdrawn."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from partners.tests.factories import OperatorFactory
from rights.selectors import rights_free_episode_counts, rights_windows_withdrawn
from rights.services import rights_window_revoke
from rights.tests.factories import at, drama_with_rights_in, grant_out


def test_free_episode_counts_follow_the_latest_window_that_sets_one_else_the_drama(db):
    operator, other = OperatorFactory(), OperatorFactory()
    drama, plain = drama_with_rights_in(), drama_with_rights_in()
    grant_out(drama, operator, start=at(0), end=at(30), free_episode_count=4)
    grant_out(drama, operator, start=at(30), licence_type="SVOD", free_episode_count=6)
    grant_out(drama, other, territories=["SG"], start=at(0), free_episode_count=1)
    grant_out(plain, operator, start=at(0))

    counts = rights_free_episode_counts(licensee=operator, drama_ids=[drama.pk, plain.pk])

    assert counts == {drama.pk: 6, plain.pk: plain.free_episode_count}


def test_withdrawn_lists_revoked_windows_in_the_period_for_their_licensee_only(db):
    operator, other = OperatorFactory(), OperatorFactory()
    drama = drama_with_rights_in()
    now = timezone.now()
    mine = grant_out(drama, operator, start=now - dt.timedelta(days=2))
    theirs = grant_out(drama, other, territories=["SG"], start=now - dt.timedelta(days=2))
    rights_window_revoke(window=mine)
    rights_window_revoke(window=theirs)

    withdrawn = rights_windows_withdrawn(organization=operator, since=now - dt.timedelta(days=1),
                                         until=now + dt.timedelta(minutes=1))  # fmt: skip

    assert [window.pk for _event, window in withdrawn] == [mine.pk]
    assert rights_windows_withdrawn(organization=operator, since=now - dt.timedelta(days=9),
                                    until=now - dt.timedelta(days=1)) == []  # fmt: skip
