"""Bill passwords are kept only as a keyed hash, bound to their payer."""

from __future__ import annotations

import hashlib
import hmac


class BillPasswordHasher:
    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def digest(self, manager_id: str, payer_code: str, bill_password: str) -> str:
        message = "\x1f".join((manager_id, payer_code, normalize_bill_password(bill_password)))
        return hmac.digest(self._key, message.encode("utf-8"), hashlib.sha256).hex()  # one-shot C fast path

    def matches(self, stored_digest: str, manager_id: str, payer_code: str, bill_password: str) -> bool:
        return hmac.compare_digest(stored_digest, self.digest(manager_id, payer_code, bill_password))


def normalize_bill_password(raw: str) -> str:
    """Bill passwords are matched as printed, without surrounding blanks (case matters)."""
    return raw.strip()
