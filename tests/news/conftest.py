from __future__ import annotations

from dataclasses import dataclass

import pytest

from dorf.news.models import NewsCategory, Publisher, PublisherRoleKind
from dorf.users.models import User
from dorf.villages.models import Role, Village
from tests.factories import MembershipFactory
from tests.news.factories import NewsCategoryFactory, PublisherFactory, PublisherRoleFactory
from tests.recorded_http import recorded_server  # noqa: F401 - a fixture


@dataclass
class Newsroom:
    village: Village
    staff: User
    publisher: Publisher
    chief: User  # publisher role
    second: User  # publisher role (the second pair of eyes)
    editor: User  # editor role
    rathaus: NewsCategory
    bauen: NewsCategory


@pytest.fixture
def newsroom(village: Village) -> Newsroom:
    staff = MembershipFactory(village=village, role=Role.STAFF).user
    publisher = PublisherFactory(village=village, name="Gemeinde Musterdorf")
    chief = MembershipFactory(village=village).user
    second = MembershipFactory(village=village).user
    editor = MembershipFactory(village=village).user
    PublisherRoleFactory(publisher=publisher, user=chief, role=PublisherRoleKind.PUBLISHER)
    PublisherRoleFactory(publisher=publisher, user=second, role=PublisherRoleKind.PUBLISHER)
    PublisherRoleFactory(publisher=publisher, user=editor, role=PublisherRoleKind.EDITOR)
    return Newsroom(
        village=village,
        staff=staff,
        publisher=publisher,
        chief=chief,
        second=second,
        editor=editor,
        rathaus=NewsCategoryFactory(village=village, name="Rathaus", slug="rathaus"),
        bauen=NewsCategoryFactory(village=village, name="Bauen & Verkehr", slug="bauen-verkehr"),
    )
