"""The review-queue row: what it shows (`queue_rows`) and its markup (`render_rows`).

A queue page is 50 of these, and its server-time budget is 15 ms at p95 (bench/queue.py). Django's template
engine spent about 0.25 ms a row on this markup even with every value worked out beforehand (roughly 40
variable and tag nodes a row), so the row is formatted here instead, ten times faster; every value
is escaped once on its way into the markup, exactly as autoescaping would, and text a user wrote goes through
reviews/text.py (controls shown, isolated in <bdi>), as the templates' `|user` filter does. The rest of the
page stays in templates/reviews/queue.html, which includes these rows as its `row-list` region.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from reviews.actions import registry
from reviews.converters import id_to_segment
from reviews.models import EntityType, ReviewQueueItem
from reviews.selectors.queue import RowFacts, item_version, row_facts
from reviews.text import controls_shown, user_html

_ZERO_ID = "00000000-0000-0000-0000-000000000000"
_TYPE_LABELS = dict(EntityType.choices)
_REC_LABELS = dict(ReviewQueueItem.Action.choices)
_STATE_LABELS = dict(ReviewQueueItem.ContentState.choices)
# "Reviewed: Delete content": the verb that closed the item, by its label in the decision table.
_REVIEWED_AS = {v.name: f"Reviewed: {v.label}" for v in registry.VERBS} | {"mark_reviewed": "Reviewed", "": "Reviewed"}
# Values longer than this may be cut short by the row's CSS (clamped lines); they carry their full text in a title.
_LONG = 40
# What Django's reverse() leaves unquoted in a path argument.
_PATH_SAFE = "!$&'()*+,;=~:@"


def decorate(items: list[ReviewQueueItem], *, stale_after: timedelta | None = None) -> list[ReviewQueueItem]:
    """Top reasons and whether the creator is on watch (one query for the whole page), the current claim holder,
    whether a pending item is past the queue's age threshold (`stale_after`; from created_at, no query) and
    whether it is graphic (the wellness break reminder counts those), read at this moment."""
    now = timezone.now()
    facts = row_facts([i.pk for i in items]) if items else RowFacts({}, frozenset())
    for item in items:
        item.type_label = _TYPE_LABELS.get(item.entity_type, item.entity_type)
        item.top = facts.reasons.get(item.pk, [])
        item.holder = item.lock_holder(now)
        item.watched = item.pk in facts.watched
        item.stale = (stale_after is not None and item.status == ReviewQueueItem.Status.PENDING
                      and now - item.created_at > stale_after)
        item.graphic = is_graphic(item)
    return items


# Labels that make an item graphic for the break reminder (with any image): nudity and violence, by any engine's
# name for them (NudeNet's classes, Rekognition's and Google's labels, the AI text labels).
_GRAPHIC_WORDS = ("nud", "explicit", "sexual", "exposed", "violen", "gore", "graphic", "self-harm", "self_harm",
                  "disturbing", "weapon", "blood")


def is_graphic(item: ReviewQueueItem) -> bool:
    if item.has_image:
        return True
    return any(isinstance(label, str) and any(w in label.lower() for w in _GRAPHIC_WORDS)
               for label in item.labels or ())


def clip(text: str, limit: int) -> str:
    """`truncatechars`: at most `limit` characters, the last one an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def age(seconds: float) -> str:
    """A queue row's age, short enough to scan down a column."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


@dataclass(slots=True)
class QueueRow:
    """Everything one queue row shows, worked out once in Python."""

    id: str
    entity_id: str
    classes: str
    version: str
    aria: str
    heading: str
    channel: str
    texts: list[str]
    images: list[str]
    badges: list[tuple[str, str]]
    creator: str
    creator_url: str
    flags_count: int
    reasons: list[str]
    rec: str
    rec_label: str
    severity: str
    created_iso: str
    age: str
    holder: str
    held_by_me: bool
    item_url: str
    decide_url: str
    reviewed: bool
    content_removed: bool
    escalated: bool


def _url_maker(name: str, segment=str):
    """reverse() once; then each URL is a string join (reverse costs ~20 us a call, 150 calls a page).
    `segment` is the URL converter's `to_url` for the argument (reverse() applies it before quoting)."""
    head, tail = reverse(name, args=[_ZERO_ID]).split(_ZERO_ID)
    return lambda value: head + quote(segment(value), safe=_PATH_SAFE) + tail


def _image_url_maker():
    """Each payload image is shown through the same-origin image proxy (reviews/views/images.py)."""
    head, tail = reverse("reviews:item-image", args=[_ZERO_ID, 1]).split(_ZERO_ID)
    return lambda pk, n: f"{head}{pk}{tail[:-1]}{n}"


def queue_rows(items: list[ReviewQueueItem], *, me_id: str, stale_after: timedelta | None = None) -> list[QueueRow]:
    """The rows of a queue page or of a live update, as seen by `me_id` (its own claims read "you"); pending items
    older than `stale_after` (the queue's threshold) are marked stale."""
    decorate(items, stale_after=stale_after)
    now = timezone.now()
    item_url, decide_url, user_url = (_url_maker("reviews:item"), _url_maker("reviews:decide"),
                                      _url_maker("reviews:user", id_to_segment))
    image_url = _image_url_maker()
    rows = []
    for item in items:
        pk = str(item.pk)
        creator = item.entity_creator_id or ""
        reviewed = item.status == ReviewQueueItem.Status.REVIEWED
        badges = []
        if reviewed:
            done_as = item.latest_moderator_action or ""
            badges.append(("badge-reviewed", _REVIEWED_AS.get(done_as) or f"Reviewed: {done_as}"))
        if item.content_state:
            badges.append(("badge-remove", _STATE_LABELS.get(item.content_state, item.content_state)))
        if item.escalated:
            priority = item.escalation_priority
            badges.append(("badge-escalated", f"Escalated ({priority})" if priority else "Escalated"))
        if item.stale:
            badges.append(("badge-stale", "Stale"))
        if item.watched:
            badges.append(("badge-watched", "Watched user"))
        holder = item.holder or ""
        rows.append(QueueRow(
            id=pk,
            entity_id=item.entity_id,
            classes=(" decided" if reviewed else "") + (" held" if holder and holder != me_id else "")
            + (" stale" if item.stale else "") + (" watched" if item.watched else "")
            + (" graphic" if item.graphic else ""),
            version=item_version(item),
            aria=f"{item.type_label} by {creator or 'unknown'}: {clip(item.content_text, 60)}",
            heading=item.type_label,
            channel=item.channel_cid or "",
            texts=[clip(t, 200) for t in item.texts[:2]],
            images=[image_url(pk, n) for n in range(1, min(len(item.images), 3) + 1)],
            badges=badges,
            creator=creator,
            creator_url=user_url(creator) if creator else "",
            flags_count=item.flags_count,
            reasons=[f"{reason} ×{n}" if n > 1 else reason for reason, n in item.top],
            rec=item.recommended_action,
            rec_label=_REC_LABELS.get(item.recommended_action, item.recommended_action),
            severity=item.severity_label,
            created_iso=item.created_at.isoformat(),
            age=age((now - item.created_at).total_seconds()),
            holder=holder,
            held_by_me=bool(holder) and holder == me_id,
            item_url=item_url(pk),
            decide_url=decide_url(pk),
            reviewed=reviewed,
            content_removed=bool(item.content_state),
            escalated=item.escalated,
        ))
    return rows


_ROW = (
    '<tr class="queue-row{classes}" id="item-{id}" data-item-id="{id}" data-v="{version}" tabindex="-1"{oob}'
    ' aria-label="{aria}">\n{select}'
    '  <td class="content"><span class="entity-type">{heading}</span>{body}'
    '<span class="states">{badges}</span></td>\n'
    '  <td class="creator">{creator}</td>\n'
    '  <td class="flags"><span class="flag-count">{flags_count}</span>{reasons}</td>\n'
    '  <td class="rec"><span class="badge badge-{rec}">{rec_label}</span></td>\n'
    '  <td class="sev"><span class="sev-{severity}">{severity}</span></td>\n'
    '  <td class="age"><time datetime="{created_iso}">{age}</time></td>\n'
    '  <td class="holder" id="holder-{id}">{holder}</td>\n'
    '  <td class="row-actions">'
    '<a class="btn open-btn" href="{item_url}" hx-get="{item_url}" hx-target="#drawer" hx-swap="innerHTML" data-key="o"'
    ' title="Open (o)" aria-label="Open {entity_id_attr}">Open</a>{actions}</td>\n'
    '</tr>\n'
)
# Only a role that can act selects rows (for the bulk bar, which only it gets).
_SELECT = ('  <td class="sel"><input type="checkbox" name="items" value="{id}" form="bulk-form"'
           ' aria-label="Select {entity_id_attr}"></td>\n')


def _control(verb: registry.Verb) -> str:
    """One verb's entry in the row's decision menu, from its row in the decision table: a heavy verb (or one that
    needs text) opens the decision dialog with it ticked; the rest submit at once. Each entry shows its key.
    Braces are doubled: the result is a str.format template filled per row (item_url)."""
    label, key = html.escape(verb.label), html.escape(verb.key)
    kbd = f"<kbd>{key}</kbd>" if key else ""
    if verb.heavy:
        return (f'<a class="btn" href="{{item_url}}#decide" data-dialog="{html.escape(verb.name)}" data-key="{key}"'
                f' aria-label="{label}"><span>{label}…</span>{kbd}</a>')
    return (f'<button name="actions" value="{html.escape(verb.name)}" data-key="{key}" aria-label="{label}">'
            f'<span>{label}</span>{kbd}</button>')


def _controls(state: registry.ItemState) -> str:
    verbs = [v for v in registry.offered_on(registry.Face.ROW) if v.offered is None or v.offered(state)]
    return (
        # One compact menu per row (a <details>: no script needed to open it); keys.js clicks its entries by key
        # whether it is open or not. hx-swap none: the answer carries the row as a partial that replaces it by id
        # when it arrives (a live update may have replaced this very element while the decision was in flight).
        '<details class="decide-menu"><summary class="btn" title="Decisions (keys in the menu)"'
        ' aria-label="Decide on {entity_id_attr}">Decide</summary>'
        '<form method="post" action="{decide_url}" hx-post="{decide_url}" hx-swap="none" class="menu">'
        '{csrf_input}' + "".join(_control(v) for v in verbs) + "</form></details>"
    )


# The row's controls for each state an item can be in (reviewed, content removed, escalated: 8 templates),
# worked out once per process, so a row costs one dict lookup and one str.format, as a fixed template would.
_ACTIONS = {(r, c, e): _controls(registry.ItemState(r, c, e)) for r in (False, True) for c in (False, True)
            for e in (False, True)}
_NOBODY = mark_safe('<span class="muted">—</span>')
_IMAGE = (
    '<button type="button" class="blurred" data-reveal aria-label="Show image {n} (blurred until shown)">'
    '<img src="{src}" alt="Flagged image {n}" loading="lazy" width="96" height="60"></button>'
)


def _escape(value) -> str:
    # What django.utils.html.escape does (html.escape with quotes), without its lazy-string wrapper, which
    # costs more than the escaping on a hot path of ~400 values a page; SafeStrings pass through.
    return value if isinstance(value, SafeString) else html.escape(str(value))


def _attr(value: str) -> str:
    """Text a user wrote, in an attribute: controls written out, escaped."""
    return html.escape(controls_shown(value))


def _title(value: str) -> str:
    """A title attribute with the full value, for a value long enough that the row's CSS may cut it short."""
    return f' title="{_attr(value)}"' if len(value) > _LONG else ""


def _body(row: QueueRow) -> str:
    parts = [f"<p>{user_html(text)}</p>" for text in row.texts]
    if not parts and not row.images:
        parts.append(f'<p class="muted"{_title(row.entity_id)}>{user_html(row.entity_id)}</p>')
    parts += [_IMAGE.format(n=n, src=_escape(src)) for n, src in enumerate(row.images, start=1)]
    return "".join(parts)


def _holder(row: QueueRow) -> str:
    if row.held_by_me:
        return '<span class="held-you">you</span>'
    if row.holder:
        return f'<span class="held-other" title="Held by {_attr(row.holder)}">held: {user_html(row.holder)}</span>'
    return _NOBODY


def _reasons(reasons: list[str]) -> str:
    if not reasons:
        return ""
    joined = ", ".join(reasons)
    return f'<span class="reasons"{_title(joined)}>{", ".join(user_html(r) for r in reasons)}</span>'


def _heading(row: QueueRow) -> str:
    if not row.channel:
        return _escape(row.heading)
    return f'{_escape(row.heading)} · <span class="channel"{_title(row.channel)}>{user_html(row.channel)}</span>'


def render_row(row: QueueRow, *, can_act: bool, csrf_input: str, oob: str = "") -> SafeString:
    # One str.format per fragment, every value escaped exactly once on its way in (format_html's contract,
    # without its per-call dict and SafeString wrapping: this runs 50 times a page).
    item_url = _escape(row.item_url)
    entity_id_attr = _attr(row.entity_id)
    actions = select = ""
    if can_act:
        actions = _ACTIONS[row.reviewed, row.content_removed, row.escalated].format(
            decide_url=_escape(row.decide_url), item_url=item_url, csrf_input=_escape(csrf_input),
            entity_id_attr=entity_id_attr,
        )
        select = _SELECT.format(id=_escape(row.id), entity_id_attr=entity_id_attr)
    return mark_safe(_ROW.format(
        classes=_escape(row.classes), id=_escape(row.id), version=_escape(row.version), aria=_attr(row.aria),
        entity_id_attr=entity_id_attr, select=select,
        oob=f' data-oob="{_escape(oob)}"' if oob else "",
        heading=_heading(row), body=_body(row),
        badges="".join(f'<span class="badge {_escape(c)}">{_escape(t)}</span>' for c, t in row.badges),
        creator=(f'<a href="{_escape(row.creator_url)}"{_title(row.creator)}>{user_html(row.creator)}</a>'
                 if row.creator else _NOBODY),
        flags_count=_escape(row.flags_count), reasons=_reasons(row.reasons),
        rec=_escape(row.rec), rec_label=_escape(row.rec_label), severity=_escape(row.severity),
        created_iso=_escape(row.created_iso), age=_escape(row.age),
        holder=_holder(row), item_url=item_url, actions=actions,
    ))


def render_rows(rows: list[QueueRow], *, can_act: bool, csrf_input: str, oob: str = "") -> SafeString:
    return mark_safe("".join(render_row(r, can_act=can_act, csrf_input=csrf_input, oob=oob) for r in rows))
