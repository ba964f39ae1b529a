"""Client credentials for Graph: azure-identity's async `ClientSecretCredential` or
`CertificateCredential` (application permissions, no person signs in).

The client secret comes from `ProviderContext.secret` (environment
``PANELIST_MICROSOFT_CLIENT_SECRET`` or the keyring entry ``microsoft:client_secret`` of
service "panelist"); it is never stored in the database, logged or put in a message.

azure-identity takes https authorities only (`MicrosoftSettings` refuses an http one);
``ca_file`` names a CA bundle to trust for it (a private cloud's, or the loopback fake's,
`panelist_microsoft.testing`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from panelist.errors import AuthenticationFailed, ConfigurationError
from panelist_microsoft.config import (
    DEFAULT_AUTHORITY,
    PROVIDER,
    SECRET_CERTIFICATE_PASSWORD,
    SECRET_CLIENT,
    MicrosoftSettings,
)

SecretLookup = Callable[[str], str | None]


def make_credential(settings: MicrosoftSettings, secret: SecretLookup) -> Any:
    """The async azure-identity credential these settings describe (imported here, lazily)."""
    tenant_id, client_id = settings.require()
    authority, extra = _authority(settings)
    if settings.auth == "certificate":
        from azure.identity.aio import CertificateCredential

        if not settings.certificate_path:
            raise ConfigurationError(
                "Microsoft: auth is 'certificate' but setting 'certificate_path' is not set"
            )
        password = secret(SECRET_CERTIFICATE_PASSWORD)
        try:
            return CertificateCredential(
                tenant_id,
                client_id,
                certificate_path=settings.certificate_path,
                password=password.encode() if password else None,
                authority=authority,
                **extra,
            )
        except (OSError, ValueError) as exc:
            raise AuthenticationFailed(
                f"Microsoft: the certificate {settings.certificate_path!r} cannot be read "
                f"({type(exc).__name__})",
                provider=PROVIDER,
            ) from None
    from azure.identity.aio import ClientSecretCredential

    client_secret = secret(SECRET_CLIENT)
    if not client_secret:
        raise AuthenticationFailed(
            "Microsoft: no client secret: store it in the keyring (panelist / "
            "microsoft:client_secret) or set PANELIST_MICROSOFT_CLIENT_SECRET",
            provider=PROVIDER,
        )
    return ClientSecretCredential(tenant_id, client_id, client_secret, authority=authority, **extra)


def _authority(settings: MicrosoftSettings) -> tuple[str, dict[str, Any]]:
    """The authority as azure-identity takes it, and the options it needs there."""
    extra: dict[str, Any] = {}
    if settings.authority != DEFAULT_AUTHORITY:
        extra["disable_instance_discovery"] = True  # a sovereign cloud or a fake: no lookup
    if settings.ca_file:
        extra["connection_verify"] = settings.ca_file
    return settings.authority, extra
