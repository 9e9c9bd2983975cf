"""Who may reach what: the scope rules of the permission table.

Roles say what kind of thing a caller may do (``domain/permissions.py``); scope says to which
case, queue or request: ``content_grounds`` and ``check_works_all`` are the one place that
decides it. Regulator reads are recorded by the auditor (``services/auditor.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.actions import ActionName, OpenCaseParams
from safeguarding.domain.errors import AccessDenied
from safeguarding.domain.information_requests import RequestStatus
from safeguarding.domain.permissions import Permission
from safeguarding.ports.store import (
    HasAudit,
    HasCases,
    HasEvents,
    HasInformationRequests,
)


class AccessWork(HasAudit, HasCases, HasEvents, HasInformationRequests, Protocol):
    """What access checks (and the reads they account for) read in one transaction."""


# The command line runs on the service's own machine with its database: an admin's reach.
OPERATOR = Principal(key_id="cli", name="cli", role=Role.ADMIN)


# -- scope: which case, queue or request a caller's role reaches -------------------------------
# One place for the rule, used by every service that shows or changes something about an
# event, so the API, the web UI and the CLI cannot disagree about who may.


def event_queues(uow: AccessWork, event_id: str) -> frozenset[str]:
    """The review queues an event belongs to: those of its cases, and the one its decision
    opens a case in (the outbox may not have opened it yet)."""
    queues = {case.queue for case in uow.cases.of_event(event_id)}
    found = uow.events.decisions([event_id]).get(event_id)
    if found is not None:
        queues |= {
            OpenCaseParams.model_validate(action.params).queue
            for action in found[1].actions
            if action.name is ActionName.OPEN_CASE
        }
    return frozenset(queues)


def content_grounds(
    uow: AccessWork, principal: Principal, event_id: str, what: str
) -> dict[str, Any]:
    """Why ``principal`` may see ``what`` (the content of, or about, ``event_id``), for the
    audit record; AccessDenied when it may not.

    An admin sees everything; a moderator, what is in a queue they work; the regulator, only
    what an open formal information request names; no other role sees content.
    """
    if principal.role is Role.ADMIN:
        return {"grounds": "admin"}
    if principal.role is Role.REGULATOR:
        covering = [
            r.request_id
            for r in uow.information_requests.listed(RequestStatus.OPEN)
            if r.covers(event_id)
        ]
        if not covering:
            raise out_of_scope(
                principal,
                f"a regulator reads {what} only under an open formal information request "
                f"naming event {event_id!r}; none does",
            )
        return {"information_request": covering[0]}
    queues = event_queues(uow, event_id)
    if principal.role is not Role.MODERATOR or not principal.works_any(queues):
        raise out_of_scope(principal, _not_worked(principal, what, queues))
    return {"queue": next((q for q in sorted(queues) if principal.works(q)), "all")}


def check_quoted(
    uow: AccessWork, principal: Principal, event_id: str, quoted: Collection[str]
) -> None:
    """AccessDenied for a regulator when a package of ``event_id`` quotes events that no open
    request names: a request for one message does not open the others its package quotes."""
    if principal.role is not Role.REGULATOR:
        return
    missing = [e for e in dict.fromkeys(quoted) if not reads_content(uow, principal, e)]
    if missing:
        raise out_of_scope(
            principal,
            f"the package of {event_id!r} quotes events no open information request names "
            f"({', '.join(repr(m) for m in missing)}); name them in a request to read it",
        )


def reads_content(uow: AccessWork, principal: Principal, event_id: str) -> bool:
    """Whether ``content_grounds`` admits ``principal`` to the event's content."""
    try:
        content_grounds(uow, principal, event_id, "content")
    except AccessDenied:
        return False
    return True


def sees_content(uow: AccessWork, principal: Principal, event_id: str) -> bool:
    """Whether ``principal`` may read what an event's decision quotes of its content: the
    platform that sent it, and whoever ``content_grounds`` admits."""
    return principal.role is Role.PLATFORM or reads_content(uow, principal, event_id)


def works_own_queues(uow: AccessWork, principal: Principal, event_id: str) -> bool:
    """Whether ``principal`` works one of the review queues the event is in, if it is in any:
    a case of one queue whose page shows another queue's image (a report that points at it,
    a conversation that holds it) does not open that image. An item in no queue of its own
    is the case's, whose queue the caller was checked for."""
    queues = event_queues(uow, event_id)
    return not queues or principal.works_any(queues)


def check_own_queues(uow: AccessWork, principal: Principal, event_id: str, what: str) -> None:
    """AccessDenied unless ``works_own_queues``."""
    if not works_own_queues(uow, principal, event_id):
        raise out_of_scope(principal, _not_worked(principal, what, event_queues(uow, event_id)))


def check_works_all(principal: Principal, queues: frozenset[str], what: str) -> None:
    """AccessDenied unless ``principal`` works every one of ``queues`` (an admin does)."""
    if not Permission.REVIEW_CASES.admits(principal) or not principal.works_all(queues):
        raise out_of_scope(principal, _not_worked(principal, what, queues))


def out_of_scope(principal: Principal, detail: str) -> AccessDenied:
    """The refusal for a caller whose role is right but whose queue, body or request is not."""
    return AccessDenied(detail, principal.role.value, SCOPED_ROLES)


SCOPED_ROLES = ("admin", "moderator (of its queue)", "regulator (under an information request)")


def _not_worked(principal: Principal, what: str, queues: frozenset[str]) -> str:
    where = f"the {', '.join(sorted(queues))} queue(s)" if queues else "no review queue"
    return f"{what} belongs to {where}, which {principal.name} does not work"
