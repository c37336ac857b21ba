"""Pydantic models of the query strings the handlers read, for the OpenAPI document.

The handlers parse their few query parameters themselves (each names its bad one in a 400);
these models say what they accept, and hub.api.openapi turns each field into a parameter.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.conversations.service import PAGE_LIMIT

InboxStatus = Literal["open", "pending", "snoozed", "resolved"]


class ConversationFilter(BaseModel):
    status: InboxStatus | None = None
    assignee: str | None = Field(default=None, description="`me`, `none`, or an agent's id")
    team: str | None = Field(default=None, description="`none`, or a team's id")
    label: str | None = Field(default=None, description="a label's id")
    priority: Literal["none", "low", "medium", "high", "urgent"] | None = None


class MessagePageQuery(BaseModel):
    after_seq: int = Field(default=0, ge=0, description="the highest seq the caller holds")
    limit: int = Field(default=PAGE_LIMIT, ge=1, le=PAGE_LIMIT)


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=50, ge=1, le=100)


class ContactsQuery(BaseModel):
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=100)
    before: str | None = Field(default=None, description="the cursor of the previous page")


class AuditQuery(BaseModel):
    limit: int = Field(default=100, ge=1, le=500)


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: str | None = Field(default=None, alias="from", description="YYYY-MM-DD")
    to: str | None = Field(default=None, description="YYYY-MM-DD")
    tz: str | None = Field(default=None, description="an IANA time zone name")


class UploadQuery(BaseModel):
    name: str | None = Field(default=None, max_length=255, description="the file's name")


class WidgetUploadQuery(UploadQuery):
    key: str = Field(description="the company's widget key")


class DownloadQuery(BaseModel):
    key: str | None = Field(default=None, description="a visitor's widget key")


class AvatarQuery(BaseModel):
    v: str | None = Field(default=None, description="the avatar's version: cached for long")
