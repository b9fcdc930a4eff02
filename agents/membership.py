"""What may forbid taking an agent out of an organisation (RDVs to come…).

The apps that hold an agent's work in an organisation register a guard here in their
AppConfig.ready() (rdvs does), so that agents imports none of them. A guard returns
the refusal in French, or None."""

from __future__ import annotations

from collections.abc import Callable

MembershipGuard = Callable[..., str | None]  # (agent, organisation) -> refusal or None
_guards: list[MembershipGuard] = []


def register_guard(guard: MembershipGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def refusals_to_leave(agent, organisation) -> list[str]:
    return [refusal for guard in _guards if (refusal := guard(agent, organisation))]
