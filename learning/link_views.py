"""The page of what a review's findings concern (DOMAIN.md §9): a reviewer of an agency involved
names their agency's cases by reference and ticks the meetings about them and the actions on them
that the findings concern. It goes through learning.services.links, which lets the caller set
only what their agency sees (404 for a review they may not see, 403 for its raiser) and audits
the reading of the actions offered. A form that breaks a rule is shown again, 422, with the error
summary and everything typed; nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.errors import ValidationFailed
from hub.web.pages import page, see_other
from hub.web.refusals import audited_refusal
from learning import forms, link_forms
from learning.review_views import conducted
from learning.services import links
from learning.services.views import ReviewView
from meetings.rules import KIND_WORDS as MEETING_KIND_WORDS

link_pages = Blueprint("learning_links", __name__)


def _form(view: ReviewView, answers: Mapping[str, Any], errors: Mapping[str, str],
          status: int = 200) -> Response:
    state = context.state()
    with audited_refusal("review", view.line.id):
        offer = links.link_offer(context.db(), context.actor(), view.line.id, envelope=state.envelope,
                                 now=context.now())
    if not answers:
        answers = link_forms.link_answers_of([case.ref for case in offer.cases], offer.meetings,
                                             offer.actions)
    return page("learning/links.html", status, view=view, offer=offer, answers=answers, errors=errors,
                error_list=forms.ordered(errors, link_forms.ORDER), forms=forms, long_date=forms.long_date,
                meeting_words=MEETING_KIND_WORDS, today=context.today())


@link_pages.get("/reviews/<uuid:review_id>/links")
@requires(Permission.REVIEW_CONDUCT)
def review_links(review_id: uuid.UUID) -> ResponseReturnValue:
    return _form(conducted(review_id), {}, {})


@link_pages.post("/reviews/<uuid:review_id>/links")
@requires(Permission.REVIEW_CONDUCT)
def record_links(review_id: uuid.UUID) -> ResponseReturnValue:
    answers = link_forms.link_answers(request.form)
    chosen, problems = link_forms.links_from_answers(answers)
    if not problems:
        state = context.state()
        try:
            with audited_refusal("review", review_id):
                links.set_links(context.db(), context.actor(), review_id, chosen, envelope=state.envelope,
                                policy=state.settings.policy, now=context.now())
        except ValidationFailed as failed:
            problems = failed.errors
    if problems:
        # Nothing is written (the request rolls back on 422); the form shows what was typed.
        return _form(conducted(review_id), answers, problems, 422)
    return see_other("learning_pages.review_page", review_id=review_id, done="links")
