"""The one catch-all route of the Admin API: `/v1/admin/{path}` for every method."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway import routing
from gateway.deps import Auth, GatewaySettings, Http
from gateway.errors import UnknownRoute
from gateway.identity.credential import credential_from
from gateway.identity.service import authorize
from gateway.proxy.service import UpstreamResponse, forward
from mpflow_platform.http import scopes
from mpflow_platform.http.identity import ANONYMOUS

router = APIRouter()

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/v1/admin/{path:path}", methods=METHODS, include_in_schema=False)
async def forward_admin(
    request: Request, path: str, http: Http, authenticator: Auth, settings: GatewaySettings
) -> Response:
    """Authenticate the caller, then forward to the service owning the router in `path`."""
    service = routing.service_for(path)
    if service is None:
        raise UnknownRoute(f"no service handles /v1/admin/{path}: see /docs for the API")
    if routing.is_public(path):
        token, identity = None, ANONYMOUS
    else:
        token = credential_from(request)
        identity = await authenticator.identify(
            token, client_ip=request.client.host if request.client else None
        )
        domain = routing.scope_domain(path)
        if domain is not None:
            authorize(identity, scopes.for_request(domain, request.method))
    base_url = settings.service_urls()[service]
    upstream = await forward(
        http=http,
        request=request,
        service=service,
        base_url=base_url,
        identity=identity,
        signing_key=settings.signing_key,
    )
    if token and path == routing.LOGOUT_PATH and request.method == "POST" and upstream.is_success:
        authenticator.forget(token)
    if (
        service == "auth"
        and identity.user_id is not None
        and request.method not in scopes.READ_METHODS
        and upstream.is_success
    ):
        # A change to users or keys may end credentials: this replica re-checks the tenant's
        # at once; the others learn it from the auth.access.revoked event.
        authenticator.forget_tenant(identity.user_id)
    return UpstreamResponse(
        upstream, upstream_base=base_url, public_base=str(request.base_url).rstrip("/")
    )
