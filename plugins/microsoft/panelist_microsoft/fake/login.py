"""The Entra ID side: a self-signed TLS certificate for 127.0.0.1 (MSAL and azure-identity
take only https authorities), OpenID discovery and the client-credentials token endpoint."""

from __future__ import annotations

import base64
import functools
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panelist_microsoft.fake.state import App, Grant
from panelist_microsoft.fake.wire import GRAPH_SCOPE, JSON, OAuthError

if TYPE_CHECKING:
    from panelist_microsoft.fake.server import FakeGraph

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3599


@functools.cache
def tls_certificate() -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM): self-signed for IP 127.0.0.1 and localhost, one per process."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "panelist fake login")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def write_tls_files(directory: Path) -> tuple[Path, Path]:
    cert, key = tls_certificate()
    cert_file, key_file = directory / "login-ca.pem", directory / "login-key.pem"
    cert_file.write_bytes(cert)
    key_file.write_bytes(key)
    return cert_file, key_file


def openid_configuration(base: str, tenant: str) -> JSON:
    root = f"{base}/{tenant}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "roles"],
        "kerberos_endpoint": f"{root}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def unknown_tenant(tenant: str) -> OAuthError:
    return OAuthError(
        400, "invalid_tenant", 90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this "
        "may happen if there are no active subscriptions for the tenant.",
    )  # fmt: skip


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def token(fake: FakeGraph, tenant: str, form: dict[str, str], base: str) -> JSON:
    """The client-credentials grant: Entra's answer or its error (OAuthError)."""
    if tenant.lower() not in fake.tenants:
        raise unknown_tenant(tenant)
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(
            400, "unsupported_grant_type", 70003,
            "The app requested an unsupported grant type (the fake serves client_credentials).",
        )  # fmt: skip
    client_id = form.get("client_id", "")
    app = fake.apps.get(client_id)
    if app is None or app.tenant.lower() != tenant.lower():
        raise OAuthError(
            400, "unauthorized_client", 700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant}'. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant. You may "
            "have sent your authentication request to the wrong tenant.",
        )  # fmt: skip
    scope = form.get("scope", "")
    if GRAPH_SCOPE not in scope.split():
        raise OAuthError(
            400, "invalid_scope", 1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )  # fmt: skip
    if form.get("client_assertion"):
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise OAuthError(400, "invalid_request", 50027, "Invalid client_assertion_type.")
        _check_assertion(app, form["client_assertion"], f"{base}/{tenant}/oauth2/v2.0/token")
    elif "client_secret" in form:
        if app.secret is None or not secrets.compare_digest(form["client_secret"], app.secret):
            raise OAuthError(
                401, "invalid_client", 7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )  # fmt: skip
        if app.secret_expired:
            raise OAuthError(
                401, "invalid_client", 7000222,
                f"The provided client secret keys for app '{client_id}' are expired. Visit the "
                "Azure portal to create new keys for your app: "
                "https://aka.ms/NewClientSecret, or consider using certificate credentials for "
                "added security: https://aka.ms/certCreds.",
            )  # fmt: skip
    else:
        raise OAuthError(
            401, "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )  # fmt: skip
    return issue(fake, app)


def issue(fake: FakeGraph, app: App) -> JSON:
    """A new access token for `app`: a JWT-shaped string (unsigned claims a client may read,
    ``roles`` among them) that the fake remembers."""
    now = fake.now()
    claims = {
        "aud": "https://graph.microsoft.com",
        "iss": f"https://sts.windows.net/{app.tenant}/",
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + TOKEN_LIFETIME,
        "appid": app.client_id,
        "idtyp": "app",
        "oid": str(uuid.uuid4()),
        "tid": app.tenant,
        "ver": "1.0",
        **({"roles": list(app.roles)} if app.roles else {}),
    }
    header = {"typ": "JWT", "alg": "RS256", "kid": "fake"}
    access_token = ".".join([
        _b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()),
        _b64(secrets.token_bytes(32)),
    ])  # fmt: skip
    with fake.lock:
        fake.access_tokens[access_token] = Grant(
            app, app.roles, now + timedelta(seconds=TOKEN_LIFETIME)
        )
        fake.tokens_issued += 1
    return {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    }


def _check_assertion(app: App, assertion: str, audience: str) -> None:
    """A certificate credential's client_assertion: a JWT signed with the app's key."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def fail(description: str, code: int = 700027) -> OAuthError:
        return OAuthError(401, "invalid_client", code, description)

    if app.certificate is None:
        raise fail(
            f"Client assertion failed signature validation. No certificate is registered for "
            f"app '{app.client_id}'."
        )
    try:
        header_b64, claims_b64, signature_b64 = assertion.split(".")
        header: dict[str, Any] = json.loads(_b64decode(header_b64))
        claims: dict[str, Any] = json.loads(_b64decode(claims_b64))
        signature = _b64decode(signature_b64)
    except ValueError:
        raise fail("Client assertion is not within its valid time range.", 700024) from None
    public_key: Any = x509.load_pem_x509_certificate(app.certificate).public_key()
    signed = f"{header_b64}.{claims_b64}".encode()
    alg = header.get("alg")
    try:
        if alg == "RS256":
            public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "PS256":
            public_key.verify(
                signature, signed,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )  # fmt: skip
        else:
            raise fail(f"The client assertion's algorithm '{alg}' is not supported.")
    except InvalidSignature:
        raise fail("Client assertion failed signature validation.") from None
    if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
        raise fail("The client assertion's iss and sub must be the client id.", 700021)
    if claims.get("aud") != audience:
        raise fail(f"The audience '{claims.get('aud')}' is invalid.", 700212)
