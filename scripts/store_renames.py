"""Rewrite calls to the old flat unit of work (``uow.case_add(...)``) as calls to its
repositories (``uow.cases.add(...)``), in place, in the Python files under the given paths.

A one-off for code written before the unit of work was split (a branch being merged): it
rewrites only ``uow.<old name>(`` and ``other.<old name>(``; check what it prints.

    python scripts/store_renames.py src tests bench
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# repository attribute: "old_name=new_name ..." (a bare name keeps its name)
RENAMES = {
    "events": (
        "events_find=find decisions_for=decisions events_add=add event_get=get "
        "conversation_events=of_conversation events_reinstate=reinstate reinstated_among "
        "decisions_sample=sample"
    ),
    "retention": (
        "events_past_retention=past_retention event_content_remove=remove_content "
        "event_content_removed_at=content_removed_at"
    ),
    "accounts": (
        "accounts_get=get accounts_put=put restrictions_of restriction_add "
        "restrictions_remove connections_among connections_add connection_links_among "
        "connection_links_put connections_remove_children"
    ),
    "conversations": (
        "conversations_get=get conversations_put=put contacts_among contacts_add "
        "children_contacted contact_refusals=refusals children_refused "
        "contact_refusals_add=refusals_add last_refusals review_holds_among=holds_among "
        "review_holds_add=holds_add review_holds_remove=holds_remove"
    ),
    "outbox": (
        "outbox_add=add outbox_next=next outbox_done=done outbox_retry=retry "
        "outbox_failed=failed outbox_pending=pending"
    ),
    "cases": (
        "case_add=add case_open=open case_open_about=open_about case_absorb=absorb "
        "case_get=get case_put=put cases_list=listed cases_of_event=of_event "
        "cases_of_subject=of_subject"
    ),
    "evidence": (
        "evidence_preserve=preserve evidence_get=get evidence_content=content "
        "evidence_expired=expired evidence_purge=purge evidence_hold=hold"
    ),
    "reports": (
        "authority_report_draft=draft authority_reports=recent authority_report_get=get "
        "authority_report_put=put authority_reports_for=for_events"
    ),
    "audit": (
        "audit_append=append audit_records=records audit_head=head audit_latest=latest "
        "audit_counts=counts audit_mentions=mentions audit_details=details"
    ),
    "policy": (
        "policy_current=current policy_current_version=current_version policy_add=add "
        "policy_history=history"
    ),
    "keys": "key_add=add key_get=get keys_list=listed key_revoke=revoke",
    "sessions": (
        "session_add=add session_get=get session_end=end sessions_end_for_key=end_for_key "
        "sessions_purge=purge"
    ),
    "banks": (
        "banks_list=listed bank_get=get bank_put=put bank_delete=delete "
        "bank_versions=versions bank_version_add=version_add bank_hashes_live=hashes_live "
        "bank_hashes_at=hashes_at bank_hashes_add=hashes_add bank_hashes_remove=hashes_remove "
        "bank_entries_live=entries_live bank_entries_chunks=entries_chunks "
        "bank_entries_touched=entries_touched bank_entry_get=entry_get "
        "bank_entries_switched_off=entries_switched_off bank_entry_switch=entry_switch "
        "bank_revision=revision bank_revision_at=revision_at bank_revision_bump=revision_bump "
        "bank_changes_since=changes_since"
    ),
    "figures": "counts",
    "complaints": (
        "complaint_add=add complaint_put=put complaint_get=get complaints_list=listed "
        "complaint_outcomes=outcomes"
    ),
    "super_complaints": (
        "super_complaint_add=add super_complaint_put=put super_complaint_get=get "
        "super_complaints_list=listed super_complaint_file=file "
        "super_complaint_outcomes=outcomes"
    ),
    "information_requests": (
        "information_request_add=add information_request_put=put information_request_get=get "
        "information_request_file_add=file_add information_request_file=file "
        "information_requests_list=listed"
    ),
    "risk": (
        "risk_assessment_add=add risk_assessment_latest=latest risk_assessments=assessments "
        "feature_evidence cases_overdue complaints_open cases_decided_on_time "
        "authority_reports_waiting"
    ),
    "transparency": (
        "transparency_snapshot=snapshot events_received decisions_count actioned_tally "
        "action_times action_times_daily report_decision_times appeal_decision_times "
        "notice_action_times authority_reports_sent children_protected decision_facts"
    ),
}
OLD = {
    old: (attr, new or old)
    for attr, pairs in RENAMES.items()
    for old, _, new in (pair.partition("=") for pair in pairs.split())
}
CALL = re.compile(r"\b(uow|other)\.([a-z_]+)\(")


def rewrite(text: str) -> tuple[str, int]:
    """The text with every old call renamed, and how many were."""
    count = 0

    def renamed(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(2) not in OLD:
            return match.group(0)
        count += 1
        attr, new = OLD[match.group(2)]
        return f"{match.group(1)}.{attr}.{new}("

    return CALL.sub(renamed, text), count


def main(roots: list[str]) -> None:
    for root in roots:
        for path in sorted(Path(root).rglob("*.py")):
            text, count = rewrite(path.read_text())
            if count:
                path.write_text(text)
                print(f"{path}: {count}")


if __name__ == "__main__":
    main(sys.argv[1:])
