"""Who is calling, once authenticated: a role and the organisation whose data the caller may touch."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The kinds of caller the engine serves (issue 7)."""

    DEALER = "dealer"  # organisation: the dealer id
    OEM_DESK = "oem_desk"  # organisation: the manufacturer
    INSURER = "insurer"  # organisation: the insurer id
    AUDITOR = "auditor"  # reads everything, writes nothing
    ADMIN = "admin"  # manages keys and rule packs
    SYSTEM = "system"  # the engine itself (timers) and servers run with authentication off

    @property
    def has_organisation(self) -> bool:
        return self in (Role.DEALER, Role.OEM_DESK, Role.INSURER)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``identity`` names the credential (key id, certificate subject) for the trail."""

    role: Role
    organisation: str | None = None
    identity: str = ""

    @property
    def name(self) -> str:
        """``dealer:D-100``, ``auditor``: the principal as the principals file and the audit trail spell it."""
        return f"{self.role.value}:{self.organisation}" if self.organisation else self.role.value

    @classmethod
    def parse(cls, text: str, identity: str = "") -> Principal:
        """``dealer:D-100`` → Principal(DEALER, "D-100"); raises ValueError for an unknown role or a missing
        or superfluous organisation."""
        role_text, _, organisation = text.strip().partition(":")
        try:
            role = Role(role_text)
        except ValueError:
            raise ValueError(f"unknown role {role_text!r} in principal {text!r}") from None
        if role.has_organisation and not organisation:
            raise ValueError(f"principal {text!r} needs an organisation: {role.value}:<id>")
        if not role.has_organisation and organisation:
            raise ValueError(f"role {role.value} takes no organisation (got {text!r})")
        return cls(role, organisation or None, identity or text)


SYSTEM = Principal(Role.SYSTEM, None, "system")
