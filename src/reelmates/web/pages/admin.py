"""The operator's pages: every account, disable / enable, reset a password (shown once).
Only the operator reaches them: the ``OperatorUser`` dependency decides, nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from reelmates.services import operator
from reelmates.web.deps import OperatorUser, PasswordsDep, SessionDep, now_utc
from reelmates.web.templating import render

router = APIRouter(prefix="/admin")

NO_STORE = {"Cache-Control": "no-store"}  # a page with a password on it is never cached


def _to_list(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("admin_accounts_page").path), status_code=303)


@router.get("/accounts", name="admin_accounts_page")
def accounts_page(request: Request, session: SessionDep, me: OperatorUser) -> Response:
    context = {"title": "Accounts", "accounts": operator.list_accounts(session)}
    return render(request, "admin_accounts.html", context)


@router.post("/accounts/{handle}/disable", name="admin_disable")
def disable(request: Request, handle: str, session: SessionDep, me: OperatorUser) -> Response:
    operator.set_disabled(session, me, handle, True, now_utc())
    return _to_list(request)


@router.post("/accounts/{handle}/enable", name="admin_enable")
def enable(request: Request, handle: str, session: SessionDep, me: OperatorUser) -> Response:
    operator.set_disabled(session, me, handle, False, now_utc())
    return _to_list(request)


@router.post("/accounts/{handle}/reset-password", name="admin_reset_password")
def reset_password(
    request: Request, handle: str, session: SessionDep, passwords: PasswordsDep, me: OperatorUser
) -> Response:
    reset = operator.reset_password(session, passwords, me, handle, now_utc())
    context = {"title": "A new password", "reset": reset}
    return render(request, "admin_password.html", context, headers=NO_STORE)
