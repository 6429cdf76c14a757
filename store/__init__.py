"""SQLModel tables, engine, Alembic migrations and queries; imports none of our packages."""
