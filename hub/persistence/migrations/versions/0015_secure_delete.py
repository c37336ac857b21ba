"""secure delete: the search index loses the words of messages deleted before this release

Until now an erasure or a retention purge left the deleted messages' words in SQLite's
full-text index (`messages_fts`, migration 0011): FTS5 deletes by adding a marker beside each
term, and the old segments keep the term until a merge reaches the oldest one. The hub now
rewrites the index after every erasure and purge (`Database.forget`); this rewrites it once
(FTS5 'optimize': every segment merged into one, deleted rows dropped) for what was erased
before. The pages it frees are zeroed: migrations run with `secure_delete=ON`
(hub.persistence.migrate). About 0.2 s per 200,000 messages.

PostgreSQL: nothing to do here (dead rows go with VACUUM; docs/operations.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")


def downgrade() -> None:
    pass  # a merged index is an index like any other
