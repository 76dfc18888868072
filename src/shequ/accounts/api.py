from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class AssignmentOut(Schema):
    role: str
    role_name: str
    place_code: str
    place_name: str


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    permissions: list[str]
    assignments: list[AssignmentOut]


@router.get("/me", response=MeOut, summary="当前用户、角色与管辖范围")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assignments = [
        AssignmentOut(
            role=a.role.code,
            role_name=a.role.display_name,
            place_code=getattr(a.place, "code", ""),
            place_name=str(a.place or ""),
        )
        for a in user.active_assignments()  # type: ignore[union-attr]
    ]
    return MeOut(
        username=user.get_username(),
        full_name=user.full_name,  # type: ignore[union-attr]
        kind=user.kind,  # type: ignore[union-attr]
        permissions=sorted(user.permissions()),  # type: ignore[union-attr]
        assignments=assignments,
    )
