"""The checklist's measures for banks of other kinds and harms than hashes of abuse imagery:
URL lists of abuse material, and hashes of intimate images shared without consent."""

from __future__ import annotations

from safeguarding.domain.actions import ActionName
from safeguarding.domain.banks import BankHarm, HashType
from safeguarding.domain.compliance_facts import ComplianceFacts, Measure
from safeguarding.domain.policy import Mode, Rule


def _harm_rules(f: ComplianceFacts, harm: BankHarm, kind: str | None = None) -> list[Rule]:
    """Enforced rules that block on a match of a bank of ``harm`` (of one signal kind)."""
    return [
        r
        for r in f.policy.rules
        if r.mode is Mode.ENFORCE
        and (signal := r.when.signal) is not None
        and signal.harm is harm
        and (kind is None or signal.names_kind(kind))
        and any(a.name is ActionName.BLOCK for a in r.then)
    ]


def url_lists(f: ComplianceFacts) -> Measure:
    urls = f.bank_entries.get(BankHarm.ABUSE_IMAGERY, {}).get(HashType.URL, 0)
    rules = _harm_rules(f, BankHarm.ABUSE_IMAGERY, "url_match")
    how = [] if urls and "url_list" in f.detectors else ["import a URL list into a bank"]
    how += [] if rules else ["enforce a rule that blocks on url_match (listed-abuse-url)"]
    return Measure(
        id="url_lists",
        title="Links to listed abuse material are detected and removed",
        code_measure="URL detection for CSAM (Illegal Content Codes, user-to-user)",
        met=not how,
        evidence=f"{urls} listed URLs of abuse imagery in enabled banks; url_list detector "
        f"{'enabled' if 'url_list' in f.detectors else 'not enabled'}; "
        f"{len(rules)} enforced blocking URL rule(s)",
        how_to_meet="; ".join(how) or None,
    )


def intimate_image_hashes(f: ComplianceFacts) -> Measure:
    held = f.bank_entries.get(BankHarm.INTIMATE_IMAGE_ABUSE, {})
    hashes = sum(n for kind, n in held.items() if kind is not HashType.URL)
    rules = _harm_rules(f, BankHarm.INTIMATE_IMAGE_ABUSE)
    how = (
        []
        if hashes and "hash_bank" in f.detectors
        else ["create a bank of harm intimate_image_abuse and import hashes (such as StopNCII's)"]
    )
    how += [] if rules else ["enforce a rule that blocks its matches (known-intimate-image)"]
    return Measure(
        id="intimate_image_hashes",
        title="Intimate images shared without consent are matched and blocked",
        code_measure="Hash matching for intimate image abuse (Illegal Content Codes, "
        "user-to-user, as amended 2026)",
        met=not how,
        evidence=f"{hashes} hashes in enabled banks of intimate-image abuse; "
        f"{len(rules)} enforced blocking rule(s) for its matches",
        how_to_meet="; ".join(how) or None,
    )


def shared_signals(f: ComplianceFacts) -> Measure:
    """Known harms are matched beyond this service's own finds: partners' lists are in use."""
    how = (
        []
        if f.partner_lists
        else ["import a partner's shared list (safeguarding sharing import, docs/sharing.md)"]
    )
    return Measure(
        id="shared_signals",
        title="Signals other services confirmed are matched here",
        code_measure="Hash lists sourced from other services and expert bodies (Illegal "
        "Content Codes, user-to-user: hash matching against lists from appropriate sources)",
        met=not how,
        evidence=f"{f.partner_lists} partner list(s) holding {f.partner_entries} entries",
        how_to_meet="; ".join(how) or None,
    )
