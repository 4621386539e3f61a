"""Media servers' credentials at rest: a Fernet token (AES-128-CBC and HMAC-SHA256, from the
``cryptography`` package) made with the key in ``REELMATES_MEDIA_SECRET_KEY``.

The clear text is a :class:`pydantic.SecretStr` everywhere it travels, so that no repr, log line
or error message shows it; only :meth:`CredentialCipher.decrypt` gives it back, for the client.
"""

from __future__ import annotations

import binascii

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from reelmates.errors import ConfigurationError

KEY_SETTING = "REELMATES_MEDIA_SECRET_KEY"
MAKE_A_KEY = (
    'Make one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
    f", set it as {KEY_SETTING} in the server's environment, restart, and keep it with your "
    "backups (the stored credentials cannot be read without it)."
)


class CredentialCipher:
    """Encrypts and decrypts one server's credentials with the installation's key."""

    def __init__(self, key: SecretStr | None) -> None:
        if key is None or not key.get_secret_value().strip():
            raise ConfigurationError(
                f"connecting a media server needs an encryption key in {KEY_SETTING}",
                hint=MAKE_A_KEY,
            )
        try:
            self._fernet = Fernet(key.get_secret_value().strip().encode("ascii"))
        except (ValueError, UnicodeEncodeError, binascii.Error):
            raise ConfigurationError(
                f"{KEY_SETTING} is not a Fernet key (32 bytes, url-safe base64)", hint=MAKE_A_KEY
            ) from None

    def __repr__(self) -> str:
        return "CredentialCipher(<key hidden>)"

    def encrypt(self, secret: SecretStr) -> str:
        return self._fernet.encrypt(secret.get_secret_value().encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(token.encode("ascii")).decode("utf-8"))
        except (InvalidToken, UnicodeError):
            raise ConfigurationError(
                f"this server's stored credentials cannot be read with the {KEY_SETTING} set now",
                hint="Was the key changed? Set the key they were stored with, or enter the "
                "server's API key or token again.",
            ) from None
