"""Key files as Google's console hands them out, made here: a service account key (with a
fresh RSA key) and an installed-app OAuth client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def service_account_key(token_uri: str = "https://oauth2.googleapis.com/token") -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "panelist-test",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "panelist@panelist-test.iam.gserviceaccount.com",
        "client_id": "104242424242424242424",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }


CLIENT_SECRET = "GOCSPX-client-secret-never-stored"


def oauth_client(
    token_uri: str, auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
) -> dict[str, Any]:
    return {
        "installed": {
            "client_id": "1234-panelist.apps.googleusercontent.com",
            "project_id": "panelist-test",
            "auth_uri": auth_uri,
            "token_uri": token_uri,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": ["http://localhost"],
        }
    }


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path
