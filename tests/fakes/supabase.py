"""A fake Supabase Auth `GET /auth/v1/user`: the user record behind an access token.

    fake = FakeSupabaseAuth(jwt_secret, anon_key)
    fake.users[user_id] = {"email": "sam@example.com", "email_confirmed_at": None}
    async with serve(fake.app) as base:  # SUPABASE_AUTH_URL=base

As the real one: the `apikey` header must be the project's key (else 401), the bearer token
must be a valid access token (else 403), and the answer is the user record. A user the test
did not describe is confirmed, with the token's email, and not anonymous.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class FakeSupabaseAuth:
    def __init__(self, jwt_secret: str, anon_key: str) -> None:
        self.jwt_secret = jwt_secret
        self.anon_key = anon_key
        self.users: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self.app = Starlette(routes=[Route("/user", self.user, methods=["GET"])])

    async def user(self, request: Request) -> JSONResponse:
        self.calls += 1
        if request.headers.get("apikey") != self.anon_key:
            return JSONResponse({"message": "Invalid API key"}, status_code=401)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token, self.jwt_secret, algorithms=["HS256"], audience="authenticated"
            )
        except jwt.PyJWTError:
            return JSONResponse({"msg": "invalid JWT"}, status_code=403)
        record = {
            "id": claims["sub"],
            "aud": "authenticated",
            "role": "authenticated",
            "email": claims.get("email"),
            "email_confirmed_at": "2026-01-01T00:00:00Z",
            "is_anonymous": bool(claims.get("is_anonymous", False)),
            **self.users.get(claims["sub"], {}),
        }
        return JSONResponse(record)
