"""Staff pages for Open311 client systems: the list, issuing a key (shown once) and revoking it.

Keys are managed by the security administrator (``cases.manage_open311``), within their jurisdiction.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.cases.actions import open311 as actions
from shequ.cases.forms.open311 import ClientForm
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import open311 as queries
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors


@permission_required(CasesPerm.MANAGE_OPEN311)
@require_GET
def clients(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/open311/clients.html",
        {
            "clients": queries.clients(request.user),
            "endpoint": request.build_absolute_uri(
                reverse("open311:discovery", kwargs={"fmt": "json"})
            ),
        },
    )


@permission_required(CasesPerm.MANAGE_OPEN311)
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, regions=queries.client_regions(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            client, key = actions.issue_client(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            # Rendered, not redirected: the key must not pass through the session or a URL.
            response = render(
                request, "cases/open311/client_issued.html", {"client": client, "key": key}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "cases/open311/client_form.html", {"form": form})


@permission_required(CasesPerm.MANAGE_OPEN311)
@require_POST
def client_revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    client = queries.client_detail(request.user, client_id)
    actions.revoke_client(client=client, by=request.user)
    messages.success(request, _("已吊销“%(name)s”的密钥。") % {"name": client.name})
    return redirect("cases:open311_clients")


urls: list[URLPattern] = [
    path("open311-clients/", clients, name="open311_clients"),
    path("open311-clients/new/", client_new, name="open311_client_new"),
    path("open311-clients/<int:client_id>/revoke/", client_revoke, name="open311_client_revoke"),
]
