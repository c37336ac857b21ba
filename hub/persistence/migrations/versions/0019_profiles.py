"""profiles: an agent's avatar, and the avatar an agent reply was sent with

`agents.avatar_id` names the agent's avatar in the attachment store
(`company_id/avatar_id`, hub-chosen hex) and is the version in its public URL
(`/avatars/{agent_id}?v={avatar_id}`); `agents.avatar_type` is its sniffed image type.
`messages.sender_avatar` keeps the avatar an agent reply was sent with, beside its
`sender_name` (like an e-mail's From line: a later change does not rewrite history).
No new table (so no new policy: both tables are behind 0005's tenant wall already); plain
ADD COLUMN, no table is copied (messages keeps its full-text triggers on SQLite).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agents", sa.Column("avatar_id", sa.String(length=32), nullable=True))
    op.add_column("agents", sa.Column("avatar_type", sa.String(length=32), nullable=True))
    op.add_column("messages", sa.Column("sender_avatar", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop the messages' FTS triggers.
    op.drop_column("messages", "sender_avatar")
    op.drop_column("agents", "avatar_type")
    op.drop_column("agents", "avatar_id")
