from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dorf.calendar import privacy, selectors, services
from dorf.calendar.models import FeedToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_created_once_per_user_and_scope_and_opens_only_its_own_scope():
    # given
    user = UserFactory()
    # when
    clubs = services.feed_token_get(user=user, scope="clubs")
    again = services.feed_token_get(user=user, scope="clubs")
    waste = services.feed_token_get(user=user, scope="waste")
    # then: 256 random bits, url-safe, stored with its SHA-256
    assert clubs.pk == again.pk
    assert clubs.token != waste.token
    assert len(clubs.token) >= 43
    assert clubs.token_hash == hashlib.sha256(clubs.token.encode()).hexdigest()
    assert selectors.feed_token_owner(scope="clubs", secret=clubs.token) == user
    assert selectors.feed_token_owner(scope="waste", secret=clubs.token) is None


def test_rotation_replaces_the_secret_and_the_old_one_opens_nothing():
    user = UserFactory()
    old = services.feed_token_get(user=user, scope="clubs").token
    new = services.feed_token_rotate(user=user, scope="clubs").token
    assert new != old
    assert selectors.feed_token_owner(scope="clubs", secret=old) is None
    assert selectors.feed_token_owner(scope="clubs", secret=new) == user
    assert FeedToken.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("secret", ["", "x", "ä" * 20, "\ud800", "a" * 5000])
def test_wrong_or_hostile_secrets_open_nothing(secret):
    services.feed_token_get(user=UserFactory(), scope="clubs")
    assert selectors.feed_token_owner(scope="clubs", secret=secret) is None


def test_a_deactivated_user_has_no_feed():
    user = UserFactory()
    token = services.feed_token_get(user=user, scope="clubs")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert selectors.feed_token_owner(scope="clubs", secret=token.token) is None


def test_privacy_export_names_the_feeds_and_erasure_revokes_them():
    user = UserFactory()
    services.feed_token_get(user=user, scope="clubs")
    services.feed_token_get(user=user, scope="waste")
    assert [f["scope"] for f in privacy.export_personal_data(user)["feeds"]] == ["clubs", "waste"]
    privacy.erase_personal_data(user)
    assert not FeedToken.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_the_clubs_tokens_move_with_their_secrets_and_move_back():
    # given: the schema before the move, with one personal club feed token
    executor = MigrationExecutor(connection)
    before = [("clubs", "0002_club_rooms"), ("calendar", "0001_feed_tokens")]
    after = [("clubs", "0003_feed_tokens_to_calendar")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = UserFactory()
    old_apps.get_model("clubs", "CalendarToken").objects.create(user_id=user.pk, token="s3cret-url")
    # when
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    # then: the same URL opens the same feed
    assert selectors.feed_token_owner(scope="clubs", secret="s3cret-url") == user
    # and back
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back_apps = executor.loader.project_state(before).apps
    tokens = back_apps.get_model("clubs", "CalendarToken").objects.all()
    assert [(t.user_id, t.token) for t in tokens] == [(user.pk, "s3cret-url")]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
