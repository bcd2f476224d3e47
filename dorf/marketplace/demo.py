"""Demo marketplace for Musterdorf: postings of every category, replies (each a chat room
of author and replier), agreements and a few completed helps paid in time credits, all
through the services."""

from __future__ import annotations

from dorf.chat import services as chat_services
from dorf.core.exceptions import DomainError
from dorf.marketplace import services
from dorf.marketplace.models import Conversation, PostingCategory, PostingKind
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership

POSTINGS: list[tuple[str, str, str, str, int | None]] = [
    ("request", "help", "Hilfe beim Aufbau eines Schranks", "Zu zweit geht es schneller.", 60),
    ("offer", "help", "Ich mähe Ihren Rasen", "Habe einen Aufsitzmäher und Zeit.", 45),
    ("offer", "lend", "Leiter und Bohrmaschine zu verleihen", "Einfach klingeln.", None),
    ("request", "lend", "Suche Anhänger fürs Wochenende", "Für Grünschnitt.", None),
    ("offer", "give_away", "Kinderwagen zu verschenken", "Gut erhalten, abzuholen.", None),
    ("offer", "give_away", "Äpfel aus dem Garten", "Ganze Kiste, bitte selbst pflücken.", None),
    ("offer", "ride", "Fahrt nach Siegen am Donnerstag", "Abfahrt 8 Uhr, 3 Plätze frei.", 30),
    ("request", "ride", "Wer fährt mich zum Arzt?", "Termin am Dienstag um 10 Uhr.", 90),
    ("request", "errand", "Einkauf für meine Mutter", "Wocheneinkauf im Supermarkt.", 60),
    ("offer", "errand", "Ich gehe morgen zur Apotheke", "Bringe gern etwas mit.", 20),
    ("request", "help", "Wer füttert meine Katze am Wochenende?", "Sie heißt Mimi.", 30),
    ("offer", "give_away", "Kaninchenstall abzugeben", "Am Spielplatz, bei mir abzuholen.", None),
    ("request", "small_job", "Hecke schneiden", "Etwa 20 Meter Hecke.", 120),
    ("offer", "small_job", "Computerhilfe", "Ich richte Handys und Laptops ein.", 60),
]
PAID = {0, 7, 8, 12}  # indexes of POSTINGS whose help is completed and paid


def seed(ctx: DemoContext) -> None:
    memberships = [m for m in ctx.memberships if m.user.is_active]
    by_user = {m.user_id: m for m in memberships}
    rng = ctx.rng
    authors = rng.sample(memberships, len(POSTINGS))
    paid = 0
    for index, (kind, category, title, text, minutes) in enumerate(POSTINGS):
        author = authors[index]
        posting = services.posting_create(
            membership=author,
            kind=PostingKind(kind),
            category=PostingCategory(category),
            title=title,
            text=text,
            estimated_minutes=minutes,
        )
        repliers = [m for m in rng.sample(memberships, 3) if m.user_id != author.user_id]
        for replier in repliers[: rng.randint(0, 2)]:
            # A chat room per replier; the reply is its first message.
            services.conversation_open(
                user=replier.user,
                posting_id=posting.pk,
                text="Ich kann helfen, wann passt es?",
                client_msg_id=f"demo-reply-{posting.pk}-{replier.user_id}",
            )
        conversation = posting.conversations.first()
        if index not in PAID or conversation is None or minutes is None:
            continue
        if conversation.room_id is not None:
            chat_services.message_send(
                user=author.user,
                room_id=conversation.room_id,
                text="Super, passt es morgen um 10 Uhr?",
                client_msg_id=f"demo-answer-{conversation.pk}",
            )
        agreement = services.agreement_accept(user=author.user, conversation_id=conversation.pk)
        helper: Membership = by_user[agreement.helper_id]
        helped: Membership = by_user[agreement.helped_id]
        services.agreement_propose(user=helper.user, agreement_id=agreement.pk, minutes=minutes)
        try:
            services.agreement_confirm(user=helped.user, agreement_id=agreement.pk, minutes=minutes)
            paid += 1
        except DomainError:
            # A neighbour at their credit limit: the proposal stays open, as in real life.
            continue
    conversations = Conversation.objects.filter(posting__village=ctx.village).count()
    ctx.out.write(
        f"Marketplace: {len(POSTINGS)} postings, {conversations} conversations in chat rooms, "
        f"{paid} helps paid in time credits."
    )
