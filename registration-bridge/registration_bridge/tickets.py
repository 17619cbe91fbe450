"""Short-lived signed tickets: proof that /verify accepted a payer, exchanged for a claim."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer


@dataclass(frozen=True)
class PayerRef:
    manager_id: str
    payer_code: str


class InvalidTicket(ValueError):
    pass


class TicketIssuer:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="registration-bridge.payer-ticket")
        self._ttl = ttl_seconds

    def issue(self, payer: PayerRef) -> str:
        return self._serializer.dumps({"m": payer.manager_id, "p": payer.payer_code})

    def redeem(self, ticket: str) -> PayerRef:
        try:
            data = self._serializer.loads(ticket, max_age=self._ttl)
        except BadSignature as exc:  # also covers expired tickets
            raise InvalidTicket(str(exc)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("m"), str) or not isinstance(data.get("p"), str):
            raise InvalidTicket("malformed ticket")
        return PayerRef(data["m"], data["p"])
