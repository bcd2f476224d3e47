from __future__ import annotations

from dataclasses import dataclass

import pytest

from dorf.news.models import Publisher, PublisherRoleKind
from dorf.users.models import User
from dorf.villages.models import Role, Village
from tests.factories import MembershipFactory
from tests.news.factories import PublisherFactory, PublisherRoleFactory
from tests.recorded_http import recorded_server  # noqa: F401 - a fixture


@dataclass
class Town:
    village: Village
    staff: User
    municipality: Publisher
    chief: User  # publisher role of the municipality
    editor: User  # editor role only
    resident: User


@pytest.fixture
def town(village: Village) -> Town:
    staff = MembershipFactory(village=village, role=Role.STAFF).user
    municipality = PublisherFactory(village=village, name="Gemeinde Musterdorf")
    chief = MembershipFactory(village=village).user
    editor = MembershipFactory(village=village).user
    PublisherRoleFactory(publisher=municipality, user=chief, role=PublisherRoleKind.PUBLISHER)
    PublisherRoleFactory(publisher=municipality, user=editor, role=PublisherRoleKind.EDITOR)
    return Town(
        village=village,
        staff=staff,
        municipality=municipality,
        chief=chief,
        editor=editor,
        resident=MembershipFactory(village=village).user,
    )
